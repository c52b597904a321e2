#!/usr/bin/env bash
# Runs one scenario for seeds 1..N, one output per seed, skipping seeds already done.
#   scripts/run_seeds.sh SCENARIO.toml N OUTDIR [extra cartsim run options...]
# Then: analysis/endpoint_table.py --group-by-scenario OUTDIR/*.h5
# (The ensemble command of a later issue will replace this.)
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 SCENARIO.toml N OUTDIR [cartsim run options...]" >&2
  exit 2
fi
scenario=$1; count=$2; outdir=$3; shift 3
cartsim="$(dirname "$0")/../build/release/cli/cartsim"
mkdir -p "$outdir"
name=$(basename "$scenario" .toml)
for seed in $(seq 1 "$count"); do
  out="$outdir/${name}_seed${seed}.h5"
  if [ -f "$out" ]; then
    echo "run_seeds: $out exists, skipping" >&2
    continue
  fi
  "$cartsim" run "$scenario" --seed "$seed" -o "$out" --quiet "$@"
  echo "run_seeds: wrote $out" >&2
done
