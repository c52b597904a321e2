#!/usr/bin/python3
"""Plots of a cartsim ensemble (docs/ENSEMBLE.md) from its DIR/summary.h5, as PNGs.

    analysis/plot_ensemble.py DIR (or DIR/summary.h5) -o PLOTS_DIR

Writes into PLOTS_DIR (created if needed) and prints the path of each file written:
  swimmer.png     one bar per run (virtual patient) over its simulated days, sorted by the day of
                  MRD-negativity: markers for CR, MRD-negativity and relapse (filled red for a
                  CD19-negative relapse), bars of runs that are not complete in grey
  endpoints.png   distributions over the complete runs: blood CAR-T peak (log), day of CR and of
                  MRD-negativity, CRS grade, final blast fraction (log), peak serum IL-6; the
                  title gives the CR and MRD-negative rates with their 95% intervals
  inputs.png      histograms of the varied and sampled inputs (only when there are any)

Exit status: 0 done, 2 the file is missing or not an ensemble summary. Uses Debian's
python3-h5py, python3-numpy and python3-matplotlib (run with /usr/bin/python3).
"""
import argparse
import math
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402

PROGRAM = "plot_ensemble.py"
CD19_NEGATIVE_RELAPSE = 0.5  # as cli/ensemble_report.cpp


class SummaryError(Exception):
    pass


def read_summary(path):
    """The /runs columns (numpy arrays), the status labels, input keys and /aggregate attrs."""
    if os.path.isdir(path):
        path = os.path.join(path, "summary.h5")
    if not os.path.exists(path):
        raise SummaryError(f"'{path}': no such file")
    try:
        f = h5py.File(path, "r")
    except OSError:
        raise SummaryError(f"'{path}' is not an HDF5 file") from None
    with f:
        if "runs" not in f or "status" not in f["runs"]:
            raise SummaryError(f"'{path}' is not a cartsim ensemble summary (no /runs/status)")
        runs = {name: f["runs"][name][:] for name in f["runs"]}
        labels = str(f["runs"].attrs.get("status_labels", "complete")).split(",")
        keys = [k for k in str(f.attrs.get("input_keys", "")).split(",") if k]
        aggregate = dict(f["aggregate"].attrs) if "aggregate" in f else {}
        name = str(f.attrs.get("scenario_name", "ensemble"))
    status = np.array([labels[int(s)] if int(s) < len(labels) else "?" for s in runs["status"]])
    return runs, status, keys, aggregate, name


def column(runs, name, n):
    return runs[name].astype(float) if name in runs else np.full(n, np.nan)


def save(fig, directory, name):
    path = os.path.join(directory, name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(path)


def plot_swimmer(runs, status, title, directory):
    n = len(status)
    days = column(runs, "days_simulated", n)
    cr, mrd, relapse = (column(runs, k, n) for k in ("cr_day", "mrd_negative_day", "relapse_day"))
    share = column(runs, "relapse_cd19_negative_fraction", n)
    # Responders first by day of MRD-negativity, then the others by day of CR.
    order = sorted(range(n), key=lambda i: (np.nan_to_num(mrd[i], nan=1e9),
                                            np.nan_to_num(cr[i], nan=1e9), i))
    fig, ax = plt.subplots(figsize=(9, max(4.0, 0.12 * n + 1.5)))
    for row, i in enumerate(order):
        complete = status[i] == "complete"
        length = days[i] if complete and np.isfinite(days[i]) else np.nanmax(np.append(days, 1.0))
        ax.barh(row, length, color="tab:blue" if complete else "lightgrey", height=0.7,
                alpha=0.5 if complete else 1.0)
    rows = np.arange(n)
    index = np.array(order)
    ax.scatter(cr[index], rows, marker="o", color="tab:green", s=18, label="CR (< 5% blasts)",
               zorder=3)
    ax.scatter(mrd[index], rows, marker="D", color="black", s=14, label="MRD-negative (< 1e-4)",
               zorder=3)
    negative = share[index] >= CD19_NEGATIVE_RELAPSE
    ax.scatter(relapse[index][~negative], rows[~negative], marker="x", color="tab:red", s=30,
               label="relapse (CD19+)", zorder=4)
    ax.scatter(relapse[index][negative], rows[negative], marker="X", color="darkred", s=40,
               label="relapse (CD19-negative)", zorder=4)
    ax.set_xlabel("days after infusion")
    ax.set_ylabel("run (sorted by day of MRD-negativity)")
    ax.set_ylim(-1, n)
    ax.set_yticks([])
    ax.set_title(f"{title}: response per run")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    save(fig, directory, "swimmer.png")


def rate_text(aggregate, name, label):
    if f"{name}_rate" not in aggregate:
        return ""
    lo, hi = aggregate[f"{name}_ci95"]
    rate = aggregate[f"{name}_rate"]
    if not np.isfinite(rate):
        return f"{label} -"
    return f"{label} {100 * rate:.0f}% (95% CI {100 * lo:.0f}-{100 * hi:.0f}%)"


def histogram(ax, values, xlabel, log=False):
    values = values[np.isfinite(values)]
    if log:
        values = values[values > 0]
    if values.size == 0:
        ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
    elif log:
        low, high = values.min(), values.max()
        bins = np.logspace(math.log10(low), math.log10(high * 1.0001) if high > low
                           else math.log10(low) + 1, 20)
        ax.hist(values, bins=bins, color="tab:blue", alpha=0.8)
        ax.set_xscale("log")
    else:
        ax.hist(values, bins=20, color="tab:blue", alpha=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("runs")


def plot_endpoints(runs, status, aggregate, title, directory):
    n = len(status)
    complete = status == "complete"
    fig, axes = plt.subplots(2, 3, figsize=(12, 7))
    histogram(axes[0, 0], column(runs, "cart_peak_per_ul", n)[complete],
              "blood CAR-T peak (cells/uL)", log=True)
    histogram(axes[0, 1], column(runs, "cr_day", n)[complete], "day of CR")
    histogram(axes[0, 2], column(runs, "mrd_negative_day", n)[complete], "day of MRD-negativity")
    grades = column(runs, "crs_max_grade", n)[complete]
    counts = [int(np.sum(np.round(grades) == g)) for g in range(5)]
    axes[1, 0].bar(np.arange(5) - 0.2, counts, width=0.4, color="tab:orange", label="CRS")
    if "icans_max_grade" in runs:
        icans = column(runs, "icans_max_grade", n)[complete]
        icans_counts = [int(np.sum(np.round(icans) == g)) for g in range(5)]
        axes[1, 0].bar(np.arange(5) + 0.2, icans_counts, width=0.4, color="tab:purple",
                       label="ICANS")
        axes[1, 0].legend(fontsize="small")
    axes[1, 0].set_xlabel("maximum grade (ASTCT)")
    axes[1, 0].set_ylabel("runs")
    histogram(axes[1, 1], column(runs, "final_blast_fraction", n)[complete],
              "final marrow blast fraction", log=True)
    histogram(axes[1, 2], column(runs, "il6_peak_pg_per_ml", n)[complete],
              "peak serum IL-6 (pg/mL)")
    rates = "; ".join(t for t in (rate_text(aggregate, "cr", "CR"),
                                  rate_text(aggregate, "mrd_negative", "MRD-neg")) if t)
    fig.suptitle(f"{title}: {int(complete.sum())} of {n} runs complete"
                 + (f"; {rates}" if rates else ""))
    fig.tight_layout()
    save(fig, directory, "endpoints.png")


def plot_inputs(runs, keys, title, directory):
    keys = [k for k in keys if k in runs]
    if not keys:
        return
    columns = min(3, len(keys))
    rows = math.ceil(len(keys) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.2 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        values = runs[key].astype(float)
        positive = values[np.isfinite(values)]
        log = positive.size > 0 and positive.min() > 0 and positive.max() / positive.min() > 50
        histogram(ax, values, key, log=log)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    fig.suptitle(f"{title}: inputs")
    fig.tight_layout()
    save(fig, directory, "inputs.png")


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("summary", help="the ensemble directory or its summary.h5")
    parser.add_argument("-o", "--output-dir", required=True, help="directory for the PNGs")
    args = parser.parse_args(argv)
    try:
        runs, status, keys, aggregate, name = read_summary(args.summary)
    except SummaryError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return 2
    os.makedirs(args.output_dir, exist_ok=True)
    plot_swimmer(runs, status, name, args.output_dir)
    plot_endpoints(runs, status, aggregate, name, args.output_dir)
    plot_inputs(runs, keys, name, args.output_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
