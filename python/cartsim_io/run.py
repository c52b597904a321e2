"""One run file (cartsim run -o OUT.h5; docs/OUTPUT.md): load_run and the Run it returns."""
import math
import os
import tomllib
from dataclasses import dataclass

from .errors import CartsimFileError
from .hdf5_access import open_hdf5, plain_value, require_attribute, require_group, text
from .snapshot import read_snapshot, read_snapshot_list
from .timeseries import read_timeseries

# The format versions this package reads (io/run_file_writer.hpp kFormatVersion).
SUPPORTED_FORMAT_VERSIONS = (1, 2)
# Values of the root attribute run_status: the completeness marker (io::run_status).
RUN_STATUSES = ("complete", "checkpoint", "interrupted")


@dataclass
class Run:
    """What one run file holds.

    path         the file
    status       run_status: "complete", "checkpoint" (published mid-run), "interrupted"
                 (SIGTERM/SIGINT), or "partial" (a .partial opened with allow_partial=True)
    metadata     every root attribute as a plain value (format_version, cartsim_version,
                 git_commit, seed, created_utc, run_status, and any provenance added later)
    timeseries   TimeSeries: column -> numpy array, .units, .days
    summary      /summary endpoints {name: float} (NaN where an event never happened); empty for
                 a .partial
    summary_text /summary text attributes (scenario_name, scenario_file)
    scenario_toml  the fully resolved scenario (every key) as text; `scenario` parsed
    snapshots    [SnapshotInfo] in ordinal order; read one with snapshot(...)
    """
    path: str
    status: str
    metadata: dict
    timeseries: object
    summary: dict
    summary_text: dict
    scenario_toml: str
    scenario: dict
    snapshots: list
    lattice_shape: tuple = None
    site_edge_um: float = None

    @property
    def complete(self):
        return self.status == "complete"

    @property
    def seed(self):
        return int(self.metadata["seed"])

    @property
    def name(self):
        """The scenario's name (from /summary or the scenario text), else the file name."""
        return (self.summary_text.get("scenario_name")
                or self.scenario.get("scenario", {}).get("name")
                or os.path.basename(self.path))

    @property
    def version(self):
        return self.metadata.get("cartsim_version")

    @property
    def commit(self):
        return self.metadata.get("git_commit")

    def parameter(self, key, default=None):
        """A resolved parameter by its dotted key, e.g. "readouts.cr_blast_fraction"."""
        node = self.scenario
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def endpoint(self, name):
        """A /summary endpoint, or None when the event never happened (NaN) or it is absent."""
        value = self.summary.get(name)
        return None if value is None or math.isnan(value) else value

    def snapshot(self, ordinal=None, day=None):
        """The Snapshot of that ordinal, or the one nearest `day`, or (neither given) the last."""
        if not self.snapshots:
            raise CartsimFileError(f"'{self.path}' has no snapshots", self.path, "/snapshots")
        if ordinal is not None and day is not None:
            raise ValueError("give ordinal or day, not both")
        if day is not None:
            info = min(self.snapshots, key=lambda s: (abs(s.time_days - day), s.ordinal))
        elif ordinal is not None:
            found = [s for s in self.snapshots if s.ordinal == ordinal]
            if not found:
                raise CartsimFileError(
                    f"'{self.path}' has no snapshot {ordinal} (it has {len(self.snapshots)}: "
                    f"ordinals {self.snapshots[0].ordinal} to {self.snapshots[-1].ordinal})",
                    self.path, f"/snapshots/{ordinal:06d}")
            info = found[0]
        else:
            info = self.snapshots[-1]
        return read_snapshot(self.path, info, self.lattice_shape, self.site_edge_um)

    def snapshot_near_cart_peak(self):
        """The most informative snapshot by default: the one with the most CAR-T cells in the
        marrow window; ties (e.g. none anywhere) go to the one nearest the blood CAR-T peak day,
        then the later one. None without snapshots."""
        if not self.snapshots:
            return None
        peak_day = self.endpoint("cart_peak_day")
        if peak_day is None and "cart_blood_per_ul" in self.timeseries and self.timeseries.rows:
            blood = self.timeseries["cart_blood_per_ul"]
            peak_day = float(self.timeseries.days[int(blood.argmax())])
        peak_day = self.snapshots[-1].time_days if peak_day is None else peak_day
        return max(self.snapshots, key=lambda s: (s.car_t_count, -abs(s.time_days - peak_day),
                                                  s.ordinal))

    def __repr__(self):
        return (f"Run('{self.path}', {self.name}, seed {self.metadata.get('seed')}, {self.status}"
                f", {self.timeseries.rows} rows, {len(self.snapshots)} snapshots)")


def _format_version(file, path):
    if "format_version" not in file.attrs:
        raise CartsimFileError(f"'{path}' is an HDF5 file but not a cartsim run file: it has no "
                               "root attribute 'format_version'", path, "/@format_version")
    version = plain_value(file.attrs["format_version"])
    if not isinstance(version, int) or version not in SUPPORTED_FORMAT_VERSIONS:
        raise CartsimFileError(f"'{path}' has format_version {version}; cartsim_io reads versions"
                               f" {SUPPORTED_FORMAT_VERSIONS[0]} to "
                               f"{SUPPORTED_FORMAT_VERSIONS[-1]}", path, "/@format_version")
    return version


def _run_status(file, path, version, allow_partial):
    """The completeness marker. A run writes OUT.h5.partial without run_status and publishes
    OUT.h5 with it; like cartsim's ensemble (io/ensemble_summary.cpp), a file without it is
    refused unless allow_partial (format_version 1 files predate the marker)."""
    if "run_status" in file.attrs:
        status = text(file.attrs["run_status"])
        if status not in RUN_STATUSES:
            raise CartsimFileError(f"'{path}' has run_status '{status}'; expected one of "
                                   f"{', '.join(RUN_STATUSES)}", path, "/@run_status")
        return status
    if version < 2:
        return "complete" if "summary" in file else "partial"
    if allow_partial:
        return "partial"
    raise CartsimFileError(
        f"'{path}' is not a finished run file: it has no root attribute 'run_status' (a run still "
        "writing it, or one killed before its first checkpoint); read the published OUT.h5, or "
        "pass allow_partial=True to read what is there", path, "/@run_status")


def _scenario(file, path):
    config = require_group(file, "config", path)
    toml_text = text(require_attribute(config, "scenario_toml", path))
    try:
        return toml_text, tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as error:
        raise CartsimFileError(f"'{path}': attribute 'scenario_toml' of '/config' is not valid "
                               f"TOML: {error}", path, "/config@scenario_toml") from None


def _summary(file, path, status):
    if "summary" not in file:
        if status == "partial":
            return {}, {}
        raise CartsimFileError(f"'{path}' has no group '/summary' although its run_status is "
                               f"'{status}': damaged file", path, "/summary")
    values, texts = {}, {}
    for name, value in require_group(file, "summary", path).attrs.items():
        value = plain_value(value)
        if isinstance(value, str):
            texts[name] = value
        elif isinstance(value, (int, float)):
            values[name] = float(value)
        else:
            raise CartsimFileError(f"'{path}': attribute '{name}' of '/summary' is not a single "
                                   "value", path, f"/summary@{name}")
    return values, texts


def load_run(path, allow_partial=False):
    """Reads a cartsim run file (docs/OUTPUT.md) into a Run; snapshot cells are read on demand
    with Run.snapshot(). Raises CartsimFileError, naming the file and the member at fault, for a
    missing file, a directory, a file that is not HDF5 or not cartsim's, an unsupported
    format_version, a damaged group, and (unless allow_partial) a .partial without the
    completeness marker run_status."""
    path = os.fspath(path)
    with open_hdf5(path, "a cartsim run file") as file:
        version = _format_version(file, path)
        status = _run_status(file, path, version, allow_partial)
        metadata = {name: plain_value(value) for name, value in file.attrs.items()}
        if "seed" not in metadata:
            raise CartsimFileError(f"'{path}' has no root attribute 'seed'", path, "/@seed")
        toml_text, scenario = _scenario(file, path)
        timeseries = read_timeseries(file, path, cut_to_common_length=status == "partial")
        summary, summary_text = _summary(file, path, status)
        snapshots, shape, edge = read_snapshot_list(file, path)
    return Run(path, status, metadata, timeseries, summary, summary_text, toml_text, scenario,
               snapshots, shape, edge)
