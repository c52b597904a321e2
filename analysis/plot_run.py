#!/usr/bin/python3
"""Plots of one cartsim run file (docs/OUTPUT.md), as PNGs.

    analysis/plot_run.py OUT.h5 -o DIR [--snapshot N]

Writes into DIR (created if needed) and prints the path of each file written:
  blast_fraction.png   marrow blast fraction (log) with the CR and MRD thresholds and the days
                       they were reached, and CAR-T cells in blood (cells/uL) on a second axis
  cart_states.png      CAR-T cells by state (resting, effector, memory, exhausted), stacked
  cytokines.png        serum IL-6 and IFN-gamma (log) with the CRS grade as a step line
  snapshot_slice.png   the last snapshot (or --snapshot N, its ordinal): the middle z layer of
                       the marrow, blasts coloured by CD19, normal B and marrow cells in
                       greys, CAR-T cells on top by state; skipped (exit 0) without snapshots

Works on a finished file and on the OUT.h5.partial of a run still going (opened without
locking). Exit status: 0 done, 2 the file is missing, not HDF5 or not a cartsim run file, or
--snapshot names no snapshot. Uses Debian's python3-h5py, python3-numpy and python3-matplotlib
(run with /usr/bin/python3).
"""
import argparse
import math
import os
import sys
import tomllib

import h5py
import matplotlib

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

PROGRAM = "plot_run.py"
# Defaults of readouts.cr_blast_fraction and readouts.mrd_blast_fraction
# (scenarios/model_parameters.cpp), used when the file's scenario text lacks them.
DEFAULT_CR_BLAST_FRACTION = 0.05
DEFAULT_MRD_BLAST_FRACTION = 1e-4
# CAR-T states as named in the time series (cart_<state> columns); snapshot state codes are read
# from each group's state_labels attribute, written from the model's own label tables.
CART_STATES = ["resting", "effector", "memory", "exhausted"]
CART_STATE_COLOURS = ["tab:blue", "tab:red", "tab:green", "tab:orange"]
CART_STATE_MARKERS = ["o", "^", "D", "x"]
DPI = 120


class RunFileError(Exception):
    """The file cannot be read as a cartsim run file; exit status 2."""


def state_codes(group):
    """{label: code} from a snapshot group's state_labels attribute ("0=blast,1=...")."""
    text = group.attrs.get("state_labels")
    if text is None:
        raise RunFileError(f"{group.name} has no state_labels attribute")
    if isinstance(text, bytes):
        text = text.decode()
    codes = {}
    for item in str(text).split(","):
        code, _, label = item.partition("=")
        codes[label] = int(code)
    return codes


def open_run_file(path):
    if not os.path.exists(path):
        raise RunFileError(f"cannot read '{path}': no such file")
    if os.path.isdir(path):
        raise RunFileError(f"cannot read '{path}': it is a directory")
    if not h5py.is_hdf5(path):
        raise RunFileError(f"cannot read '{path}': it is not an HDF5 file")
    try:
        # No lock: a .partial may still be open in the run that writes it.
        run = h5py.File(path, "r", locking=False)
    except (TypeError, ValueError):  # an h5py or HDF5 without the locking option
        run = h5py.File(path, "r")
    if "format_version" not in run.attrs or "timeseries" not in run:
        run.close()
        raise RunFileError(f"'{path}' is an HDF5 file but not a cartsim run file")
    return run


def text_attribute(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def read_timeseries(run):
    """Columns of /timeseries as float arrays, cut to a common length (a .partial may have been
    flushed between columns)."""
    group = run["timeseries"]
    columns = {name: np.asarray(group[name][:], dtype=float) for name in group
               if isinstance(group[name], h5py.Dataset)}
    rows = min((len(values) for values in columns.values()), default=0)
    return {name: values[:rows] for name, values in columns.items()}


def blast_thresholds(run):
    """(CR, MRD) blast fractions from the scenario text in /config, else the defaults."""
    cr, mrd = DEFAULT_CR_BLAST_FRACTION, DEFAULT_MRD_BLAST_FRACTION
    try:
        scenario = tomllib.loads(text_attribute(run["config"].attrs["scenario_toml"]))
        readouts = scenario.get("readouts", {})
        cr = float(readouts.get("cr_blast_fraction", cr))
        mrd = float(readouts.get("mrd_blast_fraction", mrd))
    except (KeyError, tomllib.TOMLDecodeError, TypeError, ValueError):
        pass  # older or foreign scenario text: the standard thresholds
    return cr, mrd


def summary_day(run, name):
    """A /summary endpoint day, or None when it never happened (NaN) or is not there."""
    if "summary" not in run or name not in run["summary"].attrs:
        return None
    value = float(run["summary"].attrs[name])
    return None if math.isnan(value) else value


def positive_or_nan(values):
    """Log axes cannot show 0: such points are left out of the line."""
    return np.where(values > 0, values, np.nan)


def missing_columns(series, names):
    return [name for name in names if name not in series]


def save(figure, directory, name):
    path = os.path.join(directory, name)
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    print(path)
    return path


def skip(name, reason):
    print(f"{PROGRAM}: skipping {name}: {reason}", file=sys.stderr)


def title_of(run, path):
    if "summary" in run and "scenario_name" in run["summary"].attrs:
        name = text_attribute(run["summary"].attrs["scenario_name"])
    else:
        name = os.path.basename(path)
    return f"{name} (seed {int(run.attrs['seed'])})" if "seed" in run.attrs else name


def plot_blast_fraction(run, series, title, directory):
    name = "blast_fraction.png"
    missing = missing_columns(series, ["time_days", "blast_fraction"])
    if missing:
        return skip(name, f"no time-series column {', '.join(missing)}")
    days = series["time_days"]
    cr, mrd = blast_thresholds(run)
    figure, blasts_axis = plt.subplots(figsize=(8, 5))
    blasts_axis.plot(days, positive_or_nan(series["blast_fraction"]), color="tab:purple",
                     label="marrow blast fraction")
    blasts_axis.set_yscale("log")
    blasts_axis.axhline(cr, color="tab:purple", linestyle="--", linewidth=1,
                        label=f"CR threshold {cr:g}")
    blasts_axis.axhline(mrd, color="tab:purple", linestyle=":", linewidth=1,
                        label=f"MRD threshold {mrd:g}")
    markers = [("cr_day", "CR", "--"), ("mrd_negative_day", "MRD-negative", ":")]
    for endpoint, label, style in markers:
        day = summary_day(run, endpoint)
        if day is not None:
            blasts_axis.axvline(day, color="black", linestyle=style, linewidth=1,
                                label=f"{label} day {day:g}")
    positive = series["blast_fraction"][series["blast_fraction"] > 0]
    lowest = min([mrd / 10] + ([float(positive.min()) / 2] if positive.size else []))
    blasts_axis.set_ylim(bottom=lowest, top=1.0)
    blasts_axis.set_xlabel("day")
    blasts_axis.set_ylabel("marrow blast fraction")
    handles, labels = blasts_axis.get_legend_handles_labels()
    if "cart_blood_per_ul" in series:
        cart_axis = blasts_axis.twinx()
        cart_axis.plot(days, series["cart_blood_per_ul"], color="tab:red", label="CAR-T in blood")
        cart_axis.set_ylabel("CAR-T in blood (cells/uL)", color="tab:red")
        cart_axis.set_ylim(bottom=0)
        more_handles, more_labels = cart_axis.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    blasts_axis.legend(handles, labels, loc="upper right", fontsize="small")
    blasts_axis.set_title(title)
    figure.tight_layout()
    return save(figure, directory, name)


def plot_cart_states(series, title, directory):
    name = "cart_states.png"
    columns = [f"cart_{state}" for state in CART_STATES]
    missing = missing_columns(series, ["time_days"] + columns)
    if missing:
        return skip(name, f"no time-series column {', '.join(missing)}")
    figure, axis = plt.subplots(figsize=(8, 5))
    axis.stackplot(series["time_days"], [series[column] for column in columns],
                   labels=CART_STATES, colors=CART_STATE_COLOURS, alpha=0.8)
    axis.set_xlabel("day")
    axis.set_ylabel("CAR-T cells (marrow + blood share)")
    axis.set_ylim(bottom=0)
    axis.legend(loc="upper right")
    axis.set_title(title)
    figure.tight_layout()
    return save(figure, directory, name)


def plot_cytokines(series, title, directory):
    name = "cytokines.png"
    missing = missing_columns(series, ["time_days", "il6_pg_per_ml", "ifng_pg_per_ml"])
    if missing:
        return skip(name, f"no time-series column {', '.join(missing)}")
    days = series["time_days"]
    figure, axis = plt.subplots(figsize=(8, 5))
    axis.plot(days, positive_or_nan(series["il6_pg_per_ml"]), color="tab:blue", label="serum IL-6")
    axis.plot(days, positive_or_nan(series["ifng_pg_per_ml"]), color="tab:green",
              label="serum IFN-gamma")
    if "il1_pg_per_ml" in series:
        axis.plot(days, positive_or_nan(series["il1_pg_per_ml"]), color="tab:purple",
                  label="serum IL-1")
    # Doses given (cumulative counts in the time series): a tick where each one arrives.
    for column, colour, label in (("tocilizumab_doses", "tab:red", "tocilizumab"),
                                  ("dexamethasone_mg", "tab:orange", "dexamethasone")):
        if column in series:
            given = np.flatnonzero(np.diff(series[column]) > 0) + 1
            for k, index in enumerate(given):
                axis.axvline(days[index], color=colour, linestyle=":", linewidth=1,
                             label=label if k == 0 else None)
    axis.set_yscale("log")
    axis.set_xlabel("day")
    axis.set_ylabel("pg/mL")
    handles, labels = axis.get_legend_handles_labels()
    if "crs_grade" in series:
        grade_axis = axis.twinx()
        grade_axis.plot(days, series["crs_grade"], color="black", drawstyle="steps-post",
                        linewidth=1, label="CRS grade (ASTCT)")
        if "icans_grade" in series:
            grade_axis.plot(days, series["icans_grade"], color="grey", drawstyle="steps-post",
                            linewidth=1, linestyle="--", label="ICANS grade (ASTCT)")
        grade_axis.set_ylim(-0.2, 4.5)
        grade_axis.set_yticks(range(5))
        grade_axis.set_ylabel("grade")
        more_handles, more_labels = grade_axis.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    axis.legend(handles, labels, loc="upper right", fontsize="small")
    axis.set_title(title)
    figure.tight_layout()
    return save(figure, directory, name)


def snapshot_names(run):
    if "snapshots" not in run:
        return []
    group = run["snapshots"]
    return sorted(name for name in group if isinstance(group[name], h5py.Group))


def columns_of(group, names):
    return {name: group[name][:] for name in names}


def layer_rows(z_um, layer, site_edge_um):
    """Rows whose site is in z layer `layer` (z = (k + 0.5) * site_edge_um)."""
    return np.floor(z_um / site_edge_um).astype(int) == layer


def plot_snapshot_slice(run, ordinal, title, directory):
    name = "snapshot_slice.png"
    snapshots = run["snapshots"]
    nx, ny, nz = (int(n) for n in snapshots.attrs["lattice_shape"])
    edge = float(snapshots.attrs["site_edge_um"])
    snapshot = snapshots[ordinal]
    layer = nz // 2
    tissue = columns_of(snapshot["tissue"], ["x", "y", "z", "state", "cd19"])
    in_layer = layer_rows(tissue["z"], layer, edge)
    i = np.floor(tissue["x"][in_layer] / edge).astype(int)
    j = np.floor(tissue["y"][in_layer] / edge).astype(int)
    state = tissue["state"][in_layer]
    cd19 = tissue["cd19"][in_layer].astype(float)
    tissue_codes = state_codes(snapshot["tissue"])

    # One pixel per site: greys for normal B and marrow cells, CD19 colours for blasts.
    kind = np.full((ny, nx), np.nan)
    b_cells = state == tissue_codes["normal B cell"]
    marrow_cells = state == tissue_codes["marrow cell"]
    kind[j[b_cells], i[b_cells]] = 0
    kind[j[marrow_cells], i[marrow_cells]] = 1
    blast_cd19 = np.full((ny, nx), np.nan)
    blasts = state == tissue_codes["blast"]
    blast_cd19[j[blasts], i[blasts]] = cd19[blasts]

    extent = (0, nx * edge, 0, ny * edge)
    width = 9.0
    height = min(max(width * ny / nx * 0.85, 4.0), 14.0)
    figure, axis = plt.subplots(figsize=(width, height))
    axis.set_facecolor("white")
    axis.imshow(np.ma.masked_invalid(kind), origin="lower", extent=extent, interpolation="nearest",
                cmap=ListedColormap(["0.55", "0.85"]), vmin=0, vmax=1)
    if blasts.any():
        image = axis.imshow(np.ma.masked_invalid(blast_cd19), origin="lower", extent=extent,
                            interpolation="nearest", cmap="viridis", vmin=0,
                            vmax=max(float(cd19[blasts].max()), 1.0))
        figure.colorbar(image, ax=axis, label="CD19 molecules/cell (blasts)", shrink=0.8)
    handles = [plt.Line2D([], [], marker="s", linestyle="", color=grey, label=label)
               for grey, label in [("0.55", "normal B cell"), ("0.85", "marrow cell")]]

    car_t = columns_of(snapshot["car_t"], ["x", "y", "z", "state"])
    in_layer = layer_rows(car_t["z"], layer, edge)
    car_t_codes = state_codes(snapshot["car_t"])
    for label, colour, marker in zip(CART_STATES, CART_STATE_COLOURS, CART_STATE_MARKERS):
        rows = in_layer & (car_t["state"] == car_t_codes[label])
        axis.scatter(car_t["x"][rows], car_t["y"][rows], s=14, c=colour, marker=marker,
                     linewidths=0.8, edgecolors="black" if marker != "x" else None,
                     label=f"CAR-T {label} ({int(rows.sum())})", zorder=3)
    handles += axis.get_legend_handles_labels()[0]
    axis.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3,
                fontsize="small")
    axis.set_xlim(extent[0], extent[1])
    axis.set_ylim(extent[2], extent[3])
    axis.set_aspect("equal")
    axis.set_xlabel("x (um)")
    axis.set_ylabel("y (um)")
    day = float(snapshot.attrs["time_days"])
    where = f"z layer {layer + 1} of {nz}" if nz > 1 else "2-D marrow"
    axis.set_title(f"{title}: day {day:g}, {where}, {int(blasts.sum())} blasts")
    figure.tight_layout()
    return save(figure, directory, name)


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="run file (OUT.h5 or OUT.h5.partial)")
    parser.add_argument("-o", "--output-dir", required=True, help="directory for the PNGs")
    parser.add_argument("--snapshot", type=int, metavar="N",
                        help="ordinal of the snapshot to draw (default: the last)")
    args = parser.parse_args(argv)
    try:
        run = open_run_file(args.file)
    except (RunFileError, OSError) as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return 2
    with run:
        snapshots = snapshot_names(run)
        ordinal = None
        if snapshots:
            ordinal = snapshots[-1] if args.snapshot is None else f"{args.snapshot:06d}"
            if ordinal not in snapshots:
                print(f"{PROGRAM}: error: '{args.file}' has no snapshot {args.snapshot} "
                      f"(it has {len(snapshots)}: ordinals {snapshots[0]} to {snapshots[-1]})",
                      file=sys.stderr)
                return 2
        os.makedirs(args.output_dir, exist_ok=True)
        series = read_timeseries(run)
        title = title_of(run, args.file)
        plot_blast_fraction(run, series, title, args.output_dir)
        plot_cart_states(series, title, args.output_dir)
        plot_cytokines(series, title, args.output_dir)
        if ordinal is None:
            skip("snapshot_slice.png", f"'{args.file}' has no snapshots")
        else:
            plot_snapshot_slice(run, ordinal, title, args.output_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
