#!/usr/bin/python3
"""Endpoint table of several cartsim runs (one HDF5 file per run), as Markdown.

    analysis/endpoint_table.py out/baseline_seed*.h5 [--group-by-scenario]

Per file: scenario, seed and the /summary endpoints; with --group-by-scenario, one row per
scenario with counts (CR, MRD-negative within 28 days, relapse) and medians.
Uses Debian's python3-h5py and python3-numpy (run with /usr/bin/python3).
"""
import argparse
import math
import sys

import h5py
import numpy as np


def read_run(path):
    with h5py.File(path, "r") as f:
        summary = dict(f["summary"].attrs)
        timeseries = {name: f["timeseries"][name][:] for name in f["timeseries"]}
        return {
            "path": path,
            "scenario": str(summary.get("scenario_name", "?")),
            "seed": int(f.attrs["seed"]),
            "summary": summary,
            "timeseries": timeseries,
        }


def fmt(value, digits=3):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "never"
    return f"{value:.{digits}g}"


def blood_at(run, day):
    t = run["timeseries"]["time_days"]
    i = min(np.searchsorted(t, day), len(t) - 1)
    return run["timeseries"]["cart_blood_per_ul"][i]


# relapse_kind codes of /summary (docs/MODEL.md "Clinical readouts").
RELAPSE_KINDS = {1: "CD19-positive", 2: "CD19-dim", 3: "CD19-negative", 4: "lineage switch"}


def relapse_text(s):
    if math.isnan(s["relapse_day"]):
        return "never"
    kind = RELAPSE_KINDS.get(int(s.get("relapse_kind", 0)), "")
    return f"day {s['relapse_day']:.4g} {kind}".strip()


def per_run_table(runs):
    print("| scenario | seed | CR day | MRD-neg day | relapse | CAR-T Cmax /uL (Tmax) | fold "
          "expansion | CAR-T day 28 /uL | half-life contraction / persistence (d) | last detectable "
          "day | B-cell recovery day | IL-6 peak pg/mL | CRS / ICANS max grade | final blast fraction |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        s = r["summary"]
        print(f"| {r['scenario']} | {r['seed']} | {fmt(s['cr_day'])} | {fmt(s['mrd_negative_day'])} | "
              f"{relapse_text(s)} | {s['cart_peak_per_ul']:.3g} ({fmt(s['cart_peak_day'])}) | "
              f"{fmt(s.get('cart_fold_expansion', math.nan))} | {blood_at(r, 28):.3g} | "
              f"{fmt(s.get('cart_contraction_half_life_days', math.nan))} / "
              f"{fmt(s.get('cart_persistence_half_life_days', math.nan))} | "
              f"{fmt(s.get('cart_last_detectable_day', math.nan))} | "
              f"{fmt(s.get('b_cell_recovery_day', math.nan))} | {s['il6_peak_pg_per_ml']:.0f} | "
              f"{grades_text(s)} | {fmt(s['final_blast_fraction'], 2)} |")


def grades_text(s):
    """'2 / 1': maximum ASTCT CRS and ICANS grades ('-' for files without ICANS grading)."""
    icans = s.get("icans_max_grade")
    return f"{s['crs_max_grade']:.0f} / " + ("-" if icans is None else f"{icans:.0f}")


def grouped_table(runs):
    groups = {}
    for r in runs:
        groups.setdefault(r["scenario"], []).append(r)
    print("| scenario | runs | CR | MRD-neg by day 28 | relapse (CD19-neg) | median CAR-T peak /uL "
          "(day) | median CAR-T day 28 /uL | median final blast fraction | median IL-6 peak |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, rs in groups.items():
        s = [r["summary"] for r in rs]
        n = len(rs)
        cr = sum(not math.isnan(x["cr_day"]) for x in s)
        mrd28 = sum((not math.isnan(x["mrd_negative_day"])) and x["mrd_negative_day"] <= 28 for x in s)
        relapses = [x for x in s if not math.isnan(x["relapse_day"])]
        neg = sum(x["relapse_cd19_negative_fraction"] >= 0.5 for x in relapses)
        med = lambda key: float(np.median([x[key] for x in s]))
        print(f"| {name} | {n} | {cr}/{n} | {mrd28}/{n} | {len(relapses)}/{n} ({neg} CD19-neg) | "
              f"{med('cart_peak_per_ul'):.0f} ({med('cart_peak_day'):.1f}) | "
              f"{float(np.median([blood_at(r, 28) for r in rs])):.1f} | "
              f"{med('final_blast_fraction'):.3g} | {med('il6_peak_pg_per_ml'):.0f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--group-by-scenario", action="store_true")
    args = parser.parse_args()
    try:
        runs = [read_run(p) for p in args.files]
    except (OSError, KeyError) as error:
        print(f"endpoint_table.py: error: {error}", file=sys.stderr)
        return 2
    (grouped_table if args.group_by_scenario else per_run_table)(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
