#!/usr/bin/env bash
# Thread and MPI-rank scaling of bench_3d on a many-core machine, within a wall-time budget
# (issues 16 and 18): runs the series below in order of importance, skips a run that would not
# end inside the budget, and keeps every run's log and wall time in OUT (OUT/runs.tsv: label,
# series, count, wall seconds, exit status). benchmarks/many_core_report.py turns OUT into the
# JSON and tables of benchmarks/RESULTS.md. Written for a borrowed machine that has none of the
# project's dependencies: the binaries come from benchmarks/pack_runtime.sh (source its
# activate.sh first), and this script needs only bash and coreutils.
#
#   machine      lscpu, nproc, memory, load average (OUT/machine.txt)
#   tissue_T     `cartsim run bench_3d --days EARLY_DAYS` at T threads: the tissue-dominated
#                first day (7.8e6 tissue cells, few CAR-T cells), without snapshots
#   peak         the run to PEAK_DAY at the most threads, checkpointed there (not a measurement)
#   peak_T       `cartsim resume` of that checkpoint for RESUME_DAYS at T threads: the CAR-T peak
#   weak_K       cartsim-mpi, K ranks x 1 thread, a 64K x 64 x 64 window for WEAK_DAYS
#   peakmpi_K    cartsim-mpi, K ranks x 1 thread, the peak's resume (a checkpoint at 1 rank
#                resumed at K; the rebalance at that checkpoint sets the boxes)
#   strong_K     cartsim-mpi, K ranks x 1 thread, bench_3d for STRONG_DAYS from day 0
#
# Usage: benchmarks/many_core_scaling.sh OUT [BUDGET_S]
#   env: CARTSIM, CARTSIM_MPI (default: cartsim and cartsim-mpi on PATH), THREADS ("1 16 2 4 8"),
#        RANKS ("1 16 2 4 8"), PEAKMPI_RANKS (RANKS), EARLY_DAYS (0.5), PEAK_DAY (14.5), RESUME_DAYS (0.05),
#        WEAK_DAYS (0.25), STRONG_DAYS (0.1), SCENARIO (benchmarks/scenarios/bench_3d.toml),
#        SERIES (the series to run: "tissue peak weak peakmpi strong"; the peak run is made
#        for peak or peakmpi)
set -uo pipefail

OUT="${1:?usage: many_core_scaling.sh OUT [BUDGET_S]}"
BUDGET_S="${2:-480}"
CARTSIM="${CARTSIM:-cartsim}"
CARTSIM_MPI="${CARTSIM_MPI:-cartsim-mpi}"
THREADS="${THREADS:-1 16 2 4 8}"
RANKS="${RANKS:-1 16 2 4 8}"
PEAKMPI_RANKS="${PEAKMPI_RANKS:-$RANKS}"
EARLY_DAYS="${EARLY_DAYS:-0.5}"
PEAK_DAY="${PEAK_DAY:-14.5}"
RESUME_DAYS="${RESUME_DAYS:-0.05}"
WEAK_DAYS="${WEAK_DAYS:-0.25}"
STRONG_DAYS="${STRONG_DAYS:-0.1}"
SCENARIO="${SCENARIO:-benchmarks/scenarios/bench_3d.toml}"
WORK="${WORK:-/tmp/cartsim-many-core}"
SERIES=" ${SERIES:-tissue peak weak peakmpi strong} "
START="$(date +%s)"
LOGS="$WORK/logs"
rm -rf "$LOGS"
mkdir -p "$OUT" "$LOGS"
: >"$OUT/runs.tsv"

elapsed() { echo $(($(date +%s) - START)); }
say() { echo "[$(elapsed) s] $*" | tee -a "$OUT/progress.txt" >&2; }

# measure LABEL SERIES COUNT EXPECTED_S COMMAND...: runs COMMAND if EXPECTED_S more seconds fit
# in the budget, under a timeout of what is left; logs to OUT/LABEL.log.
measure() {
  local label="$1" series="$2" count="$3" expected="$4"
  shift 4
  local left=$((BUDGET_S - $(elapsed)))
  if ((expected > left)); then
    say "$label skipped: ~${expected} s expected, ${left} s left"
    return 1
  fi
  say "$label: $*"
  local t0 t1 status
  t0="$(date +%s.%N)"
  timeout --kill-after=10 "$left" "$@" >"$LOGS/$label.out" 2>"$LOGS/$label.log"
  status=$?
  t1="$(date +%s.%N)"
  local wall
  wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')"
  printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$series" "$count" "$wall" "$status" >>"$OUT/runs.tsv"
  say "$label: exit $status, $wall s"
  [[ "$status" == 0 ]] || tail -n 5 "$LOGS/$label.log" >&2
  # Only a few files come back from a borrowed machine: the logs travel as one archive.
  tar czf "$OUT/logs.tar.gz" -C "$WORK" logs
  return "$status"
}

{
  date -u
  uname -a
  getconf GNU_LIBC_VERSION
  nproc
  lscpu
  grep -E 'MemTotal|MemAvailable' /proc/meminfo
  cat /proc/loadavg
} >"$OUT/machine.txt" 2>&1
say "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

MPI_OK=0
if measure mpi_probe probe 2 20 mpiexec -n 2 --bind-to none "$CARTSIM_MPI" --version; then
  MPI_OK=1
fi
max_threads=0
for t in $THREADS; do ((t > max_threads)) && max_threads=$t; done

# The tissue-dominated first hours, at each thread count.
[[ "$SERIES" == *" tissue "* ]] && for t in $THREADS; do
  measure "tissue_$t" tissue "$t" 25 "$CARTSIM" run "$SCENARIO" -o "$WORK/tissue.h5" --force \
    --threads "$t" --days "$EARLY_DAYS" --verbose --set output.snapshot_every_days=0
  rm -f "$WORK/tissue.h5"
done

# The CAR-T peak: one run there at the most threads, then resumes of copies of its checkpoint.
peak_end="$(awk -v a="$PEAK_DAY" -v b="$RESUME_DAYS" 'BEGIN{print a + b}')"
if [[ "$SERIES" == *" peak"* ]] && measure peak peak_run "$max_threads" 150 "$CARTSIM" run "$SCENARIO" -o "$WORK/peak.h5" \
  --force --threads "$max_threads" --days "$PEAK_DAY" --verbose \
  --set "output.checkpoint_every_days=$PEAK_DAY"; then
  [[ "$SERIES" == *" peak "* ]] && for t in $THREADS; do
    cp "$WORK/peak.h5" "$WORK/resume.h5"
    measure "peak_$t" peak "$t" 30 "$CARTSIM" resume "$WORK/resume.h5" --days "$peak_end" \
      --threads "$t" --verbose
  done
fi

if [[ "$MPI_OK" == 1 ]]; then
  [[ "$SERIES" == *" weak "* ]] && for k in $RANKS; do
    measure "weak_$k" weak "$k" 20 mpiexec -n "$k" --bind-to none --oversubscribe "$CARTSIM_MPI" run "$SCENARIO" -o "$WORK/weak.h5" \
      --force --threads 1 --days "$WEAK_DAYS" --verbose --set "space.nx=$((64 * k))" \
      --set space.ny=64 --set space.nz=64
    rm -f "$WORK/weak.h5"
  done
  if [[ "$SERIES" == *" peakmpi "* && -f "$WORK/peak.h5" ]]; then
    for k in $PEAKMPI_RANKS; do
      cp "$WORK/peak.h5" "$WORK/resume.h5"
      measure "peakmpi_$k" peakmpi "$k" 30 mpiexec -n "$k" --bind-to none --oversubscribe "$CARTSIM_MPI" resume "$WORK/resume.h5" \
        --days "$peak_end" --threads 1 --verbose
    done
  fi
  [[ "$SERIES" == *" strong "* ]] && for k in $RANKS; do
    measure "strong_$k" strong "$k" 40 mpiexec -n "$k" --bind-to none --oversubscribe "$CARTSIM_MPI" run "$SCENARIO" \
      -o "$WORK/strong.h5" --force --threads 1 --days "$STRONG_DAYS" --verbose
    rm -f "$WORK/strong.h5"
  done
fi
cat /proc/loadavg >>"$OUT/machine.txt"
say "done"
