#!/usr/bin/python3
"""Plots of a cartsim ensemble (docs/ENSEMBLE.md) from its DIR/summary.h5, as PNGs, drawn with
cartsim_io.plots.

    analysis/plot_ensemble.py DIR (or DIR/summary.h5) -o PLOTS_DIR

Writes into PLOTS_DIR (created if needed) and prints the path of each file written:
  swimmer.png     one bar per run (virtual patient) over its simulated days, sorted by the day of
                  MRD-negativity: markers for CR, MRD-negativity and relapse (filled red for a
                  CD19-negative relapse), bars of runs that are not complete in grey
  endpoints.png   distributions over the complete runs: blood CAR-T peak (log), day of CR and of
                  MRD-negativity, maximum CRS and ICANS grades (ASTCT, model-derived), final blast
                  fraction (log), peak serum IL-6; the title gives the CR and MRD-negative rates
                  with their 95% intervals
  inputs.png      histograms of the varied and sampled inputs (only when there are any)

Exit status: 0 done, 2 the file is missing or not an ensemble summary. Uses Debian's
python3-h5py, python3-numpy and python3-matplotlib (run with /usr/bin/python3); cartsim_io from
../python or installed.
"""
import argparse
import os
import sys

import _cartsim_io_path  # noqa: F401  (puts ../python on sys.path)
import matplotlib

matplotlib.use("Agg")  # files only: no display needed
from cartsim_io import CartsimFileError, load_ensemble  # noqa: E402
from cartsim_io import plots  # noqa: E402

PROGRAM = "plot_ensemble.py"


def summary_h5_of(path):
    """The ensemble's summary.h5 (this script reads the HDF5 summary, as documented)."""
    return os.path.join(path, "summary.h5") if os.path.isdir(path) else path


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("summary", help="the ensemble directory or its summary.h5")
    parser.add_argument("-o", "--output-dir", required=True, help="directory for the PNGs")
    args = parser.parse_args(argv)
    try:
        ensemble = load_ensemble(summary_h5_of(args.summary))
    except CartsimFileError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return 2
    os.makedirs(args.output_dir, exist_ok=True)
    for name, draw in (("swimmer.png", plots.swimmer_figure),
                       ("endpoints.png", plots.endpoints_figure),
                       ("inputs.png", plots.inputs_figure)):
        figure = draw(ensemble)
        if figure is not None:
            print(plots.save_figure(figure, os.path.join(args.output_dir, name), dpi=110))
    return 0


if __name__ == "__main__":
    sys.exit(main())
