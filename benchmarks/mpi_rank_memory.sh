#!/usr/bin/env bash
# Peak memory of every MPI rank, and wall time, of `cartsim run` and `cartsim resume` (issue 18:
# no rank should hold the whole model). bench_3d's scenario on a SITES^3 window: one process
# with 2 threads for DAYS (the reference), then RANKS ranks x 1 thread for DAYS (a checkpoint
# at the end), then that file resumed for MORE days on the same ranks; each REPEAT times.
# Prints ONE JSON object on stdout (progress on stderr): per case the median wall seconds and
# the median peak RSS (MiB) of each rank, from /usr/bin/time around each rank's process.
#
# Usage: benchmarks/mpi_rank_memory.sh [--ranks K] [--sites N] [--days D] [--more D]
#            [--repeat R] [--cartsim-mpi PATH] [--json-out FILE] [--no-build]
#   --cartsim-mpi: another mpi build's cartsim (e.g. an older commit's, for an A/B); the
#   reference always runs this tree's mpi cartsim without a launcher.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=benchmarks/mpi_bench_common.sh
source "$ROOT/benchmarks/mpi_bench_common.sh"
RANKS=2
SITES=160
DAYS=0.2
MORE=0.05
REPEAT=3
CARTSIM_MPI=""
JSON_OUT=""
BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ranks) RANKS="${2:?--ranks needs a number}"; shift ;;
    --sites) SITES="${2:?--sites needs a number}"; shift ;;
    --days) DAYS="${2:?--days needs a number}"; shift ;;
    --more) MORE="${2:?--more needs a number}"; shift ;;
    --repeat) REPEAT="${2:?--repeat needs a number}"; shift ;;
    --cartsim-mpi) CARTSIM_MPI="${2:?--cartsim-mpi needs a path}"; shift ;;
    --json-out) JSON_OUT="${2:?--json-out needs a file}"; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) print_help "${BASH_SOURCE[0]}"; exit 2 ;;
    *) echo "mpi_rank_memory.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
# A binary named relative to where the script was started, before the setup goes to the root.
[[ -n "$CARTSIM_MPI" ]] && CARTSIM_MPI="$(realpath "$CARTSIM_MPI")"
mpi_bench_setup mpi_rank_memory.sh "$BUILD"
CARTSIM_MPI="${CARTSIM_MPI:-$CARTSIM}"
for binary in "$CARTSIM" "$CARTSIM_MPI"; do
  [[ -x "$binary" ]] || { echo "mpi_rank_memory.sh: $binary is missing" >&2; exit 2; }
done
SCENARIO=benchmarks/scenarios/bench_3d.toml
WINDOW=(--set "space.nx=$SITES" --set "space.ny=$SITES" --set "space.nz=$SITES")
: >"$WORK/runs.tsv"

# measure CASE REPETITION RANKS COMMAND...: one cartsim command, alone (RANKS 0) or under
# mpiexec, each process timed apart (rank r's peak RSS in BASE.rank<r>, the wall in BASE.wall).
measure() {
  local name="$1" repetition="$2" ranks="$3"
  shift 3
  local base="$WORK/$name.$repetition"
  log "$name (repetition $repetition): $*"
  local start end
  start="$(date +%s.%N)"
  if [[ "$ranks" == 0 ]]; then
    /usr/bin/time -f '%M' -o "$base.rank0" "$@" >"$base.log" 2>&1 \
      || { tail -n 20 "$base.log" >&2; exit 1; }
  else
    mpiexec -n "$ranks" --oversubscribe bash -c \
      '/usr/bin/time -f "%M" -o "$0.rank$OMPI_COMM_WORLD_RANK" "$@"' "$base" "$@" \
      >"$base.log" 2>&1 || { tail -n 20 "$base.log" >&2; exit 1; }
  fi
  end="$(date +%s.%N)"
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }' >"$base.wall"
  printf '%s\t%s\n' "$name" "$base" >>"$WORK/runs.tsv"
}

for ((r = 1; r <= REPEAT; ++r)); do
  measure one_process_2_threads "$r" 0 "$CARTSIM" run "$SCENARIO" "${WINDOW[@]}" --days "$DAYS" \
    -o "$WORK/one.h5" --force --threads 2 --quiet
  measure "run_${RANKS}_ranks" "$r" "$RANKS" "$CARTSIM_MPI" run "$SCENARIO" "${WINDOW[@]}" \
    --days "$DAYS" -o "$WORK/split.h5" --force --threads 1 --quiet
  measure "resume_${RANKS}_ranks" "$r" "$RANKS" "$CARTSIM_MPI" resume "$WORK/split.h5" \
    --days "$(awk -v a="$DAYS" -v b="$MORE" 'BEGIN { print a + b }')" --threads 1 --quiet
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

JSON="$(RUNS="$WORK/runs.tsv" LOAD_START="$LOAD_START" LOAD_END="$LOAD_END" SITES="$SITES" \
  DAYS="$DAYS" MORE="$MORE" RANKS="$RANKS" BINARY="$CARTSIM_MPI" \
  COMMIT="$(git rev-parse --short=12 HEAD)" /usr/bin/python3 - <<'PYTHON'
import glob, json, os, statistics
cases = {}
for line in open(os.environ["RUNS"]):
    name, base = line.rstrip("\n").split("\t")
    wall = float(open(base + ".wall").read())
    ranks = sorted(glob.glob(base + ".rank*"), key=lambda p: int(p.rsplit("rank", 1)[1]))
    rss = [int(open(p).read().split()[-1]) / 1024 for p in ranks]
    case = cases.setdefault(name, {"wall_s": [], "rss_mib_by_rank": []})
    case["wall_s"].append(wall)
    case["rss_mib_by_rank"].append(rss)
result = {"sites": int(os.environ["SITES"]), "days": float(os.environ["DAYS"]),
          "resumed_days": float(os.environ["MORE"]), "ranks": int(os.environ["RANKS"]),
          "mpi_binary": os.environ["BINARY"], "commit": os.environ["COMMIT"],
          "cores": os.cpu_count(), "load_start": os.environ["LOAD_START"],
          "load_end": os.environ["LOAD_END"], "cases": {}}
for name, case in cases.items():
    by_rank = list(zip(*case["rss_mib_by_rank"]))
    result["cases"][name] = {
        "repetitions": len(case["wall_s"]),
        "median_wall_s": round(statistics.median(case["wall_s"]), 2),
        "median_peak_rss_mib_by_rank": [round(statistics.median(r), 1) for r in by_rank]}
print(json.dumps(result, indent=2))
PYTHON
)"
echo "$JSON"
[[ -n "$JSON_OUT" ]] && echo "$JSON" >"$JSON_OUT"
exit 0
