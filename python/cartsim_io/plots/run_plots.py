"""Time-course figures of one run (a cartsim_io.Run): response, CAR-T states, cytokines and
toxicity grades. Each function returns a matplotlib Figure, or None when the run lacks the
columns it needs (the reason is then in `MissingColumns`)."""
import numpy as np
from matplotlib.ticker import FuncFormatter

from .canvas import legend_row, new_figure
from .style import (BLAST_COLOUR, BLOOD_CART_LABEL, CART_COLOUR, CART_STATES, DAYS_AFTER_INFUSION,
                    DERIVED_GRADE, cart_state_style)

# Defaults of readouts.cr_blast_fraction and readouts.mrd_blast_fraction
# (scenarios/model_parameters.cpp), for scenario texts that lack them.
DEFAULT_CR_BLAST_FRACTION = 0.05
DEFAULT_MRD_BLAST_FRACTION = 1e-4


class MissingColumns(Exception):
    """The run has no time-series column the figure needs."""


def _require(run, names):
    missing = [name for name in names if name not in run.timeseries]
    if missing:
        raise MissingColumns(f"no time-series column {', '.join(missing)}")


def title_of(run):
    return f"{run.name} (seed {run.seed})"


def blast_lines(run):
    """[(column, label, line style)]: the whole patient's marrow blast fraction (response is read
    from it) and the lattice window's, those the file has."""
    lines = [("patient_blast_fraction", "marrow blast fraction (whole patient)", "-"),
             ("blast_fraction", "blast fraction in the simulated window", "--")]
    return [line for line in lines if line[0] in run.timeseries]


def zero_stretches(days, values):
    """[(first day, last day or None if it lasts to the end)] of the stretches where values are 0
    after having been positive."""
    stretches, start = [], None
    seen_positive = False
    for k, value in enumerate(values):
        if value > 0:
            if start is not None:
                stretches.append((days[start], days[k]))
                start = None
            seen_positive = True
        elif seen_positive and start is None:
            start = k
    if start is not None:
        stretches.append((days[start], None))
    return stretches


def undetectable_text(first, until, where=""):
    text = f"blasts undetectable{where} from day {first:g}"
    return text if until is None else f"{text} to day {until:g}"


def _draw_zero_stretches(axis, days, values, floor, where, style, offset_points):
    for k, (first, until) in enumerate(zero_stretches(days, values)):
        end = days[-1] if until is None else until
        axis.plot([first, end], [floor, floor], color=BLAST_COLOUR, linewidth=4,
                  linestyle=style, solid_capstyle="butt",
                  label=f"no blasts{where} (0: drawn on the axis floor)" if k == 0 else None)
        axis.annotate(undetectable_text(first, until, where), xy=(first, floor),
                      xytext=(4, offset_points), textcoords="offset points", ha="left",
                      fontsize="small", color=BLAST_COLOUR,
                      arrowprops=dict(arrowstyle="->", color=BLAST_COLOUR, relpos=(0, 0)),
                      bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none"))


def blast_response_figure(run):
    """Marrow blast fraction (log; the whole patient's and the simulated window's) with the CR and
    MRD thresholds and days; a stretch with no blasts (which a log axis cannot show) is drawn
    along the axis floor and annotated "blasts undetectable from day X"; CAR-T in blood
    (cells/uL) on the right axis."""
    lines = blast_lines(run)
    if not lines:
        raise MissingColumns("no time-series column patient_blast_fraction or blast_fraction")
    days = run.timeseries.days
    cr = float(run.parameter("readouts.cr_blast_fraction", DEFAULT_CR_BLAST_FRACTION))
    mrd = float(run.parameter("readouts.mrd_blast_fraction", DEFAULT_MRD_BLAST_FRACTION))
    figure, (axis,), legend_axis = new_figure(8, 5.8, [5])
    positive = [float(run.timeseries[column][run.timeseries[column] > 0].min())
                for column, _, _ in lines if (run.timeseries[column] > 0).any()]
    floor = min([mrd / 10] + [value / 2 for value in positive])
    axis.set_yscale("log")
    axis.set_ylim(bottom=floor / 2, top=1.0)
    for k, (column, label, style) in enumerate(lines):
        values = run.timeseries[column]
        axis.plot(days, np.where(values > 0, values, np.nan), color=BLAST_COLOUR,
                  linestyle=style, linewidth=2 if k == 0 else 1.3, label=label)
        where = " in the window" if column == "blast_fraction" and len(lines) > 1 else ""
        _draw_zero_stretches(axis, days, values, floor, where, style, 24 + 22 * k)
    axis.axhline(cr, color="0.3", linestyle="--", linewidth=1,
                 label=f"CR threshold ({100 * cr:g}% blasts)")
    axis.axhline(mrd, color="0.3", linestyle=":", linewidth=1,
                 label=f"MRD threshold ({mrd:g})")
    for endpoint, label, style in (("cr_day", "CR", "--"), ("mrd_negative_day", "MRD-negative",
                                                             ":")):
        day = run.endpoint(endpoint)
        if day is not None:
            axis.axvline(day, color="black", linestyle=style, linewidth=1,
                         label=f"{label} on day {day:g}")
    axis.set_xlabel(DAYS_AFTER_INFUSION)
    axis.set_ylabel("marrow blast fraction")
    axis.set_title(title_of(run))
    handles, labels = axis.get_legend_handles_labels()
    if "cart_blood_per_ul" in run.timeseries:
        blood_axis = axis.twinx()
        blood_axis.plot(days, run.timeseries["cart_blood_per_ul"], color=CART_COLOUR,
                        linewidth=1.5, label="CAR-T cells in blood")
        blood_axis.set_ylabel(BLOOD_CART_LABEL, color=CART_COLOUR)
        blood_axis.set_ylim(bottom=0)
        more_handles, more_labels = blood_axis.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    legend_row(legend_axis, handles, labels, columns=2)
    return figure


def percent_text(value, _position=None):
    """A log-axis tick in percent without float noise: 100%, 1%, 0.01%, 0.00001%."""
    if value <= 0:
        return ""
    digits = max(0, int(-np.floor(np.log10(value) + 1e-9)))
    return f"{value:.{digits}f}%"


def _state_share_label(state, share):
    present = share[np.isfinite(share) & (share > 0)]
    if present.size == 0:
        return f"{state} (none)"
    return f"{state} (peak {100 * present.max():.3g}%)"


def cart_states_figure(run):
    """Top: CAR-T cells in blood (cells/uL). Bottom: each state's share of all CAR-T cells in the
    patient (%, log axis so rare states stay visible), one colour, line style and marker per
    state; every state is in the legend, with its peak share or "(none)"."""
    columns = [f"cart_{state}" for state in CART_STATES]
    _require(run, ["time_days"] + columns)
    days = run.timeseries.days
    counts = np.array([run.timeseries[column] for column in columns])
    total = counts.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, counts / total, np.nan)
    panels = [2.2, 3] if "cart_blood_per_ul" in run.timeseries else [3]
    figure, axes, legend_axis = new_figure(8, 7 if len(panels) == 2 else 5, panels)
    share_axis = axes[-1]
    if len(axes) == 2:
        blood_axis = axes[0]
        blood_axis.plot(days, run.timeseries["cart_blood_per_ul"], color="black",
                        linewidth=2, label="all CAR-T cells in blood")
        blood_axis.set_ylabel("CAR-T in blood\n(cells/uL)")
        blood_axis.set_ylim(bottom=0)
        blood_axis.tick_params(labelbottom=False)
        blood_axis.set_title(f"{title_of(run)}: CAR-T cells")
    else:
        share_axis.set_title(f"{title_of(run)}: CAR-T cells")
    marker_every = max(1, len(days) // 12)
    for state, share in zip(CART_STATES, shares):
        share_axis.plot(days, np.where(share > 0, 100 * share, np.nan), linewidth=1.8,
                        markevery=marker_every, markersize=5, **cart_state_style(state),
                        label=_state_share_label(state, share))
    share_axis.set_yscale("log")
    present = shares[np.isfinite(shares) & (shares > 0)]
    lowest = max(float(present.min()) * 100 / 2, 1e-6) if present.size else 0.1
    share_axis.set_ylim(lowest, 150)
    share_axis.yaxis.set_major_formatter(FuncFormatter(percent_text))
    share_axis.set_ylabel("share of all CAR-T cells\nin the patient")
    share_axis.set_xlabel(DAYS_AFTER_INFUSION)
    handles, labels = share_axis.get_legend_handles_labels()
    if len(axes) == 2:
        more = axes[0].get_legend_handles_labels()
        handles, labels = more[0] + handles, more[1] + labels
    legend_row(legend_axis, handles, labels)
    return figure


def _dose_days(run, column):
    """Days on which the cumulative dose column rises (a dose given)."""
    values = run.timeseries[column]
    return run.timeseries.days[np.flatnonzero(np.diff(values) > 0) + 1]


def cytokines_figure(run):
    """Top: serum IL-6, IFN-gamma and IL-1 (pg/mL, log) with the tocilizumab and dexamethasone
    doses given. Bottom: CRS and ICANS grades (ASTCT, derived by the model's toxicity rules)."""
    _require(run, ["time_days", "il6_pg_per_ml", "ifng_pg_per_ml"])
    days = run.timeseries.days
    has_grades = "crs_grade" in run.timeseries
    figure, axes, legend_axis = new_figure(8, 7 if has_grades else 5,
                                           [3, 1.6] if has_grades else [3])
    axis = axes[0]
    for column, colour, style, label in (("il6_pg_per_ml", "#0072B2", "-", "serum IL-6"),
                                         ("ifng_pg_per_ml", "#009E73", "--", "serum IFN-gamma"),
                                         ("il1_pg_per_ml", "#CC79A7", "-.", "serum IL-1")):
        if column in run.timeseries:
            values = run.timeseries[column]
            axis.plot(days, np.where(values > 0, values, np.nan), color=colour, linestyle=style,
                      linewidth=1.8, label=label)
    for column, colour, label in (("tocilizumab_doses", "#D55E00", "tocilizumab dose"),
                                  ("dexamethasone_mg", "#E69F00", "dexamethasone dose")):
        if column in run.timeseries:
            for k, day in enumerate(_dose_days(run, column)):
                for panel in axes:
                    panel.axvline(day, color=colour, linestyle=":", linewidth=1.2,
                                  label=label if k == 0 and panel is axis else None)
    axis.set_yscale("log")
    axis.set_ylabel("serum level (pg/mL)")
    axis.set_title(f"{title_of(run)}: cytokines and toxicity")
    handles, labels = axis.get_legend_handles_labels()
    if has_grades:
        axis.tick_params(labelbottom=False)
        grade_axis = axes[1]
        grade_axis.step(days, run.timeseries["crs_grade"], where="post", color="black",
                        linewidth=1.8, label=f"CRS grade ({DERIVED_GRADE})")
        if "icans_grade" in run.timeseries:
            grade_axis.step(days, run.timeseries["icans_grade"], where="post", color="0.45",
                            linestyle="--", linewidth=1.8,
                            label=f"ICANS grade ({DERIVED_GRADE})")
        grade_axis.set_ylim(-0.3, 4.4)
        grade_axis.set_yticks(range(5))
        grade_axis.set_ylabel("grade\n(model-derived)")
        grade_axis.set_xlabel(DAYS_AFTER_INFUSION)
        more = grade_axis.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    else:
        axis.set_xlabel(DAYS_AFTER_INFUSION)
    legend_row(legend_axis, handles, labels)
    return figure


__all__ = ["MissingColumns", "blast_response_figure", "cart_states_figure", "cytokines_figure",
           "zero_stretches"]
