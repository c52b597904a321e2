#!/usr/bin/python3
"""Plots of one cartsim run file (docs/OUTPUT.md), as PNGs, drawn with cartsim_io.plots.

    analysis/plot_run.py OUT.h5 -o DIR [--snapshot N]

Writes into DIR (created if needed) and prints the path of each file written:
  blast_fraction.png   marrow blast fraction (log) with the CR and MRD thresholds and the days
                       they were reached, "blasts undetectable from day X" where blasts reach 0,
                       and CAR-T cells in blood (cells/uL) on a second axis
  cart_states.png      CAR-T cells in blood (cells/uL) and each state's share of all CAR-T cells
                       (resting, effector, memory, exhausted: own colour, line style, marker)
  cytokines.png        serum IL-6, IFN-gamma and IL-1 (log) with the doses given, and the CRS and
                       ICANS grades (ASTCT, model-derived)
  snapshot_slice.png   the snapshot with the most CAR-T cells in the marrow window (the CAR-T
                       peak; or --snapshot N, its ordinal): the middle z layer, blasts coloured by
                       CD19, normal B and marrow cells in greys, CAR-T cells on top by state;
                       skipped (exit 0) without snapshots

Works on a finished file and on the OUT.h5.partial of a run still going (opened without
locking). Exit status: 0 done, 2 the file is missing, not HDF5 or not a cartsim run file, or
--snapshot names no snapshot. Uses Debian's python3-h5py, python3-numpy and python3-matplotlib
(run with /usr/bin/python3); cartsim_io from ../python or installed.
"""
import argparse
import os
import sys

import _cartsim_io_path  # noqa: F401  (puts ../python on sys.path)
import matplotlib

matplotlib.use("Agg")  # files only: no display needed
from cartsim_io import CartsimFileError, load_run  # noqa: E402
from cartsim_io import plots  # noqa: E402

PROGRAM = "plot_run.py"
TIME_COURSE_PLOTS = [("blast_fraction.png", plots.blast_response_figure),
                     ("cart_states.png", plots.cart_states_figure),
                     ("cytokines.png", plots.cytokines_figure)]


def skip(name, reason):
    print(f"{PROGRAM}: skipping {name}: {reason}", file=sys.stderr)


def chosen_snapshot(run, ordinal):
    """The SnapshotInfo to draw: --snapshot N, else the one at the CAR-T peak."""
    if ordinal is None:
        return run.snapshot_near_cart_peak()
    found = [info for info in run.snapshots if info.ordinal == ordinal]
    if not found:
        raise CartsimFileError(
            f"'{run.path}' has no snapshot {ordinal} (it has {len(run.snapshots)}: ordinals "
            f"{run.snapshots[0].group_name} to {run.snapshots[-1].group_name})", run.path)
    return found[0]


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="run file (OUT.h5 or OUT.h5.partial)")
    parser.add_argument("-o", "--output-dir", required=True, help="directory for the PNGs")
    parser.add_argument("--snapshot", type=int, metavar="N",
                        help="ordinal of the snapshot to draw (default: the one with the most "
                             "CAR-T cells in the marrow window)")
    args = parser.parse_args(argv)
    try:
        run = load_run(args.file, allow_partial=True)
        snapshot_info = chosen_snapshot(run, args.snapshot) if run.snapshots else None
    except (CartsimFileError, OSError) as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return 2
    os.makedirs(args.output_dir, exist_ok=True)
    for name, draw in TIME_COURSE_PLOTS:
        try:
            figure = draw(run)
        except plots.MissingColumns as reason:
            skip(name, reason)
            continue
        print(plots.save_figure(figure, os.path.join(args.output_dir, name)))
    if snapshot_info is None:
        skip("snapshot_slice.png", f"'{args.file}' has no snapshots")
    else:
        try:
            snapshot = run.snapshot(snapshot_info.ordinal)
        except CartsimFileError as error:
            print(f"{PROGRAM}: error: {error}", file=sys.stderr)
            return 2
        path = os.path.join(args.output_dir, "snapshot_slice.png")
        print(plots.save_figure(plots.snapshot_figure(run, snapshot), path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
