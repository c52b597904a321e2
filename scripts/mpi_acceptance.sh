#!/bin/bash
# The MPI acceptance cases of issue 18, by hand or from a batch job; ctest runs them in the
# mpi preset (test mpi_acceptance_cases, `make test-mpi`, part of CI). For a 3-D 48^3 window over 6 days with snapshots every 2 days and
# a 2-D 200 x 200 window (DAYS_2D days, default 6, snapshots daily), runs the serial build at 2 threads
# and the mpi build at 1, 2 and 4 ranks (1 thread each) and at 2 ranks x 2 threads, then checks
# that every MPI file equals the serial one under h5diff except the root attributes that say
# when, where and how a file was made (created_utc, command_line, host, threads, wall_time_s),
# and that `h5dump -p -H` (chunking, filters, types, shapes) is the same.
#
#   scripts/mpi_acceptance.sh [WORK_DIR]   (MPI_CARTSIM, CARTSIM, MPIEXEC, DAYS_2D, CASES override)
#
# Exit 0 when every file matches; 1 naming the first file and object that differ.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mpi_cartsim=${MPI_CARTSIM:-$root/build/mpi/cli/cartsim}
serial_cartsim=${CARTSIM:-$root/build/release/cli/cartsim}
days_2d=${DAYS_2D:-6}
cases=${CASES:-"3d 2d"}
work=${1:-$(mktemp -d /tmp/cartsim-mpi-acceptance.XXXXXX)}
mkdir -p "$work"

for binary in "$mpi_cartsim" "$serial_cartsim"; do
    if [[ ! -x $binary ]]; then
        echo "mpi_acceptance: $binary is missing: build the mpi and release presets first" >&2
        exit 2
    fi
done
mpiexec=("${MPIEXEC:-mpiexec}" --oversubscribe --bind-to none)
[[ $(id -u) == 0 ]] && mpiexec+=(--allow-run-as-root)

case_arguments() {
    case $1 in
        # Daily checkpoints: at 4 ranks the first one recuts the boxes by work (rebalancing),
        # which must not change the file.
        3d) echo "$root/scenarios/baseline_cd19_41bb.toml --days 6 --set space.nx=48" \
                 "--set space.ny=48 --set space.nz=48 --set output.snapshot_every_days=2" \
                 "--set output.checkpoint_every_days=1" ;;
        2d) echo "$root/scenarios/demo_2d.toml --days $days_2d --set space.nx=200" \
                 "--set space.ny=200 --set output.snapshot_every_days=1" ;;
        *) echo "mpi_acceptance: unknown case $1 (3d, 2d)" >&2; exit 2 ;;
    esac
}

# Objects of the two files that differ, as h5diff -v reports them, except the per-process
# root attributes; empty datasets (h5diff: "not comparable") count as equal when both are.
differences() {
    # h5diff exits 1 whenever anything differs (the root attributes always do).
    { h5diff -v "$1" "$2" || true; } | awk '
        /^attribute: </ { object = $0; next }
        /^dataset: </ || /^group *: </ { object = $0; next }
        /differences found/ {
            if ($1 + 0 > 0 && object !~ /<(created_utc|command_line|host|threads|wall_time_s) of <\/>>/)
                print object ": " $0
            next
        }
        /^Not comparable/ && !/is an empty dataset/ { print $0 }
        /^ +x +\// { print "only in one file: " $0 }
    '
}

# The headers with storage properties, less the file name, the file offsets of contiguous
# datasets (they move with the length of the command line stored before them) and when HDF5
# allocates a dataset's space: the ranks write snapshots with parallel HDF5, which allocates
# at creation (H5D_ALLOC_TIME_EARLY) where one process allocates on the first write (LATE for
# contiguous, INCR for chunked datasets); chunking, filters, types and sizes must be the same.
header() {
    h5dump -p -H "$1" | tail -n +2 | grep -v '^ *OFFSET [0-9]*$' |
        sed -E 's/H5D_ALLOC_TIME_(EARLY|LATE|INCR)/H5D_ALLOC_TIME_(any)/'
}
same_header() {
    diff <(header "$1") <(header "$2") > /dev/null
}

status=0
for name in $cases; do
    read -r -a arguments <<< "$(case_arguments "$name")"
    reference="$work/${name}_serial_t2.h5"
    start=$(date +%s)
    "$serial_cartsim" run "${arguments[@]}" -o "$reference" --threads 2 --quiet --force
    echo "$name: one process ($serial_cartsim), 2 threads: $(( $(date +%s) - start )) s"
    for layout in 1x1 2x1 4x1 2x2; do
        ranks=${layout%x*}
        threads=${layout#*x}
        out="$work/${name}_mpi_${ranks}ranks_${threads}threads.h5"
        start=$(date +%s)
        "${mpiexec[@]}" -n "$ranks" "$mpi_cartsim" run "${arguments[@]}" -o "$out" \
            --threads "$threads" --force > "$out.log" 2>&1 || { cat "$out.log"; exit 1; }
        seconds=$(( $(date +%s) - start ))
        rebalanced=$(grep -c "rebalanced $ranks ranks" "$out.log" || true)
        found=$(differences "$reference" "$out")
        if [[ $name == 3d && $layout == 4x1 && $rebalanced == 0 ]]; then
            echo "$name: $ranks ranks x $threads threads: never rebalanced (expected at day 1)"
            status=1
        fi
        if [[ -n $found ]]; then
            echo "$name: $ranks ranks x $threads threads ($seconds s): DIFFERS from the serial file:"
            sed -n 1,5p <<< "$found"
            status=1
        elif ! same_header "$reference" "$out"; then
            echo "$name: $ranks ranks x $threads threads ($seconds s): h5dump -p -H differs"
            status=1
        else
            echo "$name: $ranks ranks x $threads threads ($seconds s, rebalanced $rebalanced times): same as serial (h5diff, h5dump -p -H)"
        fi
    done
done
exit $status
