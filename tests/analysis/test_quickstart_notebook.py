#!/usr/bin/python3
"""analysis/quickstart.ipynb executes headless (jupyter nbconvert from Debian's
jupyter-nbconvert and python3-ipykernel, /usr/bin/python3 kernel) with the built cartsim and
writes its figures. Exit 77 (ctest SKIP_RETURN_CODE) only when nbconvert or ipykernel is
missing.

    /usr/bin/python3 tests/analysis/test_quickstart_notebook.py [path/to/cartsim]
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time

import matplotlib.image

from demo_files import REPO, cartsim_binary

SKIP = 77
NOTEBOOK = os.path.join(REPO, "analysis", "quickstart.ipynb")
FIGURES = ["blast_fraction.png", "cart_states.png", "cytokines.png", "endpoints_run.png",
           "snapshot.png", "ensemble_blood_cart.png", "ensemble_endpoints.png"]


def main():
    cartsim = cartsim_binary(sys.argv)
    for module in ("nbconvert", "ipykernel"):
        if importlib.util.find_spec(module) is None:
            print(f"SKIP: no {module} for {sys.executable} (scripts/install-deps.sh installs "
                  "jupyter-nbconvert and python3-ipykernel)")
            return SKIP
    directory = tempfile.mkdtemp(prefix="cartsim-quickstart-test-")
    try:
        figures = os.path.join(directory, "figures")
        environment = dict(os.environ, CARTSIM=cartsim, CARTSIM_QUICKSTART_OUT=figures,
                           MPLCONFIGDIR=os.path.join(directory, "mpl"),
                           PYDEVD_DISABLE_FILE_VALIDATION="1")
        start = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "nbconvert", "--to", "notebook",
                                 "--execute", "--ExecutePreprocessor.timeout=110",
                                 "--ExecutePreprocessor.kernel_name=python3",
                                 "--output-dir", directory, NOTEBOOK],
                                capture_output=True, text=True, env=environment, timeout=170)
        seconds = time.monotonic() - start
        if result.returncode != 0:
            print(result.stdout[-4000:], result.stderr[-8000:])
            print(f"FAIL: nbconvert exited {result.returncode}")
            return 1
        failures = []
        for name in FIGURES:
            path = os.path.join(figures, name)
            if not os.path.exists(path):
                failures.append(f"{name} not written")
            elif float(matplotlib.image.imread(path)[..., :3].var()) < 0.002:
                failures.append(f"{name} looks blank")
        if not os.path.exists(os.path.join(directory, "quickstart.ipynb")):
            failures.append("no executed notebook written")
        if seconds > 120:
            failures.append(f"took {seconds:.0f} s, more than 2 minutes")
        for failure in failures:
            print(f"FAIL: {failure}")
        print(f"notebook executed in {seconds:.1f} s; figures in {figures}")
        return 1 if failures else 0
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
