#!/usr/bin/python3
"""python/ installs offline with pip into a venv that sees Debian's packages (setuptools, h5py,
numpy), and the installed cartsim_io (outside the source tree) reads a real run file.

    /usr/bin/python3 tests/analysis/test_python_install.py [path/to/cartsim]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from demo_files import REPO, cartsim_binary, make_run

CARTSIM = None


class OfflineInstall(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="cartsim-python-install-test-")
        self.addCleanup(shutil.rmtree, self.directory, True)

    def test_pip_install_into_a_system_site_venv_and_read_a_run(self):
        venv = os.path.join(self.directory, "venv")
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv],
                       check=True, timeout=120)
        # Build from a copy: an in-tree build would leave build/ and *.egg-info in python/.
        source = shutil.copytree(os.path.join(REPO, "python"),
                                 os.path.join(self.directory, "python"))
        install = subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--no-index",
                                  "--no-build-isolation", "--quiet", source],
                                 capture_output=True, text=True, timeout=300)
        self.assertEqual(install.returncode, 0, install.stdout + install.stderr)
        run_file = make_run(CARTSIM, os.path.join(self.directory, "demo.h5"), days=2)
        script = ("import cartsim_io, sys; run = cartsim_io.load_run(sys.argv[1]); "
                  "print(cartsim_io.__file__); print(run.name, run.timeseries.rows, run.status)")
        result = subprocess.run([os.path.join(venv, "bin", "python"), "-c", script, run_file],
                                capture_output=True, text=True, timeout=120, cwd=self.directory)
        self.assertEqual(result.returncode, 0, result.stderr)
        where, summary = result.stdout.splitlines()
        self.assertTrue(where.startswith(venv), f"imported from {where}, not the venv")
        self.assertEqual(summary, "demo_2d 9 complete")


if __name__ == "__main__":
    CARTSIM = cartsim_binary(sys.argv)
    unittest.main(verbosity=2)
