#!/usr/bin/env bash
# Quick start 2/2: install what is missing, build, and run every check CI runs (make ci: the
# suite, the MPI tests, the engine tests under TSan, the suite under ASan + UBSan, the fuzzers,
# each stage while CI's 40-minute budget leaves room for it; ~35-40 min on 2 cores). While
# developing, `make test` runs the suite alone.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make ci
