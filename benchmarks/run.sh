#!/usr/bin/env bash
# The macro benchmark of issue 5: builds cartsim (release preset), runs the standard scenarios of
# benchmarks/scenarios/ with `cartsim run`, measures wall time and peak RSS (GNU time), and prints
# ONE JSON object on stdout (progress goes to stderr):
#
#   agent_updates_per_s     bench_3d with 2 threads: agents advanced by one step of their own clock
#                           (CAR-T cells every fine step, tissue cells every tissue step) per
#                           second of the run loop (from cartsim's final progress line)
#   ns_per_agent_update     1e9 / agent_updates_per_s (wall time, 2 threads)
#   cell_days_per_s         bench_3d with 2 threads: simulated cells x days per wall second of the
#                           whole run (tissue cells + CAR-T cells in the marrow, integrated over
#                           the time series): the throughput a user sees, whatever each cell costs
#   speedup_2_threads       agent_updates_per_s at 2 threads / at 1 thread, bench_3d, same days
#   bytes_per_agent         peak RSS / agents of bench_1e8 (agents: tissue cells + CAR-T cells in
#                           the marrow, the largest count recorded); the peak includes model
#                           construction and the final checkpoint
#   snapshot_write_mb_per_s raw snapshot bytes / time spent on snapshots in the bench_3d run (the
#                           run's "output cost" log line), else from bench_snapshot_write
#   bench_3d_wall_s, bench_3d_sim_days   wall time of the whole `cartsim run` and its days
#   bench_3d_phase_seconds  seconds in each scheduler phase of the bench_3d run (and "outside":
#                           observation and output), from cartsim's --verbose "time by phase" line
#   phase_speedup_2_threads each phase's seconds at 1 thread / at 2 threads (same days)
#   ... plus bench_2d, bench_1e8 figures, the issue-5 targets and machine info.
#
# Usage: benchmarks/run.sh [--quick] [--repeat N] [--json-out FILE] [--build-dir DIR] [--no-build]
#                          [--keep DIR] [--from DIR]
#        benchmarks/run.sh --mpi [ARGS]: MPI strong and weak scaling instead (benchmarks/mpi_scaling.sh
#                     ARGS: the mpi preset's cartsim at 1, 2, ... ranks; one JSON object)
#   --quick      small versions that finish in a few minutes: bench_3d for 2 days (1 and 2
#                threads), bench_2d for 0.5 day, bench_1e8 reduced to 216^3 sites (~1e7 agents)
#   (full)       bench_3d 28 days with 2 threads (24 min on the quiet 2-core dev machine, far
#                longer on a loaded one), the speedup on its first 3 days, bench_2d (7 days),
#                bench_1e8 (1e8 agents, needs ~6 GiB of RAM); see benchmarks/RESULTS.md
#   --repeat N   run every measurement N times and report medians (default 1)
#   bench_year   not run by this script (1 h on 2 cores: 59 min 49 s on 2026-12-02, RESULTS.md): bench_3d's
#                window through 365 days, `cartsim run benchmarks/scenarios/bench_year.toml
#                --threads 2` under /usr/bin/time -v; cell_days_per_s = the same integral / wall
#   --json-out F also write the JSON object to F
#   --build-dir  build directory configured with the release preset (default build/release)
#   --no-build   use the binaries already in the build directory
#   --keep DIR   keep run outputs and logs in DIR (default: a temporary directory, removed)
#   --from DIR   no runs: print the JSON of the runs kept in DIR by an earlier --keep DIR
# Numbers depend on what else runs on the machine: the JSON records the load average.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QUICK=0
REPEAT=1
JSON_OUT=""
BUILD_DIR="build/release"
BUILD=1
KEEP=""
FROM=""

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --repeat) REPEAT="${2:?--repeat needs a number}"; shift ;;
    --json-out) JSON_OUT="${2:?--json-out needs a file}"; shift ;;
    --build-dir) BUILD_DIR="${2:?--build-dir needs a directory}"; shift ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP="${2:?--keep needs a directory}"; shift ;;
    --from) FROM="${2:?--from needs a directory}"; shift ;;
    --mpi) shift; exec "$ROOT/benchmarks/mpi_scaling.sh" "$@" ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --repeat must be >= 1" >&2; exit 2; }

cd "$ROOT"
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
if [[ -x /usr/bin/time ]]; then :; else
  echo "run.sh: /usr/bin/time (Debian package 'time') is missing: run scripts/install-deps.sh" >&2
  exit 2
fi

log() { echo "run.sh: $*" >&2; }

# measure: builds, runs the scenarios and the snapshot micro-benchmark into $WORK, and records
# the context (mode, repeats, load, commit, date) in $WORK/context.env.
measure() {
  if [[ "$BUILD" == 1 ]]; then
    log "building cartsim and bench_snapshot_write in $BUILD_DIR (release preset)"
    cmake --preset release -B "$BUILD_DIR" >/dev/null
    cmake --build "$BUILD_DIR" --target cartsim bench_snapshot_write >&2
  fi
  CARTSIM="$BUILD_DIR/cli/cartsim"
  local bench_snapshot="$BUILD_DIR/benchmarks/bench_snapshot_write"
  if [[ ! -x "$CARTSIM" ]]; then
    echo "run.sh: $CARTSIM is missing (build it or drop --no-build)" >&2
    exit 2
  fi

  local load_start commit
  load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
  commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  if [[ "$commit" != unknown ]] && ! git diff --quiet HEAD -- 2>/dev/null; then
    commit="$commit-dirty"
  fi
  : >"$WORK/runs.tsv"

  local S=benchmarks/scenarios mode
  if [[ "$QUICK" == 1 ]]; then
    mode=quick
    run_case bench_3d_2t "$S/bench_3d.toml" 2 2
    run_case bench_3d_1t "$S/bench_3d.toml" 1 2
    run_case bench_2d_2t "$S/bench_2d.toml" 2 0.5
    # ~1e7 agents instead of 1e8: bytes per agent at a tenth of the scale (fixed costs weigh
    # more).
    run_case bench_1e8_2t "$S/bench_1e8.toml" 2 0.05 \
      --set space.nx=216 --set space.ny=216 --set space.nz=216
  else
    mode=full
    run_case bench_3d_2t "$S/bench_3d.toml" 2 28
    run_case speedup_3d_2t "$S/bench_3d.toml" 2 3
    run_case speedup_3d_1t "$S/bench_3d.toml" 1 3
    run_case bench_2d_2t "$S/bench_2d.toml" 2 7
    run_case bench_1e8_2t "$S/bench_1e8.toml" 2 0.05
  fi

  # The snapshot micro-benchmark (gather + write at the default deflate level 1): a cross-check
  # of the run's own measurement, and the value used when the run does not log it.
  : >"$WORK/bench_snapshot_write.json"
  if [[ -x "$bench_snapshot" ]]; then
    log "bench_snapshot_write (gather + write, deflate 1)"
    "$bench_snapshot" --benchmark_filter='BM_SnapshotGatherAndWrite/deflate:1' \
      --benchmark_repetitions="$REPEAT" --benchmark_format=json \
      >"$WORK/bench_snapshot_write.json" 2>/dev/null || : >"$WORK/bench_snapshot_write.json"
  fi

  {
    echo "MODE=$mode"
    echo "REPEAT=$REPEAT"
    echo "LOAD_START='$load_start'"
    echo "LOAD_END='$(cut -d' ' -f1-3 /proc/loadavg)'"
    echo "COMMIT=$commit"
    echo "DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$WORK/context.env"
}

# run_case LABEL SCENARIO THREADS DAYS [--set key=value]...
# Runs cartsim REPEAT times; the progress line (stderr is not a terminal: one line per tenth of
# the run, the last one with "took") and the "output cost" line (--verbose) go to the log.
run_case() {
  local label="$1" scenario="$2" threads="$3" days="$4"
  shift 4
  local rep
  for ((rep = 1; rep <= REPEAT; rep++)); do
    local base="$WORK/${label}.${rep}"
    log "$label (run $rep/$REPEAT): cartsim run $scenario --threads $threads --days $days $*"
    if ! /usr/bin/time -v -o "$base.time" "$CARTSIM" run "$scenario" -o "$base.h5" --force \
      --threads "$threads" --days "$days" --verbose "$@" >"$base.out" 2>"$base.log"; then
      echo "run.sh: $label failed; its log:" >&2
      tail -n 20 "$base.log" >&2
      exit 1
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rep" "$scenario" "$threads" "$days" \
      "$base.log" "$base.time" "$base.h5" >>"$WORK/runs.tsv"
    rm -f "$base.h5.partial"
  done
}

if [[ -n "$FROM" ]]; then
  WORK="$FROM"
  [[ -f "$WORK/context.env" ]] || { echo "run.sh: $WORK has no kept runs" >&2; exit 2; }
else
  if [[ -n "$KEEP" ]]; then
    WORK="$KEEP"
    mkdir -p "$WORK"
  else
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/cartsim-bench.XXXXXX")"
    trap 'rm -rf "$WORK"' EXIT
  fi
  measure
fi
# shellcheck disable=SC1091
source "$WORK/context.env"

# MODE, REPEAT, LOAD_START, LOAD_END, COMMIT and DATE come from context.env.
# shellcheck disable=SC2153
JSON="$(MODE="$MODE" REPEAT="$REPEAT" RUN_LIST="$WORK/runs.tsv" \
  SNAPSHOT_JSON="$WORK/bench_snapshot_write.json" LOAD_START="$LOAD_START" LOAD_END="$LOAD_END" \
  COMMIT="$COMMIT" DATE="$DATE" /usr/bin/python3 - <<'PYTHON'
import json, os, re, statistics

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

def progress(log_path):
    """Rate and simulated day of the final progress line ('... took ...'), the output cost and
    the seconds by scheduler phase ('time by phase: NAME S s (P%), ...; outside the phases S s')."""
    rate = day = None
    snapshot = {}
    phases = {}
    with open(log_path, errors="replace") as log:
        for line in log:
            if " took " in line:
                m = re.search(r"\|\s*([0-9.eE+-]+) agent-updates/s", line)
                if m:
                    rate = float(m.group(1))
                m = re.search(r"day ([0-9.]+)/", line)
                if m:
                    day = float(m.group(1))
            m = re.search(r"output cost: (\d+) snapshots \(([0-9.]+) MB raw\) in ([0-9.]+) s = "
                          r"([0-9.]+)% of the run", line)
            if m:
                snapshot = {"count": int(m.group(1)), "mb": float(m.group(2)),
                            "seconds": float(m.group(3)), "percent": float(m.group(4))}
            if "time by phase: " in line:
                text = line.split("time by phase: ", 1)[1].replace("; outside the phases",
                                                                   ", outside")
                phases = {m.group(1): float(m.group(2)) for m in
                          re.finditer(r"([A-Za-z0-9_-]+) ([0-9.]+) s \(", text)}
    return rate, day, snapshot, phases

def gnu_time(path):
    """Wall seconds, CPU seconds (user + system) and peak RSS (KiB) from `/usr/bin/time -v`."""
    wall = rss_kib = None
    cpu = 0.0
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("Maximum resident set size (kbytes):"):
                rss_kib = int(line.split(":")[1])
            elif line.startswith("Elapsed (wall clock) time"):
                parts = [float(p) for p in line.rsplit(" ", 1)[1].split(":")]
                wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
            elif line.startswith(("User time (seconds):", "System time (seconds):")):
                cpu += float(line.split(":")[1])
    return wall, cpu, rss_kib

def cell_days_in(h5_path):
    """Tissue cells + CAR-T cells in the marrow, integrated over the run's days (trapezoids)."""
    try:
        import h5py
        with h5py.File(h5_path, "r") as f:
            ts = f["timeseries"]
            days = ts["time_days"][:]
            cells = (ts["blasts"][:] + ts["normal_b_cells"][:] + ts["marrow_cells"][:]
                     + ts["cart_marrow"][:])
            return float(sum((days[i + 1] - days[i]) * (cells[i + 1] + cells[i]) / 2
                             for i in range(len(days) - 1)))
    except Exception:
        return None

def agents_in(h5_path):
    """The largest number of agents recorded: tissue cells + CAR-T cells in the marrow."""
    try:
        import h5py
        with h5py.File(h5_path, "r") as f:
            ts = f["timeseries"]
            total = (ts["blasts"][:] + ts["normal_b_cells"][:] + ts["marrow_cells"][:]
                     + ts["cart_marrow"][:])
            return int(total.max())
    except Exception:
        return None

runs = {}
with open(os.environ["RUN_LIST"]) as listing:
    for row in listing:
        label, rep, scenario, threads, days, log, timef, h5 = row.rstrip("\n").split("\t")
        rate, day, snapshot, phases = progress(log)
        wall, cpu, rss = gnu_time(timef)
        runs.setdefault(label, []).append({
            "rate": rate, "day": day, "snapshot": snapshot, "phases": phases,
            "wall": wall, "rss_kib": rss,
            "cpu_use": cpu / wall if wall else None,
            "agents": agents_in(h5), "days": float(days), "threads": int(threads),
            "cell_days_per_s": (lambda cd: cd / wall if cd and wall else None)(cell_days_in(h5))})

def figure(label, key):
    return median([r[key] for r in runs.get(label, [])])

def phase_seconds(label):
    """Median seconds of each scheduler phase (and 'outside') over a label's runs."""
    names = []
    for r in runs.get(label, []):
        names += [n for n in r["phases"] if n not in names]
    return {n: median([r["phases"].get(n) for r in runs.get(label, [])]) for n in names}

quick = os.environ["MODE"] == "quick"
main = "bench_3d_2t"
one = "bench_3d_1t" if quick else "speedup_3d_1t"
two = "bench_3d_2t" if quick else "speedup_3d_2t"
rate = figure(main, "rate")
rate_1t, rate_2t = figure(one, "rate"), figure(two, "rate")
phases_1t = phase_seconds(one)

snap_runs = [r["snapshot"] for r in runs.get(main, []) if r["snapshot"].get("seconds")]
snap_mb_s = median([s["mb"] / s["seconds"] for s in snap_runs])
snap_percent = median([s["percent"] for s in snap_runs])
micro_mb_s = None
try:
    with open(os.environ["SNAPSHOT_JSON"]) as f:
        report = json.load(f)
    values = [b["MB_per_s"] for b in report["benchmarks"]
              if b.get("run_type") == "iteration" and "MB_per_s" in b]
    micro_mb_s = median(values)
except Exception:
    pass

rss_1e8 = figure("bench_1e8_2t", "rss_kib")
agents_1e8 = figure("bench_1e8_2t", "agents")
bytes_per_agent = rss_1e8 * 1024 / agents_1e8 if rss_1e8 and agents_1e8 else None

def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"

def mem_gib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2 ** 20, 1)
    return None

def rounded(value, digits=4):
    return None if value is None else float(f"{value:.{digits}g}")

wall_3d = figure(main, "wall")
days_3d = figure(main, "days")
result = {
    "mode": os.environ["MODE"],
    "repeats": int(os.environ["REPEAT"]),
    "agent_updates_per_s": rounded(rate),
    "ns_per_agent_update": rounded(1e9 / rate if rate else None),
    "cell_days_per_s": rounded(figure(main, "cell_days_per_s")),
    "bytes_per_agent": rounded(bytes_per_agent),
    "speedup_2_threads": rounded(rate_2t / rate_1t if rate_1t and rate_2t else None, 3),
    "snapshot_write_mb_per_s": rounded(snap_mb_s if snap_mb_s is not None else micro_mb_s),
    "snapshot_write_source": "bench_3d run" if snap_mb_s is not None else "bench_snapshot_write",
    "snapshot_share_of_run_percent": rounded(snap_percent, 3),
    "snapshot_write_micro_mb_per_s": rounded(micro_mb_s),
    "bench_3d_wall_s": rounded(wall_3d),
    "bench_3d_sim_days": days_3d,
    # CPU seconds / wall seconds of the whole run: at most the thread count; lower when other
    # processes take the cores (the machine may be shared) or the run is serial in places.
    "bench_3d_cpu_use": rounded(figure(main, "cpu_use"), 3),
    "speedup_cpu_use_1_thread": rounded(figure(one, "cpu_use"), 3),
    "bench_3d_peak_rss_mib": rounded((figure(main, "rss_kib") or 0) / 1024),
    "bench_3d_agents_max": figure(main, "agents"),
    "speedup_sim_days": figure(two, "days"),
    # Where the run's time goes (cartsim --verbose "time by phase"), and each phase's speedup
    # from 1 to 2 threads over the same days (parallel efficiency = speedup / 2).
    "bench_3d_phase_seconds": {n: rounded(v) for n, v in phase_seconds(main).items()},
    "phase_speedup_2_threads": {
        n: rounded(phases_1t[n] / v, 3)
        for n, v in phase_seconds(two).items() if v and phases_1t.get(n)},
    "agent_updates_per_s_1_thread": rounded(rate_1t),
    "agent_updates_per_s_2_threads": rounded(rate_2t),
    "bench_2d_agent_updates_per_s": rounded(figure("bench_2d_2t", "rate")),
    "bench_2d_wall_s": rounded(figure("bench_2d_2t", "wall")),
    "bench_2d_sim_days": figure("bench_2d_2t", "days"),
    "bench_1e8_agents": agents_1e8,
    "bench_1e8_peak_rss_gib": rounded(rss_1e8 / 2 ** 20 if rss_1e8 else None),
    "bench_1e8_wall_s": rounded(figure("bench_1e8_2t", "wall")),
    "bench_1e8_reduced": quick,
    "targets": {},
    "machine": {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "mem_gib": mem_gib(),
        "loadavg_start": os.environ["LOAD_START"],
        "loadavg_end": os.environ["LOAD_END"],
    },
    "date": os.environ["DATE"],
    "git_commit": os.environ["COMMIT"],
}

def target(name, value, ok):
    result["targets"][name] = None if value is None else bool(ok(value))

target("agent_updates_per_s >= 5e7", rate, lambda v: v >= 5e7)
target("speedup_2_threads >= 1.8", result["speedup_2_threads"], lambda v: v >= 1.8)
target("bytes_per_agent <= 64", bytes_per_agent, lambda v: v <= 64)
target("bench_1e8 peak RSS <= 8 GiB", None if quick else rss_1e8, lambda v: v <= 8 * 2 ** 20)
target("bench_3d 28 days < 600 s wall",
       wall_3d if days_3d == 28 else None, lambda v: v < 600)
target("snapshot_write_mb_per_s >= 200", result["snapshot_write_mb_per_s"], lambda v: v >= 200)
target("snapshot share of run < 10%", snap_percent, lambda v: v < 10)
print(json.dumps(result, indent=2))
PYTHON
)"
echo "$JSON"
if [[ -n "$JSON_OUT" ]]; then
  printf '%s\n' "$JSON" >"$JSON_OUT"
  log "wrote $JSON_OUT"
fi
