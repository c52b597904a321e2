#!/usr/bin/python3
"""Tests of analysis/plot_run.py on a small synthetic run file written with h5py after
docs/OUTPUT.md: every PNG is written, is a real PNG and is not blank; missing, foreign and
snapshot-less files are handled as documented.

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
            car_t.create_dataset("state", data=(np.arange(count) % 4).astype(np.uint8))
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


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].endswith(".py"):
        PLOT_RUN = sys.argv.pop(1)
    unittest.main(verbosity=2)
