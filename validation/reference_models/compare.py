#!/usr/bin/python3
"""Benchmark a cartsim run (or an ensemble) against the two reference models.

    /usr/bin/python3 validation/reference_models/compare.py RUN.h5 [--plot FILE.png]
    /usr/bin/python3 validation/reference_models/compare.py ENSEMBLE_DIR [--plot FILE.png]

Prints Cmax, Tmax, AUC0-28 and fold expansion of the blood CAR-T curve for cartsim (median over
the runs of an ensemble), the Stein et al. 2019 population-PK typical patient (popPK.py) and the
León-Triana et al. 2021 mean-field baseline (meanfield.py), and the depth and day of the deepest
leukaemic response. Each model keeps its own units (cartsim cells/uL of blood, Stein transgene
copies/ug DNA, León-Triana whole-body cells), so the comparable quantities are the shapes:
Tmax, fold expansion, AUC0-28 / Cmax (days) and the blast depth relative to day 0. --plot draws
the curves normalised to their peak and to their day-0 burden.
"""

import argparse
import math
import sys
from pathlib import Path

import h5py
import numpy as np

# numpy 2 renamed trapz to trapezoid; Debian 12 ships numpy 1.24.
trapezoid = getattr(np, "trapezoid", None) or np.trapz

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import meanfield  # noqa: E402
import popPK  # noqa: E402


def run_files(path):
    path = Path(path)
    if path.is_dir():
        files = sorted((path / "runs").glob("run_*.h5")) or sorted(path.glob("*.h5"))
        if not files:
            sys.exit(f"compare.py: no run files in '{path}' (expected runs/run_NNNN.h5)")
        return files
    if not path.is_file():
        sys.exit(f"compare.py: '{path}' is neither a run file nor an ensemble directory")
    return [path]


def read_curves(path):
    """time, blood CAR-T /uL, blast fraction (patient scale when the file has it)."""
    with h5py.File(path, "r") as f:
        if "timeseries" not in f or "cart_blood_per_ul" not in f["timeseries"]:
            sys.exit(f"compare.py: '{path}' has no /timeseries/cart_blood_per_ul (not a cartsim run file?)")
        ts = f["timeseries"]
        blasts = "patient_blast_fraction" if "patient_blast_fraction" in ts else "blast_fraction"
        return ts["time_days"][:], ts["cart_blood_per_ul"][:], ts[blasts][:], blasts


def kinetics(t, c, blasts=None):
    t = np.asarray(t, dtype=float)
    c = np.asarray(c, dtype=float)
    i = int(np.argmax(c))
    mask = t <= 28.0
    auc = float(trapezoid(c[mask], t[mask]))
    base = c[0] if c[0] > 0 else math.nan
    out = {"cmax": float(c[i]), "tmax_d": float(t[i]), "auc_0_28": auc,
           "auc_over_cmax_d": auc / c[i] if c[i] > 0 else math.nan,
           "fold_expansion": float(c[i] / base)}
    if blasts is not None:
        blasts = np.asarray(blasts, dtype=float)
        j = int(np.argmin(blasts))
        out["blast_depth"] = float(blasts[j] / blasts[0]) if blasts[0] > 0 else math.nan
        out["blast_depth_day"] = float(t[j])
    return out


def reference_rows(days):
    grid = np.linspace(0.0, days, int(days * 24) + 1)
    stein = kinetics(grid, popPK.closed_form(grid))
    c, l, b = meanfield.simulate(grid)
    leon = kinetics(grid, c, l)
    return grid, stein, (c, l, b), leon


def fmt(x):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3g}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="a cartsim run file or an ensemble directory")
    parser.add_argument("--plot", help="write a PNG of the normalised curves")
    args = parser.parse_args(argv)

    curves = [read_curves(p) for p in run_files(args.path)]
    per_run = [kinetics(t, c, b) for t, c, b, _ in curves]
    cartsim = {key: float(np.nanmedian([r[key] for r in per_run])) for key in per_run[0]}
    # The references run at least 100 days: the mean field's deepest response is near day 60.
    days = max(100.0, max(float(t[-1]) for t, _, _, _ in curves))
    grid, stein, leon_curves, leon = reference_rows(days)

    keys = ["cmax", "tmax_d", "auc_0_28", "auc_over_cmax_d", "fold_expansion", "blast_depth",
            "blast_depth_day"]
    rows = [(f"cartsim ({len(curves)} run{'s' if len(curves) > 1 else ''}, median; cells/uL)", cartsim),
            ("Stein 2019 popPK typical (copies/ug)", stein),
            ("Leon-Triana 2021 mean field (cells)", leon)]
    width = max(len(name) for name, _ in rows)
    print("model".ljust(width), *[k.rjust(15) for k in keys])
    for name, values in rows:
        print(name.ljust(width), *[fmt(values.get(k)).rjust(15) for k in keys])
    print(f"blast_depth: minimum over day 0 of the blast fraction ({curves[0][3]}); "
          "Leon-Triana: leukaemic cells; Stein: no disease compartment")

    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        for i, (t, c, b, _) in enumerate(curves):
            peak = c.max() if c.max() > 0 else 1.0
            ax1.plot(t, c / peak, color="tab:blue", alpha=0.3 if len(curves) > 1 else 1.0,
                     label="cartsim" if i == 0 else None)
            if b[0] > 0:
                ax2.plot(t, np.maximum(b / b[0], 1e-7), color="tab:blue",
                         alpha=0.3 if len(curves) > 1 else 1.0, label="cartsim" if i == 0 else None)
        s = popPK.closed_form(grid)
        ax1.plot(grid, s / s.max(), color="black", label="Stein 2019 popPK (typical)")
        c, l, _ = leon_curves
        ax1.plot(grid, c / c.max(), color="tab:red", label="León-Triana 2021 mean field")
        ax2.plot(grid, np.maximum(l / l[0], 1e-7), color="tab:red", label="León-Triana 2021 mean field")
        ax1.set(yscale="log", xlabel="days after infusion", ylabel="blood CAR-T / own peak",
                ylim=(1e-5, 2))
        ax2.set(yscale="log", xlabel="days after infusion", ylabel="leukaemic burden / day 0",
                ylim=(1e-7, 2))
        ax2.axhline(1e-4, color="grey", linestyle=":", label="MRD 1e-4")
        ax1.legend(fontsize=8)
        ax2.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f"plot: {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
