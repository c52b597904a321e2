#!/usr/bin/python3
"""Tests of analysis/plot_run.py on a small synthetic run file written with h5py after
docs/OUTPUT.md: every PNG is written, is a real PNG and is not blank; missing, foreign and
snapshot-less files are handled as documented. The figures (cartsim_io.plots) are checked for
what a reader needs: every legend entry (every CAR-T state, grades marked model-derived), nothing
outside the canvas, the zero-blast annotation, clinical axis labels, the default snapshot at the
CAR-T peak and rare CAR-T states drawn larger.

    /usr/bin/python3 tests/analysis/test_plot_run.py [path/to/plot_run.py]
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
PLOT_RUN = os.path.join(HERE, "..", "..", "analysis", "plot_run.py")
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
import cartsim_io  # noqa: E402
from cartsim_io import plots  # noqa: E402
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PLOTS = ["blast_fraction.png", "cart_states.png", "cytokines.png", "snapshot_slice.png"]
NX, NY, NZ, SITE_EDGE_UM = 24, 18, 5, 20.0


def write_run_file(path, snapshot_days=(0.0, 14.0)):
    """A 28-day run: blasts fall from 0.4 to 0 (CR on day 7), CAR-T expand and contract, CRS
    grade 2 for a few days; snapshots on a 24 x 18 x 5 lattice."""
    rng = np.random.default_rng(7)
    days = np.arange(0, 28.25, 0.25)
    with h5py.File(path, "w") as run:
        run.attrs["format_version"] = np.int32(2)
        run.attrs["cartsim_version"] = "0.1.0-test"
        run.attrs["git_commit"] = "0123456789ab"
        run.attrs["seed"] = np.uint64(42)
        run.attrs["created_utc"] = "2025-01-02T03:04:05Z"
        run.attrs["run_status"] = "complete"
        run.create_group("config").attrs["scenario_toml"] = (
            '[scenario]\nname = "synthetic"\n\n[readouts]\ncr_blast_fraction = 0.05\n'
            "mrd_blast_fraction = 0.0001\n")
        blast_fraction = 0.4 * np.exp(-days / 1.5)
        blast_fraction[days > 20] = 0.0
        cart = 2000 * (days / 9) ** 2 * np.exp(-2 * (days / 9 - 1))
        series = {
            "time_days": days,
            "blast_fraction": blast_fraction,
            "cart_blood_per_ul": cart * 0.5,
            "cart_resting": cart * 0.3,
            "cart_effector": cart * 0.4,
            "cart_memory": cart * 0.2,
            "cart_exhausted": cart * 0.1 * (days / 28),
            "il6_pg_per_ml": 5 + 1500 * np.exp(-((days - 4) / 2) ** 2),
            "ifng_pg_per_ml": 2 + 300 * np.exp(-((days - 3.5) / 2) ** 2),
            "crs_grade": np.where((days > 2) & (days < 6), 2.0, 0.0),
            "icans_grade": np.where((days > 4) & (days < 7), 1.0, 0.0),
            "il1_pg_per_ml": 1 + 20 * np.exp(-((days - 4) / 2) ** 2),
            "tocilizumab_doses": np.where(days >= 3, 1.0, 0.0),
            "dexamethasone_mg": np.where(days >= 5, 10.0, 0.0),
        }
        timeseries = run.create_group("timeseries")
        for name, values in series.items():
            timeseries.create_dataset(name, data=values, maxshape=(None,), chunks=(1024,))
        summary = run.create_group("summary")
        summary.attrs["cr_day"] = 7.0
        summary.attrs["mrd_negative_day"] = float("nan")
        summary.attrs["scenario_name"] = "synthetic"
        if snapshot_days is None:
            return
        snapshots = run.create_group("snapshots")
        snapshots.attrs["count"] = np.uint64(len(snapshot_days))
        snapshots.attrs["site_edge_um"] = SITE_EDGE_UM
        snapshots.attrs["lattice_shape"] = np.array([NX, NY, NZ], dtype=np.int32)
        sites = NX * NY * NZ
        for ordinal, day in enumerate(snapshot_days):
            snapshot = snapshots.create_group(f"{ordinal:06d}")
            snapshot.attrs["step"] = np.uint64(int(day * 288))
            snapshot.attrs["time_days"] = float(day)
            occupied = np.sort(rng.choice(sites, size=int(sites * 0.8), replace=False))
            i, j, k = occupied % NX, occupied // NX % NY, occupied // (NX * NY)
            tissue = snapshot.create_group("tissue")
            tissue.attrs["count"] = np.uint64(occupied.size)
            tissue.attrs["state_labels"] = "0=blast,1=normal B cell,2=marrow cell"
            for axis, index in (("x", i), ("y", j), ("z", k)):
                tissue.create_dataset(axis, data=((index + 0.5) * SITE_EDGE_UM).astype(np.float32))
            tissue.create_dataset("id", data=np.arange(occupied.size, dtype=np.uint64) + (1 << 56))
            state = rng.choice([0, 1, 2], size=occupied.size, p=[0.4, 0.2, 0.4]).astype(np.uint8)
            tissue.create_dataset("state", data=state)
            tissue.create_dataset("flags", data=np.zeros(occupied.size, dtype=np.uint8))
            cd19 = np.where(state == 0, rng.uniform(0, 20000, occupied.size), 0).astype(np.float32)
            tissue.create_dataset("cd19", data=cd19)
            tissue.create_dataset("cd22", data=np.full(occupied.size, 3000, dtype=np.float32))
            car_t = snapshot.create_group("car_t")
            count = 0 if ordinal == 0 else 60  # no CAR-T in marrow at infusion
            positions = rng.choice(sites, size=count, replace=False)
            ci, cj, ck = positions % NX, positions // NX % NY, positions // (NX * NY)
            car_t.attrs["count"] = np.uint64(count)
            car_t.attrs["state_labels"] = "0=resting,1=effector,2=memory,3=exhausted"
            for axis, index in (("x", ci), ("y", cj), ("z", ck)):
                car_t.create_dataset(axis, data=((index + 0.5) * SITE_EDGE_UM).astype(np.float32))
            car_t.create_dataset("id", data=np.arange(count, dtype=np.uint64) + (2 << 56))
            # Mostly effectors; one exhausted cell: a rare state that must stay visible.
            states = np.where(np.arange(count) % 3 == 0, 0, 1)
            states[-1:] = 3
            car_t.create_dataset("state", data=states.astype(np.uint8))
            car_t.create_dataset("engaged", data=np.zeros(count, dtype=np.uint8))
            car_t.create_dataset("kills", data=np.zeros(count, dtype=np.uint16))
            car_t.create_dataset("exhaustion", data=np.zeros(count, dtype=np.float32))
            car_t.create_dataset("car_level", data=np.ones(count, dtype=np.float32))
            fields = snapshot.create_group("fields")
            fields.attrs["cell_edge_um"] = 2 * SITE_EDGE_UM
            fields.attrs["cell_depth_um"] = 2 * SITE_EDGE_UM
            fields.attrs["coarsening"] = np.int32(2)
            for name in ("ifng", "il6"):
                fields.create_dataset(name, data=rng.uniform(0, 100, (3, 9, 12)).astype(np.float32))


class PlotRun(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="cartsim-plot-run-test-")
        self.environment = dict(os.environ, MPLCONFIGDIR=os.path.join(self.directory, "mpl"))

    def tearDown(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def plot(self, *arguments):
        return subprocess.run([sys.executable, PLOT_RUN, *arguments], capture_output=True,
                              text=True, env=self.environment, timeout=240)

    def assert_real_plot(self, path):
        with open(path, "rb") as png:
            self.assertEqual(png.read(8), PNG_SIGNATURE, path)
        self.assertGreater(os.path.getsize(path), 10_000, path)
        pixels = matplotlib.image.imread(path)[..., :3]
        self.assertGreater(pixels.shape[0], 300, path)
        self.assertGreater(pixels.shape[1], 500, path)
        self.assertGreater(float(pixels.var()), 0.002, f"{path} looks blank")
        return pixels

    def test_writes_the_four_plots_and_prints_their_paths(self):
        run_file = os.path.join(self.directory, "run.h5")
        write_run_file(run_file)
        output = os.path.join(self.directory, "plots", "nested")  # created by the script
        result = self.plot(run_file, "-o", output)
        self.assertEqual(result.returncode, 0, result.stderr)
        expected = [os.path.join(output, name) for name in PLOTS]
        self.assertEqual(result.stdout.split(), expected)
        for path in expected:
            self.assert_real_plot(path)
        # The slice shows the CD19 colour map (many distinct colours), not only greys.
        pixels = self.assert_real_plot(os.path.join(output, "snapshot_slice.png"))
        colours = np.unique((pixels.reshape(-1, 3) * 255).round().astype(np.uint8), axis=0)
        self.assertGreater(len(colours), 50)
        chroma = pixels.max(axis=2) - pixels.min(axis=2)
        self.assertGreater(int((chroma > 0.2).sum()), 2000, "no coloured blasts drawn")

    def test_snapshot_option_chooses_the_snapshot_and_rejects_a_missing_one(self):
        run_file = os.path.join(self.directory, "run.h5")
        write_run_file(run_file)
        first = os.path.join(self.directory, "first")
        result = self.plot(run_file, "-o", first, "--snapshot", "0")
        self.assertEqual(result.returncode, 0, result.stderr)
        last = os.path.join(self.directory, "last")
        self.assertEqual(self.plot(run_file, "-o", last).returncode, 0)
        with open(os.path.join(first, "snapshot_slice.png"), "rb") as a, \
                open(os.path.join(last, "snapshot_slice.png"), "rb") as b:
            self.assertNotEqual(a.read(), b.read())  # day 0 and day 14 differ
        result = self.plot(run_file, "-o", first, "--snapshot", "9")
        self.assertEqual(result.returncode, 2)
        self.assertIn("no snapshot 9", result.stderr)

    def test_a_file_without_snapshots_skips_the_slice(self):
        run_file = os.path.join(self.directory, "run.h5")
        write_run_file(run_file, snapshot_days=None)
        output = os.path.join(self.directory, "plots")
        result = self.plot(run_file, "-o", output)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("skipping snapshot_slice.png", result.stderr)
        self.assertEqual(result.stdout.split(), [os.path.join(output, name) for name in PLOTS[:3]])
        self.assertFalse(os.path.exists(os.path.join(output, "snapshot_slice.png")))

    def test_a_partial_file_is_plotted(self):
        run_file = os.path.join(self.directory, "run.h5.partial")
        write_run_file(run_file)
        result = self.plot(run_file, "-o", os.path.join(self.directory, "plots"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(result.stdout.split()), 4)

    def test_missing_or_foreign_file_exits_2_with_a_message_naming_it(self):
        missing = os.path.join(self.directory, "missing.h5")
        text = os.path.join(self.directory, "notes.h5")
        with open(text, "w") as notes:
            notes.write("not HDF5\n")
        foreign = os.path.join(self.directory, "foreign.h5")
        with h5py.File(foreign, "w") as other:
            other.create_dataset("data", data=np.arange(3))
        output = os.path.join(self.directory, "plots")
        for path, reason in [(missing, "no such file"), (text, "not an HDF5 file"),
                             (foreign, "not a cartsim run file")]:
            result = self.plot(path, "-o", output)
            self.assertEqual(result.returncode, 2, path)
            self.assertIn(path, result.stderr)
            self.assertIn(reason, result.stderr)
            self.assertEqual(result.stdout, "")
        self.assertFalse(os.path.exists(output))


class FigureContent(unittest.TestCase):
    """The figures as objects: legends, labels, annotation, canvas."""

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="cartsim-figures-test-")
        cls.path = os.path.join(cls.directory, "run.h5")
        write_run_file(cls.path)
        cls.demo = cartsim_io.load_run(cls.path)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, ignore_errors=True)

    def figure(self, draw, *arguments):
        figure = draw(self.demo, *arguments)
        self.addCleanup(matplotlib.pyplot.close, figure)
        self.assertEqual(plots.artists_outside_canvas(figure), [])
        return figure

    def x_labels(self, figure):
        return {axis.get_xlabel() for axis in figure.axes if axis.get_xlabel()}

    def test_blast_figure_annotates_zero_blasts_instead_of_stopping(self):
        figure = self.figure(plots.blast_response_figure)
        texts = [text.get_text() for axis in figure.axes for text in axis.texts]
        # blast_fraction is 0 from day 20.25 (the first row after day 20) to the end.
        self.assertIn("blasts undetectable from day 20.25", texts)
        labels = plots.legend_labels(figure)
        self.assertIn("no blasts (0: drawn on the axis floor)", labels)
        self.assertIn("CR on day 7", labels)
        self.assertIn("CAR-T cells in blood", labels)
        self.assertEqual(self.x_labels(figure), {"days after infusion"})
        self.assertIn("CAR-T cells in blood (cells/uL)",
                      [axis.get_ylabel() for axis in figure.axes])

    def test_zero_stretches_end_where_blasts_return(self):
        days = np.arange(6.0)
        self.assertEqual(plots.zero_stretches(days, np.array([0, 1, 0, 0, 2, 0.0])),
                         [(2.0, 4.0), (5.0, None)])
        self.assertEqual(plots.zero_stretches(days, np.ones(6)), [])

    def test_cart_states_figure_names_every_state_even_a_rare_or_absent_one(self):
        figure = self.figure(plots.cart_states_figure)
        labels = plots.legend_labels(figure)
        for state in ("resting", "effector", "memory", "exhausted"):
            self.assertTrue(any(label.startswith(f"{state} (peak ") for label in labels),
                            f"{state} missing from {labels}")
        lines = [line for axis in figure.axes for line in axis.get_lines()
                 if line.get_label().split(" ")[0] in ("resting", "effector", "memory",
                                                        "exhausted")]
        styles = {(line.get_color(), line.get_linestyle(), line.get_marker()) for line in lines}
        self.assertEqual(len(lines), 4)
        self.assertEqual(len({style[0] for style in styles}), 4, "colours must differ")
        self.assertEqual(len({style[1] for style in styles}), 4, "line styles must differ")
        self.assertEqual(self.x_labels(figure), {"days after infusion"})
        figure.canvas.draw()
        ticks = [label.get_text() for label in figure.axes[1].get_yticklabels()]
        self.assertTrue(ticks and all(len(tick) <= 10 and tick.endswith("%") for tick in ticks
                                      if tick), ticks)
        from cartsim_io.plots.run_plots import percent_text
        self.assertEqual([percent_text(v) for v in (100, 0.09999999999999999, 1e-5)],
                         ["100%", "0.1%", "0.00001%"])
        series = dict(self.demo.timeseries)
        series["cart_memory"] = np.zeros_like(series["cart_memory"])
        without_memory = cartsim_io.TimeSeries(series, self.demo.timeseries.units)
        demo = cartsim_io.Run(**{**vars(self.demo), "timeseries": without_memory})
        figure = plots.cart_states_figure(demo)
        self.addCleanup(matplotlib.pyplot.close, figure)
        self.assertIn("memory (none)", plots.legend_labels(figure))

    def test_cytokine_figure_marks_grades_as_model_derived(self):
        figure = self.figure(plots.cytokines_figure)
        labels = plots.legend_labels(figure)
        for label in ("serum IL-6", "serum IFN-gamma", "serum IL-1", "tocilizumab dose",
                      "dexamethasone dose", "CRS grade (ASTCT, model-derived)",
                      "ICANS grade (ASTCT, model-derived)"):
            self.assertIn(label, labels)
        self.assertEqual(self.x_labels(figure), {"days after infusion"})

    def test_snapshot_default_is_the_cart_peak_and_rare_states_are_drawn_larger(self):
        self.assertEqual(self.demo.snapshot_near_cart_peak().ordinal, 1)  # day 14: 60 CAR-T
        snapshot = self.demo.snapshot(1)
        figure = self.figure(plots.snapshot_figure, snapshot)
        labels = plots.legend_labels(figure)
        for state in ("resting", "effector", "memory", "exhausted"):
            self.assertTrue(any(label.startswith(f"CAR-T {state}: ") for label in labels),
                            f"{state} missing from {labels}")
        self.assertIn("day 14 after infusion", figure.axes[0].get_title())
        sizes = {collection.get_label().split(":")[0]: collection.get_sizes()[0]
                 for collection in figure.axes[0].collections if collection.get_label()
                 .startswith("CAR-T") and len(collection.get_offsets())}
        self.assertGreaterEqual(sizes["CAR-T exhausted"], sizes["CAR-T effector"])
        # Thousands of cells get small markers, a handful large ones, never below 3 pt.
        from cartsim_io.plots.snapshot_plot import car_t_marker_size
        self.assertEqual(car_t_marker_size(6.0, 2), 9.0 ** 2)
        self.assertLess(car_t_marker_size(6.0, 2000), car_t_marker_size(6.0, 200))
        self.assertEqual(car_t_marker_size(6.0, 10 ** 6), 3.0 ** 2)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].endswith(".py"):
        PLOT_RUN = sys.argv.pop(1)
    unittest.main(verbosity=2)
