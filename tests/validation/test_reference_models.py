"""Tests of validation/reference_models: properties that follow from the published equations and
would fail if an equation, a parameter or the integration were wrong."""

import math
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str((Path(sys.argv.pop(1) if len(sys.argv) > 1 else "validation") / "reference_models").resolve()))

import numpy as np  # noqa: E402

# numpy 2 renamed trapz to trapezoid; Debian 12 ships numpy 1.24.
trapezoid = getattr(np, "trapezoid", None) or np.trapz

import meanfield  # noqa: E402
import popPK  # noqa: E402


class SteinPopulationPK(unittest.TestCase):
    p = popPK.TYPICAL

    def test_peaks_at_tmax_with_cmax(self):
        grid = np.union1d(np.linspace(0, 84, 8401), [self.p.tmax])
        c = popPK.closed_form(grid)
        self.assertAlmostEqual(grid[int(np.argmax(c))], self.p.tmax)
        self.assertAlmostEqual(c.max() / self.p.cmax, 1.0, places=9)
        # continuous at the switch from expansion to contraction
        self.assertAlmostEqual(float(popPK.closed_form(self.p.tmax - 1e-9)) / self.p.cmax, 1.0, places=6)

    def test_trapezoid_auc_equals_closed_form(self):
        for until in (7.0, 28.0, 84.0):
            grid = np.union1d(np.linspace(0, until, int(until * 200) + 1), [self.p.tmax])
            grid = grid[grid <= until]
            auc_trapezoid = trapezoid(popPK.closed_form(grid), grid)
            self.assertLess(abs(auc_trapezoid / popPK.auc_closed_form(until, self.p) - 1), 1e-3, until)

    def test_ode_integration_matches_closed_form(self):
        grid = np.linspace(0, 365, 731)
        e, m = popPK.simulate(grid)
        self.assertLess(np.max(np.abs(e + m - popPK.closed_form(grid)) / popPK.closed_form(grid)), 1e-6)
        self.assertTrue(np.all(m[grid < self.p.tmax] == 0))

    def test_published_derived_quantities(self):
        # Stein 2019 Discussion: doubling 0.78 d, contraction half-life 4.3 d, terminal ~220 d.
        self.assertAlmostEqual(math.log(2) / self.p.rho, 0.78, places=2)
        self.assertAlmostEqual(math.log(2) / self.p.alpha, 4.3, delta=0.05)
        self.assertAlmostEqual(math.log(2) / self.p.beta, 220, delta=5)
        self.assertAlmostEqual(popPK.closed_form(0.0) * self.p.foldx / self.p.cmax, 1.0)

    def test_population_is_reproducible_and_varies(self):
        a = popPK.sample_population(50, seed=1)
        self.assertEqual(a, popPK.sample_population(50, seed=1))
        tmax = np.array([p.tmax for p in a])
        self.assertGreater(tmax.std(), 1.0)
        self.assertTrue(all(p.beta <= p.alpha and p.foldx > 1 for p in a))


class LeonTrianaMeanField(unittest.TestCase):
    grid = np.linspace(0, 100, 2001)

    def test_conserved_quantity_without_turnover(self):
        p = meanfield.no_turnover()
        c, l, b = meanfield.simulate(self.grid, p)
        q = meanfield.conserved_quantity(c, l, b, p)
        self.assertLess(np.max(np.abs(q / q[0] - 1)), 1e-7)

    def test_baseline_expansion_is_bounded_by_the_conserved_quantity(self):
        c, l, b = meanfield.simulate(self.grid)
        bound = meanfield.conserved_quantity(c[0], l[0], b[0])
        self.assertLess(c.max(), bound)
        self.assertGreater(c.max(), 0.5 * bound)  # most of the targets are converted into CAR-T cells
        self.assertGreater(c.max() / c[0], 1000)

    def test_baseline_deep_response_then_cd19_positive_regrowth(self):
        c, l, b = meanfield.simulate(self.grid)
        r = meanfield.readouts(self.grid, c, l, b)
        self.assertLess(r["leukaemic_fraction_of_initial_min"], 1e-4)
        self.assertGreater(l[-1], 1.5 * l.min())   # predator-prey relapse within 100 days
        self.assertGreater(r["cart_peak_day"], 7)
        self.assertLess(r["cart_peak_day"], 20)
        self.assertTrue(np.all(np.diff(b) <= 0))    # no B-cell production in equations (4)

    def test_without_car_t_leukaemia_grows_and_b_cells_decay_exactly(self):
        from dataclasses import replace
        p = replace(meanfield.BASELINE, c0=0.0)
        c, l, b = meanfield.simulate(self.grid, p)
        np.testing.assert_allclose(l, p.l0 * np.exp(p.rho_l * self.grid), rtol=1e-6)
        np.testing.assert_allclose(b, p.b0 * np.exp(-self.grid / p.tau_b), rtol=1e-6)


class CompareScript(unittest.TestCase):
    def test_reads_a_run_file_prints_all_three_and_plots(self):
        import contextlib
        import io
        import tempfile

        import h5py

        import compare
        with tempfile.TemporaryDirectory() as tmp:
            run = Path(tmp) / "run.h5"
            t = np.arange(0, 28.25, 0.25)
            with h5py.File(run, "w") as f:
                f["timeseries/time_days"] = t
                f["timeseries/cart_blood_per_ul"] = 10.0 * np.exp(0.5 * np.minimum(t, 10) - 0.2 * np.maximum(t - 10, 0))
                f["timeseries/blast_fraction"] = 0.5 * np.exp(-0.5 * t)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                compare.main([str(run), "--plot", str(Path(tmp) / "cmp.png")])
            text = out.getvalue()
            self.assertIn("Stein 2019", text)
            self.assertIn("Leon-Triana 2021", text)
            cartsim_line = next(line for line in text.splitlines() if line.startswith("cartsim"))
            self.assertIn(" 10 ", cartsim_line)       # Tmax of the synthetic curve
            self.assertIn(" 148 ", cartsim_line)      # fold expansion exp(5)
            self.assertGreater((Path(tmp) / "cmp.png").stat().st_size, 10000)


if __name__ == "__main__":
    unittest.main()
