#!/usr/bin/env bash
# Quick start 1/2: install what is missing, build, and run the default demo end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make demo
