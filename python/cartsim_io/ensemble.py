"""An ensemble directory (cartsim ensemble -o DIR; docs/ENSEMBLE.md): load_ensemble and the
Ensemble it returns: the runs table (inputs, status, endpoints), the aggregates, each run."""
import os
import tomllib
from dataclasses import dataclass

import h5py
import numpy as np

from .errors import CartsimFileError
from .hdf5_access import open_hdf5, plain_value, read_column, require_group, text
from .run import load_run
from .summary_csv import read_summary_csv

# Status labels of summary.h5 /runs/status when the file lacks its status_labels attribute
# (io/ensemble_summary.cpp run_status_labels).
DEFAULT_STATUS_LABELS = ("complete", "checkpoint", "interrupted", "failed", "missing",
                         "unreadable")


@dataclass
class Ensemble:
    """What an ensemble directory holds.

    directory      DIR (None when only a summary file was given)
    scenario_name  the base scenario's name
    input_keys     varied and sampled parameter keys, in summary order
    endpoint_names the endpoint columns (cr, cr_day, ..., days_simulated)
    table          {column: numpy array}, one row per planned run: index, seed, every input key,
                   status (str), every endpoint; inputs that are text (e.g. a choice of
                   costimulation) are object arrays of str
    units          {endpoint: unit} from summary.h5
    aggregate      summary.h5 /aggregate attributes (rates, 95% intervals, quartiles, ...)
    attributes     summary.h5 root attributes (base_seed, patients, points, replicates, ...)
    plan           DIR/plan.toml parsed ({} if absent)
    """
    directory: str
    scenario_name: str
    input_keys: list
    endpoint_names: list
    table: dict
    units: dict
    aggregate: dict
    attributes: dict
    plan: dict

    def __len__(self):
        return len(self.table["index"])

    @property
    def status(self):
        return self.table["status"]

    @property
    def complete(self):
        """Boolean mask of the complete runs."""
        return self.table["status"] == "complete"

    def column(self, name):
        """A column as float64 (NaN where absent from this summary)."""
        if name not in self.table:
            return np.full(len(self), np.nan)
        return np.asarray(self.table[name], dtype=np.float64)

    def run_path(self, index):
        if self.directory is None:
            raise CartsimFileError("this ensemble was read from a summary file alone: no runs "
                                   "directory to open", None)
        digits = max(4, len(str(int(index))))
        return os.path.join(self.directory, "runs", f"run_{int(index):0{digits}d}.h5")

    def load_run(self, index, allow_partial=False):
        """The Run of run `index` (DIR/runs/run_NNNN.h5)."""
        if int(index) not in set(int(i) for i in self.table["index"]):
            raise IndexError(f"the ensemble has no run {index} (it has {len(self)} runs)")
        return load_run(self.run_path(index), allow_partial=allow_partial)

    def complete_runs(self):
        """Yields (index, Run) for every complete run, in index order."""
        for index, complete in zip(self.table["index"], self.complete):
            if complete:
                yield int(index), self.load_run(index)

    def to_dataframe(self):
        """The runs table as a pandas DataFrame indexed by run index (needs pandas)."""
        import pandas  # optional dependency
        frame = pandas.DataFrame(self.table).set_index("index")
        frame.attrs["units"] = dict(self.units)
        return frame

    def __repr__(self):
        return (f"Ensemble('{self.directory}', {self.scenario_name}, {len(self)} runs, "
                f"{int(self.complete.sum())} complete, inputs {self.input_keys})")


def _read_summary_h5(path):
    """(table, units, aggregate, attributes) of summary.h5."""
    with open_hdf5(path, "a cartsim ensemble summary") as file:
        if "runs" not in file or "status" not in file["runs"]:
            raise CartsimFileError(f"'{path}' is not a cartsim ensemble summary (no /runs/status)",
                                   path, "/runs/status")
        runs = require_group(file, "runs", path)
        table, units = {}, {}
        for name, member in runs.items():
            if isinstance(member, h5py.Dataset):
                table[name] = read_column(member, path)
                if "units" in member.attrs:
                    units[name] = text(member.attrs["units"])
        lengths = {name: len(values) for name, values in table.items()}
        if len(set(lengths.values())) > 1:
            odd = min(lengths, key=lengths.get)
            raise CartsimFileError(f"'{path}': '/runs/{odd}' has {lengths[odd]} rows, "
                                   f"'/runs/status' {lengths['status']}: damaged summary", path,
                                   f"/runs/{odd}")
        labels = DEFAULT_STATUS_LABELS
        if "status_labels" in runs.attrs:
            labels = tuple(text(runs.attrs["status_labels"]).split(","))
        codes = table["status"].astype(np.int64)
        bad = codes[(codes < 0) | (codes >= len(labels))]
        if bad.size:
            raise CartsimFileError(f"'{path}': '/runs/status' holds code {int(bad[0])}, which "
                                   f"status_labels {','.join(labels)} does not name", path,
                                   "/runs/status")
        table["status"] = np.array([labels[c] for c in codes], dtype=object)
        aggregate = {}
        if "aggregate" in file:
            aggregate = {name: plain_value(value)
                         for name, value in file["aggregate"].attrs.items()}
        attributes = {name: plain_value(value) for name, value in file.attrs.items()}
    return table, units, aggregate, attributes


def _read_plan(directory):
    path = os.path.join(directory, "plan.toml")
    if not os.path.exists(path):
        return {}
    try:
        with open(path, "rb") as plan:
            return tomllib.load(plan)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CartsimFileError(f"cannot read '{path}': {error}", path) from None


def _locate(path):
    """(directory or None, summary.h5 path or None, summary.csv path or None)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        h5_path, csv_path = (os.path.join(path, name) for name in ("summary.h5", "summary.csv"))
        h5_path = h5_path if os.path.exists(h5_path) else None
        csv_path = csv_path if os.path.exists(csv_path) else None
        if h5_path is None and csv_path is None:
            raise CartsimFileError(
                f"'{path}' holds no summary.h5 or summary.csv: not a cartsim ensemble directory, "
                "or its runs are not summarized yet (cartsim ensemble ... --summarize-only)", path)
        return path, h5_path, csv_path
    if not os.path.exists(path):
        raise CartsimFileError(f"cannot read '{path}': no such file", path)
    directory = os.path.dirname(os.path.abspath(path))
    has_runs = os.path.isdir(os.path.join(directory, "runs"))
    if path.endswith(".csv"):
        return (directory if has_runs else None), None, path
    return (directory if has_runs else None), path, None


def load_ensemble(path):
    """Reads an ensemble directory DIR (or its summary.h5 or summary.csv alone) into an Ensemble.
    The table comes from summary.csv when present (it keeps text inputs), else from summary.h5;
    the aggregates and units from summary.h5. Raises CartsimFileError naming the file and the
    member at fault."""
    directory, h5_path, csv_path = _locate(path)
    units, aggregate, attributes, h5_table = {}, {}, {}, None
    if h5_path is not None:
        h5_table, units, aggregate, attributes = _read_summary_h5(h5_path)
    plan = _read_plan(directory) if directory is not None else {}
    if csv_path is not None:
        table, input_keys, endpoint_names = read_summary_csv(csv_path)
    else:
        input_keys = [k for k in str(attributes.get("input_keys", "")).split(",") if k]
        table = h5_table
        endpoint_names = [name for name in table
                          if name not in ("index", "seed", "status") and name not in input_keys]
    if h5_table is not None and csv_path is not None and len(h5_table["index"]) != len(
            table["index"]):
        raise CartsimFileError(f"'{csv_path}' has {len(table['index'])} runs but '{h5_path}' "
                               f"{len(h5_table['index'])}: the summaries disagree (rerun "
                               "cartsim ensemble ... --summarize-only)", csv_path)
    name = (attributes.get("scenario_name") or plan.get("plan", {}).get("scenario_name")
            or "ensemble")
    return Ensemble(directory, str(name), input_keys, endpoint_names, table, units, aggregate,
                    attributes, plan)
