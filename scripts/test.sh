#!/usr/bin/env bash
# Quick start 2/2: install what is missing, build, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make test
