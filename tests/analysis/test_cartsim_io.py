#!/usr/bin/python3
"""Tests of the cartsim_io package (python/) on real files made by the cartsim binary: a small
run and a 3-run dose sweep; damaged, partial and foreign files are refused naming the file and
the member at fault.

    /usr/bin/python3 tests/analysis/test_cartsim_io.py [path/to/cartsim]
"""
import os
import shutil
import sys
import tempfile
import unittest

import h5py
import numpy as np

from demo_files import REPO, cartsim_binary, make_dose_sweep, make_run

sys.path.insert(0, os.path.join(REPO, "python"))
import cartsim_io  # noqa: E402
from cartsim_io import CartsimFileError  # noqa: E402

CARTSIM = None


class RealRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="cartsim-io-test-")
        cls.path = make_run(CARTSIM, os.path.join(cls.directory, "demo.h5"))
        cls.demo = cartsim_io.load_run(cls.path)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, ignore_errors=True)

    def test_metadata_and_status(self):
        self.assertEqual(self.demo.status, "complete")
        self.assertTrue(self.demo.complete)
        self.assertEqual(self.demo.metadata["format_version"], 2)
        self.assertEqual(self.demo.seed, 1)
        self.assertRegex(self.demo.version, r"^\d+\.\d+")
        self.assertTrue(self.demo.commit)
        self.assertEqual(self.demo.name, "demo_2d")

    def test_timeseries_has_units_and_33_rows_over_8_days(self):
        series = self.demo.timeseries
        self.assertEqual(list(series)[0], "time_days")
        self.assertEqual(series.rows, 33)  # every 6 h from day 0 to day 8
        self.assertAlmostEqual(float(series.days[-1]), 8.0)
        self.assertEqual(series.units["time_days"], "day")
        self.assertEqual(series.units["cart_blood_per_ul"], "cells/uL")
        self.assertEqual(series.units["il6_pg_per_ml"], "pg/mL")
        self.assertTrue(all(len(values) == 33 for values in series.values()))
        self.assertAlmostEqual(series.at_day("time_days", 4.1), 4.0)
        with self.assertRaisesRegex(KeyError, "no time-series column 'nonsense'"):
            series["nonsense"]

    def test_summary_and_resolved_scenario(self):
        self.assertEqual(self.demo.summary["days_simulated"], 8.0)
        self.assertGreater(self.demo.summary["cart_peak_per_ul"], 0)
        self.assertIsNone(self.demo.endpoint("relapse_day"))  # NaN: never
        self.assertEqual(self.demo.summary_text["scenario_name"], "demo_2d")
        self.assertIn("[space]", self.demo.scenario_toml)
        self.assertEqual(self.demo.scenario["space"]["nx"], 80)
        self.assertEqual(self.demo.parameter("car_t.dose_cells"), 1e9)
        self.assertEqual(self.demo.parameter("time.days"), 8.0)
        self.assertIsNone(self.demo.parameter("no.such_key"))

    def test_snapshots_decode_states_from_the_files_labels(self):
        self.assertEqual([s.time_days for s in self.demo.snapshots], [0.0, 2.0, 4.0, 6.0, 8.0])
        self.assertEqual(self.demo.lattice_shape, (80, 80, 1))
        peak = self.demo.snapshot_near_cart_peak()
        self.assertEqual(peak.car_t_count, max(s.car_t_count for s in self.demo.snapshots))
        self.assertGreater(peak.car_t_count, 0)
        snapshot = self.demo.snapshot(peak.ordinal)
        with h5py.File(self.path, "r") as f:
            group = f[f"snapshots/{peak.group_name}"]
            raw_tissue = group["tissue/state"][:]
            raw_car_t = group["car_t/state"][:]
        self.assertEqual(len(snapshot.car_t), peak.car_t_count)
        counts = snapshot.tissue.count_by_state()
        self.assertEqual(set(counts), {"blast", "normal B cell", "marrow cell"})
        self.assertEqual(counts["blast"], int((raw_tissue == 0).sum()))
        self.assertEqual(counts["marrow cell"], int((raw_tissue == 2).sum()))
        car_t = snapshot.car_t.count_by_state()
        self.assertEqual(set(car_t), {"resting", "effector", "memory", "exhausted"})
        self.assertEqual(car_t["effector"], int((raw_car_t == 1).sum()))
        self.assertEqual(snapshot.tissue.has_flag("CD19 epitope lost").dtype, bool)
        self.assertEqual(snapshot.fields["il6"].ndim, 3)
        self.assertEqual(self.demo.snapshot(day=3.2).time_days, 4.0)
        self.assertEqual(self.demo.snapshot().time_days, 8.0)
        with self.assertRaisesRegex(CartsimFileError, "has no snapshot 9"):
            self.demo.snapshot(9)


    def test_every_figure_of_the_real_run_fits_its_canvas(self):
        import matplotlib
        matplotlib.use("Agg")
        from cartsim_io import plots
        snapshot = self.demo.snapshot(self.demo.snapshot_near_cart_peak().ordinal)
        for figure in (plots.blast_response_figure(self.demo),
                       plots.cart_states_figure(self.demo), plots.cytokines_figure(self.demo),
                       plots.snapshot_figure(self.demo, snapshot)):
            self.assertEqual(plots.artists_outside_canvas(figure), [])
            matplotlib.pyplot.close(figure)


class RefusedFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="cartsim-io-refused-")
        cls.good = make_run(CARTSIM, os.path.join(cls.directory, "good.h5"), days=2)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, ignore_errors=True)

    def copy(self, name):
        path = os.path.join(self.directory, name)
        shutil.copyfile(self.good, path)
        return path

    def assert_refused(self, path, *fragments):
        with self.assertRaises(CartsimFileError) as caught:
            cartsim_io.load_run(path)
        message = str(caught.exception)
        self.assertIn(path, message)
        for fragment in fragments:
            self.assertIn(fragment, message)
        return caught.exception

    def test_a_partial_without_run_status_is_refused_unless_allowed(self):
        path = self.copy("run.h5.partial")
        with h5py.File(path, "r+") as f:  # what a running cartsim has written so far
            del f.attrs["run_status"]
            del f["summary"]
        error = self.assert_refused(path, "not a finished run file", "run_status")
        self.assertEqual(error.member, "/@run_status")
        partial = cartsim_io.load_run(path, allow_partial=True)
        self.assertEqual(partial.status, "partial")
        self.assertEqual(partial.summary, {})
        self.assertGreater(partial.timeseries.rows, 0)

    def test_a_checkpointed_file_is_read_with_its_status(self):
        path = self.copy("checkpoint.h5")
        with h5py.File(path, "r+") as f:
            f.attrs["run_status"] = "interrupted"
        self.assertEqual(cartsim_io.load_run(path).status, "interrupted")
        with h5py.File(path, "r+") as f:
            f.attrs["run_status"] = "half-done"
        self.assert_refused(path, "run_status 'half-done'")

    def test_missing_directory_text_and_foreign_files(self):
        self.assert_refused(os.path.join(self.directory, "absent.h5"), "no such file")
        self.assert_refused(self.directory, "is a directory")
        text = os.path.join(self.directory, "notes.h5")
        with open(text, "w") as notes:
            notes.write("not HDF5\n")
        self.assert_refused(text, "not an HDF5 file")
        foreign = os.path.join(self.directory, "foreign.h5")
        with h5py.File(foreign, "w") as f:
            f.create_dataset("data", data=np.arange(3))
        self.assert_refused(foreign, "not a cartsim run file", "format_version")

    def test_a_truncated_file_is_refused(self):
        path = self.copy("truncated.h5")
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) // 2)
        with self.assertRaises(CartsimFileError) as caught:
            cartsim_io.load_run(path)
        self.assertIn(path, str(caught.exception))

    def test_damaged_groups_are_named(self):
        path = self.copy("no_config.h5")
        with h5py.File(path, "r+") as f:
            del f["config"]
        self.assertEqual(self.assert_refused(path, "'/config'").member, "/config")
        path = self.copy("ragged.h5")
        with h5py.File(path, "r+") as f:
            f["timeseries/il6_pg_per_ml"].resize((3,))
        self.assert_refused(path, "/timeseries/il6_pg_per_ml", "differ in length")
        path = self.copy("bad_state.h5")
        with h5py.File(path, "r+") as f:
            f["snapshots/000000/tissue/state"][0] = 9
        run = cartsim_io.load_run(path)  # snapshots are read on demand
        with self.assertRaisesRegex(CartsimFileError, r"tissue/state' holds codes \[9\]"):
            run.snapshot(0)
        path = self.copy("future.h5")
        with h5py.File(path, "r+") as f:
            f.attrs["format_version"] = np.int32(99)
        self.assert_refused(path, "format_version 99")


class RealEnsemble(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="cartsim-io-ensemble-")
        cls.ensemble_dir = make_dose_sweep(CARTSIM, os.path.join(cls.directory, "sweep"))
        cls.ensemble = cartsim_io.load_ensemble(cls.ensemble_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, ignore_errors=True)

    def test_runs_table_inputs_endpoints_and_aggregate(self):
        ensemble = self.ensemble
        self.assertEqual(len(ensemble), 3)
        self.assertEqual(ensemble.input_keys, ["car_t.dose_cells"])
        np.testing.assert_allclose(ensemble.table["car_t.dose_cells"], [1e8, 10 ** 8.5, 1e9])
        self.assertEqual(list(ensemble.status), ["complete"] * 3)
        self.assertEqual(ensemble.endpoint_names[:2], ["cr", "cr_day"])
        self.assertEqual(ensemble.endpoint_names[-1], "days_simulated")
        np.testing.assert_array_equal(ensemble.column("days_simulated"), [6, 6, 6])
        self.assertEqual(ensemble.aggregate["runs"], 3)
        self.assertEqual(ensemble.units["cart_peak_per_ul"], "cells/uL")
        self.assertEqual(ensemble.plan["plan"]["points"], 3)
        self.assertEqual(ensemble.scenario_name, "demo_2d")
        peaks = ensemble.column("cart_peak_per_ul")
        self.assertTrue(np.all(np.diff(peaks) > 0), f"larger doses, higher peaks: {peaks}")

    def test_each_run_opens_and_matches_its_row(self):
        for index, run in self.ensemble.complete_runs():
            self.assertEqual(run.seed, int(self.ensemble.table["seed"][index]))
            self.assertAlmostEqual(run.parameter("car_t.dose_cells"),
                                   self.ensemble.table["car_t.dose_cells"][index])
            self.assertAlmostEqual(run.summary["cart_peak_per_ul"],
                                   self.ensemble.table["cart_peak_per_ul"][index])
        with self.assertRaisesRegex(IndexError, "no run 7"):
            self.ensemble.load_run(7)

    def test_summary_h5_alone_gives_the_same_table(self):
        alone = cartsim_io.load_ensemble(os.path.join(self.ensemble_dir, "summary.h5"))
        for column in ("seed", "car_t.dose_cells", "cart_peak_per_ul", "cr_day"):
            np.testing.assert_array_equal(alone.column(column), self.ensemble.column(column))
        self.assertEqual(list(alone.status), list(self.ensemble.status))

    def test_damaged_summaries_are_refused_naming_file_and_place(self):
        damaged = os.path.join(self.directory, "damaged")
        shutil.copytree(self.ensemble_dir, damaged)
        csv_path = os.path.join(damaged, "summary.csv")
        with open(csv_path, "a") as f:
            f.write("3,99,1e8,complete\n")
        with self.assertRaisesRegex(CartsimFileError, "line 5 has 4 cells"):
            cartsim_io.load_ensemble(damaged)
        os.remove(csv_path)
        with h5py.File(os.path.join(damaged, "summary.h5"), "r+") as f:
            f["runs/status"][1] = 17
        with self.assertRaisesRegex(CartsimFileError, "'/runs/status' holds code 17"):
            cartsim_io.load_ensemble(damaged)
        empty = os.path.join(self.directory, "empty")
        os.makedirs(empty)
        with self.assertRaisesRegex(CartsimFileError, "holds no summary.h5 or summary.csv"):
            cartsim_io.load_ensemble(empty)


if __name__ == "__main__":
    CARTSIM = cartsim_binary(sys.argv)
    unittest.main(verbosity=2)
