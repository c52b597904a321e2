#!/usr/bin/python3
"""Tests of analysis/endpoint_table.py on real run files made by the cartsim binary: per-run and
grouped tables hold each run's endpoints; a truncated horizon says "not reached"; a .partial and
a missing file exit 2 naming the file.

    /usr/bin/python3 tests/analysis/test_endpoint_table.py [path/to/cartsim]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py

from demo_files import REPO, cartsim_binary, make_run

ENDPOINT_TABLE = os.path.join(REPO, "analysis", "endpoint_table.py")
CARTSIM = None


class EndpointTable(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="cartsim-endpoint-table-test-")
        cls.short = make_run(CARTSIM, os.path.join(cls.directory, "short.h5"), days=3)
        cls.longer = make_run(CARTSIM, os.path.join(cls.directory, "longer.h5"), days=5)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, ignore_errors=True)

    def table(self, *arguments):
        return subprocess.run([sys.executable, ENDPOINT_TABLE, *arguments], capture_output=True,
                              text=True, timeout=120)

    def summary(self, path):
        with h5py.File(path, "r") as f:
            return dict(f["summary"].attrs)

    def test_one_row_per_run_with_its_endpoints(self):
        result = self.table(self.short, self.longer)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(len(lines), 4)
        self.assertIn("CRS / ICANS max grade (model-derived)", lines[0])
        for line, path in zip(lines[2:], (self.short, self.longer)):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            summary = self.summary(path)
            self.assertEqual(cells[:2], ["demo_2d", "1"])
            self.assertEqual(cells[5].split(" ")[0], f"{summary['cart_peak_per_ul']:.3g}")
            self.assertEqual(cells[7], "not reached")  # day 28 is after the end of the run
            self.assertEqual(cells[11], f"{summary['il6_peak_pg_per_ml']:.0f}")

    def test_grouped_by_scenario(self):
        result = self.table(self.short, self.longer, "--group-by-scenario")
        self.assertEqual(result.returncode, 0, result.stderr)
        row = result.stdout.splitlines()[2]
        self.assertTrue(row.startswith("| demo_2d | 2 | "), row)

    def test_a_partial_or_missing_file_exits_2_naming_it(self):
        partial = os.path.join(self.directory, "run.h5.partial")
        shutil.copyfile(self.short, partial)
        with h5py.File(partial, "r+") as f:
            del f.attrs["run_status"]
        missing = os.path.join(self.directory, "missing.h5")
        for path, reason in ((partial, "not a finished run file"), (missing, "no such file")):
            result = self.table(self.short, path)
            self.assertEqual(result.returncode, 2)
            self.assertIn(path, result.stderr)
            self.assertIn(reason, result.stderr)
            self.assertEqual(result.stdout, "")


if __name__ == "__main__":
    CARTSIM = cartsim_binary(sys.argv)
    unittest.main(verbosity=2)
