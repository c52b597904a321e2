"""Small real outputs made by the cartsim binary for the analysis tests: one run (80 x 80 2-D
window, 8 days, snapshots every 2 days, a dose large enough that CAR-T cells reach the window;
about 2 s) and a 3-run dose sweep (6 days; about 2 s on 2 cores)."""
import os
import subprocess

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEMO_SCENARIO = os.path.join(REPO, "scenarios", "demo_2d.toml")
SMALL_WINDOW = ["--set", "space.nx=80", "--set", "space.ny=80"]


def cartsim_binary(argv):
    """The binary: first argument ending in 'cartsim' (popped), else $CARTSIM, else the release
    build."""
    for k, argument in enumerate(argv[1:], start=1):
        if os.path.basename(argument) == "cartsim":
            return argv.pop(k)
    return os.environ.get("CARTSIM") or os.path.join(REPO, "build", "release", "cli", "cartsim")


def make_run(cartsim, path, days=8):
    subprocess.run([cartsim, "run", DEMO_SCENARIO, "-o", path, "--days", str(days), "--force",
                    *SMALL_WINDOW, "--set", "output.snapshot_every_days=2",
                    "--set", "car_t.dose_cells=1e9", "--threads", "1", "--quiet"],
                   check=True, timeout=120)
    return path


def make_dose_sweep(cartsim, directory):
    subprocess.run([cartsim, "ensemble", DEMO_SCENARIO, "-o", directory, "--days", "6",
                    "--set", "space.nx=48", "--set", "space.ny=48",
                    "--set", "output.snapshot_every_days=0",
                    "--vary", "car_t.dose_cells=1e8:1e9:log", "--samples", "3", "--jobs", "2",
                    "--quiet"], check=True, timeout=120, stdout=subprocess.DEVNULL)
    return directory
