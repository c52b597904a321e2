"""Running cohorts with the cartsim CLI and reading their run files.

A cohort of the suite is a scenario with a [cohort] section run by `cartsim ensemble`. The suite
runs fewer patients than the scenario declares (reduced mode), so it writes a copy of the
scenario with `patients = N` into the work directory; `inherits` paths in the copy are made
absolute so the copy still finds its parents. Patients 0..N-1 of the copy are the same virtual
patients as in the original (a patient's values depend only on the base seed and its index).
"""

import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

import h5py
import numpy as np


class CartsimError(RuntimeError):
    """A cartsim invocation failed or its output cannot be read; the message says which."""


def find_cartsim(explicit, repo_root):
    """The cartsim binary: --cartsim, else $CARTSIM, else build/release/cli/cartsim."""
    candidate = explicit or os.environ.get("CARTSIM") or str(repo_root / "build/release/cli/cartsim")
    path = Path(candidate)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise CartsimError(
            f"cartsim binary not found or not executable: '{path}'. Build it (make build) or "
            "pass --cartsim PATH (or set CARTSIM=PATH)."
        )
    return path.resolve()


def write_cohort_scenario(source, patients, destination):
    """Copy scenario `source` to `destination` with [cohort] patients = `patients`.

    Fails with a clear message if the scenario has no `patients = ...` line to replace (the
    suite does not guess where a [cohort] section would go).
    """
    text = Path(source).read_text()
    new_text, count = re.subn(r"(?m)^(\s*patients\s*=\s*)\d+", rf"\g<1>{patients}", text)
    if count != 1:
        raise CartsimError(
            f"{source}: expected exactly one 'patients = N' line in its [cohort] section, found {count}"
        )

    def absolute_inherits(match):
        parent = Path(match.group(2))
        if not parent.is_absolute():
            parent = (Path(source).parent / parent).resolve()
        return f'{match.group(1)}"{parent}"'

    new_text = re.sub(r'(?m)^(\s*inherits\s*=\s*)"([^"]+)"', absolute_inherits, new_text)
    Path(destination).write_text(new_text)
    return Path(destination)


def run_ensemble(cartsim, scenario, out_dir, days, jobs, sets=(), log_path=None):
    """`cartsim ensemble SCENARIO -o OUT_DIR --days D --jobs J --threads-per-run 1 [--set ...]`.

    One thread per run: the suite's parallelism is across runs (--jobs). Rerunning the same
    command continues a partly finished ensemble, so an interrupted suite can be restarted on
    the same --out directory.
    """
    cmd = [str(cartsim), "ensemble", str(scenario), "-o", str(out_dir), "--days", repr(float(days)),
           "--jobs", str(jobs), "--threads-per-run", "1", "--quiet"]
    for key, value in sets:
        cmd += ["--set", f"{key}={value}"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if log_path is not None:
        Path(log_path).write_text(" ".join(cmd) + "\n\n" + result.stdout + "\n" + result.stderr)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise CartsimError(f"cartsim ensemble exited {result.returncode}: {' '.join(cmd)}\n{tail}")
    return cmd


@dataclass
class RunRecord:
    """One run of a cohort: its /summary attributes and the time series the readouts need."""
    index: int
    path: Path
    status: str
    summary: dict = field(default_factory=dict)
    timeseries: dict = field(default_factory=dict)
    git_commit: str = ""  # of the cartsim that wrote the file
    config: dict = field(default_factory=dict)  # the resolved scenario (/config), parsed

    def sampled(self, key):
        """A parameter of this run's resolved scenario by dotted key ("initial.blast_fraction"),
        as float; KeyError if absent."""
        node = self.config
        for part in key.split("."):
            node = node[part]
        return float(node)

    def value(self, name):
        """A /summary readout as float; KeyError if the run file does not have it."""
        return float(self.summary[name])

    def has(self, name):
        return name in self.summary

    def series(self, name):
        """(time_days, values) of a /timeseries dataset; KeyError if absent."""
        return self.timeseries["time_days"], self.timeseries[name]


# Time series read from every run: the blood CAR-T curve (kinetics) and the blast fractions
# (compare.py). Others stay on disk.
TIMESERIES_READ = ("time_days", "cart_blood_per_ul", "blast_fraction", "patient_blast_fraction",
                   "crs_grade")


def read_run(path, index):
    with h5py.File(path, "r") as f:
        status = f.attrs.get("run_status", b"unknown")
        status = status.decode() if isinstance(status, bytes) else str(status)
        commit = f.attrs.get("git_commit", b"")
        commit = commit.decode() if isinstance(commit, bytes) else str(commit)
        summary = {}
        if "summary" in f:
            for key, value in f["summary"].attrs.items():
                if isinstance(value, (bytes, str)):
                    continue
                summary[key] = float(np.asarray(value).ravel()[0]) if np.size(value) else math.nan
        config = {}
        if "config" in f and "scenario_toml" in f["config"].attrs:
            text = f["config"].attrs["scenario_toml"]
            config = tomllib.loads(text.decode() if isinstance(text, bytes) else str(text))
        series = {}
        if "timeseries" in f:
            for name in TIMESERIES_READ:
                if name in f["timeseries"]:
                    series[name] = f["timeseries"][name][:]
    return RunRecord(index=index, path=Path(path), status=status, summary=summary,
                     timeseries=series, git_commit=commit, config=config)


def read_ensemble(out_dir):
    """Every run file of an ensemble directory, in index order; raises if one is unreadable or
    not complete (a validation table over a partial cohort would be silently biased)."""
    runs_dir = Path(out_dir) / "runs"
    files = sorted(runs_dir.glob("run_*.h5"))
    if not files:
        raise CartsimError(f"no run files in '{runs_dir}'")
    records = []
    for path in files:
        index = int(path.stem.split("_")[1])
        try:
            record = read_run(path, index)
        except OSError as error:
            raise CartsimError(f"cannot read run file '{path}': {error}") from error
        if record.status != "complete":
            raise CartsimError(f"run file '{path}' has run_status '{record.status}', not complete")
        records.append(record)
    return records


def prepare_cohort(cartsim, repo_root, work_dir, name, scenario, patients, days, jobs, sets=()):
    """Runs (or continues) one cohort in work_dir/name and returns its RunRecords."""
    cohort_dir = Path(work_dir) / name
    cohort_dir.mkdir(parents=True, exist_ok=True)
    scenario_path = Path(scenario)
    if not scenario_path.is_absolute():
        scenario_path = repo_root / scenario_path
    if not scenario_path.is_file():
        raise CartsimError(f"scenario '{scenario_path}' of cohort '{name}' does not exist")
    derived = write_cohort_scenario(scenario_path, patients, cohort_dir / f"{name}.toml")
    ensemble_dir = cohort_dir / "ensemble"
    run_ensemble(cartsim, derived, ensemble_dir, days, jobs, sets, log_path=cohort_dir / "ensemble.log")
    return read_ensemble(ensemble_dir)


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)
