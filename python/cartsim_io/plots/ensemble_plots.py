"""Figures of an ensemble (a cartsim_io.Ensemble): swimmer plot, endpoint distributions, input
histograms."""
import math

import numpy as np
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .canvas import legend_row, new_figure
from .style import DAYS_AFTER_INFUSION, DERIVED_GRADE

CD19_NEGATIVE_RELAPSE = 0.5  # share of CD19-negative blasts at relapse (cli/ensemble_report.cpp)


def swimmer_figure(ensemble):
    """One bar per run over its simulated days, sorted by the day of MRD-negativity, with CR,
    MRD-negativity and relapse (CD19-positive or CD19-negative) marked; incomplete runs grey."""
    n = len(ensemble)
    days = ensemble.column("days_simulated")
    cr, mrd, relapse = (ensemble.column(k) for k in ("cr_day", "mrd_negative_day", "relapse_day"))
    share = ensemble.column("relapse_cd19_negative_fraction")
    complete = ensemble.complete
    order = sorted(range(n), key=lambda i: (np.nan_to_num(mrd[i], nan=1e9),
                                            np.nan_to_num(cr[i], nan=1e9), i))
    longest = np.nanmax(np.append(days, 1.0))
    figure, (axis,), legend_axis = new_figure(9, max(5.0, 0.12 * n + 2.5), [max(4.0, 0.12 * n)],
                                              0.9)
    for row, i in enumerate(order):
        length = days[i] if complete[i] and np.isfinite(days[i]) else longest
        axis.barh(row, length, color="#56B4E9" if complete[i] else "lightgrey", height=0.7,
                  alpha=0.6 if complete[i] else 1.0)
    rows, index = np.arange(n), np.array(order, dtype=int)
    axis.scatter(cr[index], rows, marker="o", color="#009E73", s=22, zorder=3,
                 label="CR (< 5% blasts)")
    axis.scatter(mrd[index], rows, marker="D", color="black", s=16, zorder=3,
                 label="MRD-negative (< 1e-4)")
    negative = share[index] >= CD19_NEGATIVE_RELAPSE
    axis.scatter(relapse[index][~negative], rows[~negative], marker="x", color="#D55E00", s=34,
                 zorder=4, label="relapse (CD19-positive)")
    axis.scatter(relapse[index][negative], rows[negative], marker="X", color="darkred", s=44,
                 zorder=4, label="relapse (CD19-negative)")
    axis.set_xlabel(DAYS_AFTER_INFUSION)
    axis.set_ylabel("virtual patients\n(sorted by day of MRD-negativity)")
    axis.set_ylim(-1, n)
    axis.set_yticks([])
    axis.set_title(f"{ensemble.scenario_name}: response of {n} runs")
    handles, labels = axis.get_legend_handles_labels()
    handles.append(Patch(color="lightgrey", label="run not complete"))
    legend_row(legend_axis, handles, labels + ["run not complete"])
    return figure


def rate_text(aggregate, name, label):
    if f"{name}_rate" not in aggregate:
        return ""
    rate = aggregate[f"{name}_rate"]
    if not np.isfinite(rate):
        return f"{label} -"
    low, high = aggregate[f"{name}_ci95"]
    return f"{label} {100 * rate:.0f}% (95% CI {100 * low:.0f}-{100 * high:.0f}%)"


def histogram(axis, values, xlabel, log=False):
    values = values[np.isfinite(values)]
    if log:
        values = values[values > 0]
    if values.size == 0:
        axis.text(0.5, 0.5, "none", ha="center", va="center", transform=axis.transAxes)
    elif log:
        low, high = values.min(), values.max()
        bins = np.logspace(math.log10(low), math.log10(high * 1.0001) if high > low
                           else math.log10(low) + 1, 20)
        axis.hist(values, bins=bins, color="#0072B2", alpha=0.8)
        axis.set_xscale("log")
    else:
        axis.hist(values, bins=20, color="#0072B2", alpha=0.8)
        axis.xaxis.set_major_locator(MaxNLocator(5))
    axis.set_xlabel(xlabel)
    axis.set_ylabel("runs")
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))


def yes_no_bars(axis, values, xlabel):
    """A boolean input (0/1): runs with no and with yes."""
    values = values[np.isfinite(values)]
    axis.bar(["no", "yes"], [int(np.sum(values == 0)), int(np.sum(values == 1))],
             color="#0072B2", alpha=0.8)
    axis.set_xlabel(xlabel)
    axis.set_ylabel("runs")
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))


def grade_bars(axis, ensemble, complete):
    for column, offset, colour, label in (("crs_max_grade", -0.2, "#E69F00", "CRS"),
                                          ("icans_max_grade", 0.2, "#CC79A7", "ICANS")):
        if column in ensemble.table:
            grades = ensemble.column(column)[complete]
            counts = [int(np.sum(np.round(grades) == g)) for g in range(5)]
            axis.bar(np.arange(5) + offset, counts, width=0.4, color=colour, label=label)
    axis.set_xticks(range(5))
    axis.set_xlabel(f"maximum grade\n({DERIVED_GRADE})")
    axis.set_ylabel("runs")
    axis.legend(fontsize="small")


def endpoints_figure(ensemble):
    """Distributions over the complete runs: blood CAR-T peak, days of CR and MRD-negativity,
    maximum CRS and ICANS grades, final blast fraction, peak serum IL-6."""
    n, complete = len(ensemble), ensemble.complete
    figure, axes = _grid(2, 3, (12, 7.5))
    histogram(axes[0, 0], ensemble.column("cart_peak_per_ul")[complete],
              "blood CAR-T peak (cells/uL)", log=True)
    histogram(axes[0, 1], ensemble.column("cr_day")[complete], f"CR ({DAYS_AFTER_INFUSION})")
    histogram(axes[0, 2], ensemble.column("mrd_negative_day")[complete],
              f"MRD-negative ({DAYS_AFTER_INFUSION})")
    grade_bars(axes[1, 0], ensemble, complete)
    histogram(axes[1, 1], ensemble.column("final_blast_fraction")[complete],
              "final marrow blast fraction", log=True)
    histogram(axes[1, 2], ensemble.column("il6_peak_pg_per_ml")[complete],
              "peak serum IL-6 (pg/mL)")
    rates = "; ".join(t for t in (rate_text(ensemble.aggregate, "cr", "CR"),
                                  rate_text(ensemble.aggregate, "mrd_negative", "MRD-neg")) if t)
    figure.suptitle(f"{ensemble.scenario_name}: {int(complete.sum())} of {n} runs complete"
                    + (f"\n{rates}" if rates else ""))
    return figure


def _grid(rows, columns, size):
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(rows, columns, figsize=size, squeeze=False, layout="constrained")
    return figure, axes


def inputs_figure(ensemble):
    """Histograms of the varied and sampled inputs; None when there are none."""
    keys = [key for key in ensemble.input_keys if key in ensemble.table]
    numeric = [key for key in keys if np.asarray(ensemble.table[key]).dtype.kind == "f"]
    if not keys:
        return None
    columns = min(3, len(keys))
    rows = math.ceil(len(keys) / columns)
    figure, axes = _grid(rows, columns, (4 * columns, 3.2 * rows + 0.6))
    for axis, key in zip(axes.flat, keys):
        if key in numeric:
            values = ensemble.column(key)
            finite = values[np.isfinite(values)]
            if finite.size and np.all((finite == 0) | (finite == 1)):
                yes_no_bars(axis, values, key)
                continue
            log = finite.size > 0 and finite.min() > 0 and finite.max() / finite.min() > 50
            histogram(axis, values, key, log=log)
        else:  # a text input (choice): runs per value
            names, counts = np.unique(np.asarray(ensemble.table[key], dtype=str),
                                      return_counts=True)
            axis.bar(names, counts, color="#0072B2", alpha=0.8)
            axis.set_xlabel(key)
            axis.set_ylabel("runs")
    for axis in list(axes.flat)[len(keys):]:
        axis.axis("off")
    figure.suptitle(f"{ensemble.scenario_name}: inputs of {len(ensemble)} runs")
    return figure


__all__ = ["endpoints_figure", "inputs_figure", "swimmer_figure"]
