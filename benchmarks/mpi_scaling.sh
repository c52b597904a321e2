#!/usr/bin/env bash
# MPI scaling of `cartsim run` (issue 18; `benchmarks/run.sh --mpi` runs this script): builds the
# mpi preset's cartsim, runs a strong-scaling and a weak-scaling series under mpiexec, and prints
# ONE JSON object on stdout (progress on stderr):
#
#   strong   bench_3d's window (200^3 sites) for DAYS, 1 thread per rank, at each rank count;
#            speedup = wall(1 rank) / wall(K ranks), efficiency = speedup / K
#   weak     a 64 x 64 x 64-site window per rank (64K x 64 x 64 at K ranks: the same biology
#            per site) for DAYS, 1 thread per rank; efficiency = wall(1 rank) / wall(K ranks)
#   halo_bytes_per_step  what rank 0 sent to the other ranks per fine step (its exchange's count)
#   reference_2_threads  the strong case as one process with 2 threads, for comparison
#   phases_rank0_s  rank 0's wall seconds by phase (from its --verbose lines): sweeps and field
#            solves, sync points (packing, MPI, applying records) and within them the wait for
#            the slowest rank, the gather of the whole state for outputs (none since issue 18's
#            collective outputs: 0), snapshot and checkpoint writing, and the field solves (the
#            cytokines phase, its sync points included)
#   scheduler_phases_rank0_s  rank 0's seconds in each scheduler phase (--verbose "time by
#            phase")
# Wall times are of the whole `cartsim run` (set-up and output included) under /usr/bin/time.
# On fewer cores than ranks the ranks share cores (--oversubscribe): only rank counts up to the
# core count measure scaling. Peak memory per rank: benchmarks/mpi_rank_memory.sh. On 2 cores
# no speedup is expected yet (README "Across MPI ranks").
#
# Usage: benchmarks/mpi_scaling.sh [--ranks "1 2 4"] [--days D] [--json-out FILE] [--no-build]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=benchmarks/mpi_bench_common.sh
source "$ROOT/benchmarks/mpi_bench_common.sh"
RANKS="1 2"
DAYS=0.25
JSON_OUT=""
BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ranks) RANKS="${2:?--ranks needs a list}"; shift ;;
    --days) DAYS="${2:?--days needs a number}"; shift ;;
    --json-out) JSON_OUT="${2:?--json-out needs a file}"; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) print_help "${BASH_SOURCE[0]}"; exit 2 ;;
    *) echo "mpi_scaling.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
mpi_bench_setup mpi_scaling.sh "$BUILD"
: >"$WORK/runs.tsv"

# run LABEL RANKS THREADS SCENARIO [--set ...]: one `cartsim run` under mpiexec (or alone).
run() {
  local label="$1" ranks="$2" threads="$3" scenario="$4"
  shift 4
  local base="$WORK/$label"
  local launch=()
  [[ "$ranks" -gt 0 ]] && launch=(mpiexec -n "$ranks" --oversubscribe)
  log "$label: ${launch[*]} cartsim run $(basename "$scenario") --threads $threads --days $DAYS $*"
  /usr/bin/time -f '%e %M' -o "$base.time" "${launch[@]}" "$CARTSIM" run "$scenario" \
    -o "$base.h5" --force --threads "$threads" --days "$DAYS" --verbose "$@" \
    >"$base.out" 2>"$base.log" || { tail -n 20 "$base.log" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$ranks" "$threads" "$base.time" "$base.log" \
    >>"$WORK/runs.tsv"
}

S=benchmarks/scenarios
run reference_2_threads 0 2 "$S/bench_3d.toml"
for k in $RANKS; do
  run "strong_$k" "$k" 1 "$S/bench_3d.toml"
  run "weak_$k" "$k" 1 "$S/bench_3d.toml" --set "space.nx=$((64 * k))" --set space.ny=64 \
    --set space.nz=64
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

JSON="$(RUNS="$WORK/runs.tsv" DAYS="$DAYS" LOAD_START="$LOAD_START" LOAD_END="$LOAD_END" \
  COMMIT="$(git rev-parse --short=12 HEAD)" /usr/bin/python3 - <<'PYTHON'
import json, os, re

rows = {}
for line in open(os.environ["RUNS"]):
    label, ranks, threads, time_file, log_file = line.rstrip("\n").split("\t")
    wall, rss_kb = open(time_file).read().split()[-2:]
    log = open(log_file).read()
    steps = re.search(r"= (\d+) fine steps", log)
    sent = re.search(r"MPI rank 0 sent (\d+) bytes", log)
    phases = re.search(r"MPI rank 0 time: stepping ([\d.]+) s, of it ([\d.]+) s at sync points "
                       r"and ([\d.]+) s of that waiting for the other ranks; gathering the whole "
                       r"state for outputs ([\d.]+) s", log)
    output = re.search(r"snapshots \([\d.]+ MB raw\) in ([\d.]+) s.*checkpoints in ([\d.]+) s",
                       log)
    rows[label] = {
        "ranks": int(ranks), "threads": int(threads), "wall_s": float(wall),
        "max_rss_mib_per_process": round(int(rss_kb) / 1024, 1),
        "fine_steps": int(steps.group(1)) if steps else None,
        "halo_bytes_per_step": (int(sent.group(1)) / int(steps.group(1))
                                if sent and steps else None),
    }
    # Rank 0's wall time by phase: sweeps and solves (stepping less sync points), sync points
    # (packing, MPI, applying) and within them the wait for the slowest rank, the gather of the
    # whole state for outputs, and writing (snapshots, checkpoints).
    if phases:
        step_s, sync_s, wait_s, gather_s = (float(g) for g in phases.groups())
        rows[label]["phases_rank0_s"] = {
            "sweep_and_solve": round(step_s - sync_s, 3), "sync_points": round(sync_s, 3),
            "of_which_waiting": round(wait_s, 3), "gather_for_output": round(gather_s, 3)}
    if output:
        rows[label].setdefault("phases_rank0_s", {}).update(
            {"write_snapshots": float(output.group(1)), "write_checkpoints": float(output.group(2))})
    # Rank 0's scheduler phases (each with the sync points inside it); the cytokines phase is
    # the field solves.
    by_phase = re.search(r"time by phase: (.*?); outside the phases ([\d.]+) s", log)
    if by_phase:
        named = {name: float(seconds)
                 for name, seconds in re.findall(r"([\w-]+) ([\d.]+) s \(", by_phase.group(1))}
        named["outside_the_phases"] = float(by_phase.group(2))
        rows[label]["scheduler_phases_rank0_s"] = named
        if "cytokines" in named:
            rows[label].setdefault("phases_rank0_s", {})["field_solves"] = named["cytokines"]
result = {"days": float(os.environ["DAYS"]), "commit": os.environ["COMMIT"],
          "load_start": os.environ["LOAD_START"], "load_end": os.environ["LOAD_END"],
          "cores": os.cpu_count(), "reference_2_threads": rows.pop("reference_2_threads")}
for kind in ("strong", "weak"):
    series = sorted((r for label, r in rows.items() if label.startswith(kind)),
                    key=lambda r: r["ranks"])
    one = next((r for r in series if r["ranks"] == 1), None)
    for r in series:
        if one:
            ratio = one["wall_s"] / r["wall_s"]
            if kind == "strong":
                r["speedup"] = round(ratio, 3)
                r["efficiency"] = round(ratio / r["ranks"], 3)
            else:
                r["efficiency"] = round(ratio, 3)
    result[kind] = series
print(json.dumps(result, indent=2))
PYTHON
)"
echo "$JSON"
[[ -z "$JSON_OUT" ]] || echo "$JSON" >"$JSON_OUT"
