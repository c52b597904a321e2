#!/usr/bin/python3
"""Tests of benchmarks/leapable_share.py on a hand-made snapshot whose distances are known: a
free CAR-T cell counts as leapable for k steps only while antigen is beyond k + 1 sites, vessels
beyond k and other CAR-T cells beyond 2k + 2; engaged cells never count; a file without
snapshots, or with a snapshot missing a dataset, exits 2.

    /usr/bin/python3 tests/analysis/test_leapable_share.py SCRIPT
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

SCRIPT = None
EDGE_UM = 10.0
N = 20


def centre(index):
    return (np.asarray(index, dtype=np.float32) + 0.5) * EDGE_UM


def write_snapshot(path, car_t_sites, engaged, antigen_sites):
    """Every site holds a tissue cell but the vessel column (x 0, y 0); CD19 only at
    antigen_sites."""
    z, y, x = np.meshgrid(np.arange(N), np.arange(N), np.arange(N), indexing="ij")
    keep = ~((x == 0) & (y == 0))
    x, y, z = x[keep], y[keep], z[keep]
    cd19 = np.zeros(len(x), dtype=np.float32)
    for ax, ay, az in antigen_sites:
        cd19[(x == ax) & (y == ay) & (z == az)] = 5000.0
    with h5py.File(path, "w") as f:
        snapshots = f.create_group("snapshots")
        snapshots.attrs["lattice_shape"] = np.array([N, N, N], dtype=np.int32)
        snapshots.attrs["site_edge_um"] = EDGE_UM
        snapshot = snapshots.create_group("000001")
        snapshot.attrs["time_days"] = 60.0
        tissue = snapshot.create_group("tissue")
        tissue.attrs["count"] = np.uint64(len(x))
        for name, values in (("x", x), ("y", y), ("z", z)):
            tissue[name] = centre(values)
        tissue["cd19"] = cd19
        car_t = snapshot.create_group("car_t")
        car_t.attrs["count"] = np.uint64(len(car_t_sites))
        sites = np.asarray(car_t_sites)
        for axis, name in enumerate(("x", "y", "z")):
            car_t[name] = centre(sites[:, axis])
        car_t["engaged"] = np.asarray(engaged, dtype=np.uint8)


class LeapableShare(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="cartsim-leapable-test-")

    def tearDown(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def leapable_by_k(self, path, ks):
        result = subprocess.run(
            [sys.executable, SCRIPT, path, "--k", *map(str, ks)],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        counts = {}
        for line in result.stdout.splitlines()[1:]:
            fields = [f.strip() for f in line.split("|")]
            counts[int(fields[4])] = int(fields[5].split()[0])
        return counts

    def test_each_condition_bounds_the_leap(self):
        path = os.path.join(self.directory, "run.h5")
        # A at (10, 10, 10): antigen 4 sites away (z 14), so k <= 2; B at (10, 10, 1): 9 sites
        # from A and from C, so k <= 3; C engaged; the vessel column is >= 10 sites from A and B.
        write_snapshot(path, [(10, 10, 10), (10, 10, 1), (19, 19, 19)], [0, 0, 1],
                       [(10, 10, 14)])
        self.assertEqual(self.leapable_by_k(path, [1, 2, 3, 4]), {1: 2, 2: 2, 3: 1, 4: 0})

    def test_a_vessel_next_to_a_cell_forbids_every_leap(self):
        path = os.path.join(self.directory, "vessel.h5")
        write_snapshot(path, [(1, 1, 10)], [0], [])
        self.assertEqual(self.leapable_by_k(path, [1, 2]), {1: 0, 2: 0})

    def test_a_file_without_snapshots_exits_2_naming_it(self):
        path = os.path.join(self.directory, "empty.h5")
        with h5py.File(path, "w"):
            pass
        result = subprocess.run([sys.executable, SCRIPT, path], capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(result.returncode, 2)
        self.assertIn(path, result.stderr)

    def test_a_snapshot_missing_a_dataset_exits_2_naming_the_file_and_the_dataset(self):
        path = os.path.join(self.directory, "damaged.h5")
        write_snapshot(path, [(10, 10, 10)], [0], [])
        with h5py.File(path, "a") as f:
            del f["snapshots/000001/car_t/engaged"]
        result = subprocess.run([sys.executable, SCRIPT, path], capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn(path, result.stderr)
        self.assertIn("engaged", result.stderr)
        self.assertNotIn("Traceback", result.stderr)


if __name__ == "__main__":
    SCRIPT = sys.argv.pop(1)
    unittest.main()
