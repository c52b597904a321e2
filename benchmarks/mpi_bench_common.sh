# Sourced by the MPI benchmark scripts (mpi_scaling.sh, mpi_rank_memory.sh), after their own
# options are parsed: `mpi_bench_setup NAME BUILD` goes to the repository root, defines log(),
# builds the mpi preset's cartsim unless BUILD is 0, and sets CARTSIM to it, WORK to a fresh
# directory removed on exit and LOAD_START to the load average; `print_help FILE` prints a
# script's header comment.

print_help() {
  sed -n '2,/^set -euo/p' "$1" | sed '$d; s/^# \{0,1\}//' >&2
}

mpi_bench_setup() {
  BENCH_NAME="$1"
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  log() { echo "$BENCH_NAME: $*" >&2; }
  if [[ "$2" == 1 ]]; then
    log "building the mpi preset's cartsim"
    cmake --preset mpi >/dev/null
    cmake --build --preset mpi --target cartsim >&2
  fi
  CARTSIM="$PWD/build/mpi/cli/cartsim"
  [[ -x "$CARTSIM" ]] || { echo "$BENCH_NAME: $CARTSIM is missing (drop --no-build)" >&2; exit 2; }
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/cartsim-$BENCH_NAME.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
}
