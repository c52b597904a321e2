#!/usr/bin/python3
"""Tests of analysis/plot_ensemble.py on a small synthetic DIR/summary.h5 written with h5py after
docs/ENSEMBLE.md: every PNG is written, is a real PNG and is not blank; a summary without inputs
skips inputs.png; missing and foreign files exit 2 naming the file.

    /usr/bin/python3 tests/analysis/test_plot_ensemble.py [path/to/plot_ensemble.py]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.image  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PLOT_ENSEMBLE = os.path.join(HERE, "..", "..", "analysis", "plot_ensemble.py")
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
import cartsim_io  # noqa: E402
from cartsim_io import plots  # noqa: E402
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LABELS = "complete,checkpoint,interrupted,failed,missing,unreadable"


def write_summary(path, runs=30, inputs=True):
    """A cohort of `runs` patients: most reach CR and MRD-negativity, a few relapse (some
    CD19-negative), two runs are not complete."""
    rng = np.random.default_rng(3)
    nan = float("nan")
    cr = np.where(rng.uniform(size=runs) < 0.85, rng.uniform(4, 12, runs), nan)
    mrd = np.where(np.isfinite(cr) & (rng.uniform(size=runs) < 0.9), cr + rng.uniform(0, 3, runs),
                   nan)
    relapse = np.where(np.isfinite(cr) & (rng.uniform(size=runs) < 0.2), 20 + 5 * rng.uniform(
        size=runs), nan)
    status = np.zeros(runs, dtype=np.uint8)
    status[-2:] = [2, 4]  # interrupted, missing
    columns = {
        "index": np.arange(runs, dtype=np.uint64),
        "seed": np.arange(runs, dtype=np.uint64) * 7919,
        "status": status,
        "cr": np.isfinite(cr).astype(float),
        "cr_day": cr,
        "mrd_negative": np.isfinite(mrd).astype(float),
        "mrd_negative_day": mrd,
        "relapse": np.isfinite(relapse).astype(float),
        "relapse_day": relapse,
        "relapse_cd19_negative_fraction": np.where(np.isfinite(relapse),
                                                   rng.uniform(0, 1, runs), nan),
        "cart_peak_per_ul": 10 ** rng.uniform(1, 3.5, runs),
        "cart_peak_day": rng.uniform(6, 14, runs),
        "crs_max_grade": rng.integers(0, 5, runs).astype(float),
        "icans_max_grade": rng.integers(0, 5, runs).astype(float),
        "il6_peak_pg_per_ml": rng.uniform(0, 1500, runs),
        "final_blast_fraction": 10 ** rng.uniform(-5, 0, runs),
        "days_simulated": np.full(runs, 28.0),
    }
    keys = []
    if inputs:
        keys = ["initial.blast_fraction", "car_t.dose_cells"]
        columns["initial.blast_fraction"] = rng.uniform(0.05, 0.95, runs)
        columns["car_t.dose_cells"] = 10 ** rng.uniform(7.5, 8.4, runs)
    with h5py.File(path, "w") as f:
        f.attrs["format_version"] = np.int32(1)
        f.attrs["scenario_name"] = "synthetic_cohort"
        f.attrs["input_keys"] = ",".join(keys)
        group = f.create_group("runs")
        group.attrs["status_labels"] = LABELS
        for name, values in columns.items():
            group.create_dataset(name, data=values)
        aggregate = f.create_group("aggregate")
        aggregate.attrs["cr_rate"] = 0.85
        aggregate.attrs["cr_ci95"] = np.array([0.7, 0.93])
        aggregate.attrs["mrd_negative_rate"] = 0.75
        aggregate.attrs["mrd_negative_ci95"] = np.array([0.6, 0.86])


class PlotEnsemble(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="cartsim-plot-ensemble-test-")
        self.environment = dict(os.environ, MPLCONFIGDIR=os.path.join(self.directory, "mpl"))

    def tearDown(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def plot(self, *arguments):
        return subprocess.run([sys.executable, PLOT_ENSEMBLE, *arguments], capture_output=True,
                              text=True, env=self.environment, timeout=240)

    def assert_real_plot(self, path):
        with open(path, "rb") as png:
            self.assertEqual(png.read(8), PNG_SIGNATURE, path)
        pixels = matplotlib.image.imread(path)[..., :3]
        self.assertGreater(pixels.shape[0], 300, path)
        self.assertGreater(pixels.shape[1], 500, path)
        self.assertGreater(float(pixels.var()), 0.002, f"{path} looks blank")
        return pixels

    def test_writes_swimmer_endpoints_and_inputs_from_the_directory(self):
        ensemble = os.path.join(self.directory, "ensemble")
        os.makedirs(ensemble)
        write_summary(os.path.join(ensemble, "summary.h5"))
        output = os.path.join(self.directory, "plots", "nested")
        result = self.plot(ensemble, "-o", output)
        self.assertEqual(result.returncode, 0, result.stderr)
        expected = [os.path.join(output, name)
                    for name in ("swimmer.png", "endpoints.png", "inputs.png")]
        self.assertEqual(result.stdout.split(), expected)
        for path in expected:
            self.assert_real_plot(path)
        # The swimmer plot draws coloured markers (CR green, relapse red) on the bars.
        pixels = self.assert_real_plot(expected[0])
        # Okabe-Ito: CR bluish green #009E73, CD19-negative relapse dark red.
        red = (pixels[..., 0] > 0.45) & (pixels[..., 1] < 0.25) & (pixels[..., 2] < 0.25)
        green = (pixels[..., 1] > 0.5) & (pixels[..., 0] < 0.2) & (pixels[..., 2] < 0.55)
        self.assertGreater(int(red.sum()), 20, "no relapse markers")
        self.assertGreater(int(green.sum()), 100, "no CR markers")

    def test_a_summary_without_inputs_skips_inputs_png(self):
        summary = os.path.join(self.directory, "summary.h5")
        write_summary(summary, runs=5, inputs=False)
        output = os.path.join(self.directory, "plots")
        result = self.plot(summary, "-o", output)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(result.stdout.split()), 2)
        self.assertFalse(os.path.exists(os.path.join(output, "inputs.png")))

    def test_missing_or_foreign_file_exits_2_naming_it(self):
        missing = os.path.join(self.directory, "missing.h5")
        foreign = os.path.join(self.directory, "foreign.h5")
        with h5py.File(foreign, "w") as other:
            other.create_dataset("data", data=np.arange(3))
        output = os.path.join(self.directory, "plots")
        for path, reason in [(missing, "no such file"), (foreign, "not a cartsim ensemble")]:
            result = self.plot(path, "-o", output)
            self.assertEqual(result.returncode, 2, path)
            self.assertIn(path, result.stderr)
            self.assertIn(reason, result.stderr)
        self.assertFalse(os.path.exists(output))


class FigureContent(unittest.TestCase):
    """The ensemble figures as objects: legends, labels, canvas."""

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="cartsim-ensemble-figures-test-")
        write_summary(os.path.join(cls.directory, "summary.h5"))
        cls.ensemble = cartsim_io.load_ensemble(os.path.join(cls.directory, "summary.h5"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, ignore_errors=True)

    def figure(self, draw):
        figure = draw(self.ensemble)
        self.addCleanup(matplotlib.pyplot.close, figure)
        self.assertEqual(plots.artists_outside_canvas(figure), [])
        return figure

    def test_swimmer_legend_has_every_marker_kind(self):
        labels = plots.legend_labels(self.figure(plots.swimmer_figure))
        for label in ("CR (< 5% blasts)", "MRD-negative (< 1e-4)", "relapse (CD19-positive)",
                      "relapse (CD19-negative)", "run not complete"):
            self.assertIn(label, labels)

    def test_endpoints_mark_grades_as_model_derived_and_give_rates(self):
        figure = self.figure(plots.endpoints_figure)
        self.assertIn("maximum grade\n(ASTCT, model-derived)",
                      [axis.get_xlabel() for axis in figure.axes])
        self.assertIn("CR 85% (95% CI 70-93%)", figure._suptitle.get_text())
        self.assertIn("blood CAR-T peak (cells/uL)", [axis.get_xlabel() for axis in figure.axes])

    def test_inputs_figure_has_one_panel_per_input(self):
        figure = self.figure(plots.inputs_figure)
        self.assertEqual([axis.get_xlabel() for axis in figure.axes if axis.axison],
                         ["initial.blast_fraction", "car_t.dose_cells"])

    def test_a_canvas_check_finds_a_clipped_legend(self):
        figure, axis = matplotlib.pyplot.subplots(figsize=(4, 3))
        self.addCleanup(matplotlib.pyplot.close, figure)
        axis.plot([0, 1], label="a line")
        axis.legend(loc="upper left", bbox_to_anchor=(1.2, 1))  # off the right edge
        outside = plots.artists_outside_canvas(figure)
        self.assertTrue(any(text.startswith("legend of") for text in outside), outside)
        figure, axis = matplotlib.pyplot.subplots(figsize=(4, 2), layout="constrained")
        self.addCleanup(matplotlib.pyplot.close, figure)
        axis.set_ylabel("a y label far longer than the axes are high, so it leaves the canvas")
        outside = plots.artists_outside_canvas(figure)
        self.assertTrue(any(text.startswith("y axis of") for text in outside), outside)

    def test_a_swimmer_plot_of_five_runs_fits_its_canvas(self):
        summary = os.path.join(self.directory, "five.h5")
        write_summary(summary, runs=5)
        figure = plots.swimmer_figure(cartsim_io.load_ensemble(summary))
        self.addCleanup(matplotlib.pyplot.close, figure)
        self.assertEqual(plots.artists_outside_canvas(figure), [])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].endswith(".py"):
        PLOT_ENSEMBLE = sys.argv.pop(1)
    unittest.main()
