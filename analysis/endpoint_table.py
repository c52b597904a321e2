#!/usr/bin/python3
"""Endpoint table of several cartsim runs (one HDF5 file per run), as Markdown; read with
cartsim_io.

    analysis/endpoint_table.py out/baseline_seed*.h5 [--group-by-scenario]

Per file: scenario, seed and the /summary endpoints; with --group-by-scenario, one row per
scenario with counts (CR, MRD-negative within 28 days, relapse) and medians. A file that is
missing, not a cartsim run file, or a .partial of a run still going exits 2 naming it.
Uses Debian's python3-h5py and python3-numpy (run with /usr/bin/python3); cartsim_io from
../python or installed.
"""
import argparse
import math
import sys

import _cartsim_io_path  # noqa: F401  (puts ../python on sys.path)
import numpy as np
from cartsim_io import CartsimFileError, load_run

# relapse_kind codes of /summary (docs/MODEL.md "Clinical readouts").
RELAPSE_KINDS = {1: "CD19-positive", 2: "CD19-dim", 3: "CD19-negative", 4: "lineage switch"}
NAN = float("nan")


def fmt(value, digits=3):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "never"
    return f"{value:.{digits}g}"


def blood_at(run, day):
    """Blood CAR-T (cells/uL) at `day`, or NaN when the run ended before it."""
    if run.timeseries.days[-1] < day:
        return NAN
    return run.timeseries.at_day("cart_blood_per_ul", day)


def relapse_text(s):
    if math.isnan(s.get("relapse_day", NAN)):
        return "never"
    kind = RELAPSE_KINDS.get(int(s.get("relapse_kind", 0)), "")
    return f"day {s['relapse_day']:.4g} {kind}".strip()


def grades_text(s):
    """'2 / 1': maximum ASTCT CRS and ICANS grades, model-derived ('-' where absent)."""
    return " / ".join("-" if s.get(name) is None else f"{s[name]:.0f}"
                      for name in ("crs_max_grade", "icans_max_grade"))


def per_run_table(runs):
    print("| scenario | seed | CR day | MRD-neg day | relapse | CAR-T Cmax /uL (Tmax) | fold "
          "expansion | CAR-T day 28 /uL | half-life contraction / persistence (d) | last "
          "detectable day | B-cell recovery day | IL-6 peak pg/mL | CRS / ICANS max grade "
          "(model-derived) | final blast fraction |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        s = run.summary
        get = lambda name: s.get(name, NAN)  # noqa: E731
        day28 = blood_at(run, 28)
        print(f"| {run.name} | {run.seed} | {fmt(get('cr_day'))} | "
              f"{fmt(get('mrd_negative_day'))} | {relapse_text(s)} | "
              f"{get('cart_peak_per_ul'):.3g} ({fmt(get('cart_peak_day'))}) | "
              f"{fmt(get('cart_fold_expansion'))} | "
              f"{'not reached' if math.isnan(day28) else f'{day28:.3g}'} | "
              f"{fmt(get('cart_contraction_half_life_days'))} / "
              f"{fmt(get('cart_persistence_half_life_days'))} | "
              f"{fmt(get('cart_last_detectable_day'))} | {fmt(get('b_cell_recovery_day'))} | "
              f"{get('il6_peak_pg_per_ml'):.0f} | {grades_text(s)} | "
              f"{fmt(get('final_blast_fraction'), 2)} |")


def grouped_table(runs):
    groups = {}
    for run in runs:
        groups.setdefault(run.name, []).append(run)
    print("| scenario | runs | CR | MRD-neg by day 28 | relapse (CD19-neg) | median CAR-T peak /uL "
          "(day) | median CAR-T day 28 /uL | median final blast fraction | median IL-6 peak |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, group in groups.items():
        s = [run.summary for run in group]
        n = len(group)
        cr = sum(not math.isnan(x.get("cr_day", NAN)) for x in s)
        mrd28 = sum(x.get("mrd_negative_day", NAN) <= 28 for x in s)
        relapses = [x for x in s if not math.isnan(x.get("relapse_day", NAN))]
        negative = sum(x["relapse_cd19_negative_fraction"] >= 0.5 for x in relapses)
        median = lambda key: float(np.median([x.get(key, NAN) for x in s]))  # noqa: E731
        day28 = np.array([blood_at(run, 28) for run in group])
        day28_text = (f"{float(np.median(day28)):.1f}" if np.isfinite(day28).all()
                      else "not reached")
        print(f"| {name} | {n} | {cr}/{n} | {mrd28}/{n} | {len(relapses)}/{n} ({negative} "
              f"CD19-neg) | {median('cart_peak_per_ul'):.0f} ({median('cart_peak_day'):.1f}) | "
              f"{day28_text} | {median('final_blast_fraction'):.3g} | "
              f"{median('il6_peak_pg_per_ml'):.0f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="endpoint_table.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--group-by-scenario", action="store_true")
    args = parser.parse_args(argv)
    try:
        runs = [load_run(path) for path in args.files]
    except CartsimFileError as error:
        print(f"endpoint_table.py: error: {error}", file=sys.stderr)
        return 2
    (grouped_table if args.group_by_scenario else per_run_table)(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
