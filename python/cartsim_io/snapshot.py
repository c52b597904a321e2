"""/snapshots of a run file: every cell's site and state at given days (docs/OUTPUT.md). The list
(`SnapshotInfo`) is read with the run; a snapshot's cells (`Snapshot`) when asked for."""
from dataclasses import dataclass, field

import h5py
import numpy as np

from .errors import CartsimFileError
from .hdf5_access import open_hdf5, read_column, read_number, require_attribute, require_group, \
    text
from .labels import decode_codes, parse_bit_labels, parse_code_labels

POPULATIONS = ("tissue", "car_t")


@dataclass(frozen=True)
class SnapshotInfo:
    ordinal: int          # 0 = day 0
    group_name: str       # "000003"
    time_days: float
    step: int
    car_t_count: int      # CAR-T cells in the marrow window
    tissue_count: int


@dataclass
class Population:
    """One population of a snapshot: columns (x, y, z in um, id, state, ...) as numpy arrays,
    `states` the decoded state name of every row, `state_labels` {code: name}."""
    name: str
    columns: dict
    state_labels: dict
    states: np.ndarray
    flag_labels: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.states)

    def __getitem__(self, column):
        return self.columns[column]

    def count_by_state(self):
        """{state name: rows}, every labelled state included (0 where none)."""
        return {label: int(np.sum(self.states == label)) for label in self.state_labels.values()}

    def has_flag(self, flag_name):
        """Rows with the named flag bit set (tissue: "CD19 epitope lost", "lineage switched")."""
        bits = {label: bit for bit, label in self.flag_labels.items()}
        if flag_name not in bits:
            raise KeyError(f"no flag '{flag_name}' (flags: {', '.join(bits)})")
        return (self.columns["flags"].astype(np.int64) >> bits[flag_name]) & 1 == 1


@dataclass
class Snapshot:
    info: SnapshotInfo
    lattice_shape: tuple  # (nx, ny, nz) sites
    site_edge_um: float
    tissue: Population
    car_t: Population
    fields: dict          # name -> array (gz, gy, gx) in pg/mL
    field_geometry: dict  # cell_edge_um, cell_depth_um, coarsening

    @property
    def time_days(self):
        return self.info.time_days

    def layer_of(self, population, layer):
        """Boolean rows of `population` ("tissue" or "car_t") whose site is in z layer `layer`."""
        z = getattr(self, population)["z"]
        return np.floor(z / self.site_edge_um).astype(int) == layer


def read_snapshot_list(file, path):
    """[SnapshotInfo] in ordinal order, and the lattice (shape, site edge); ([], None, None)
    without /snapshots."""
    if "snapshots" not in file:
        return [], None, None
    group = require_group(file, "snapshots", path)
    shape = tuple(int(n) for n in np.asarray(require_attribute(group, "lattice_shape", path)))
    if len(shape) != 3 or min(shape) < 1:
        raise CartsimFileError(f"'{path}': attribute 'lattice_shape' of '/snapshots' is {shape}, "
                               "expected three positive extents", path, "/snapshots@lattice_shape")
    edge = read_number(group, "site_edge_um", path)
    infos = []
    for name in sorted(group):  # zero-padded ordinals: name order is snapshot order
        member = group[name]
        if not isinstance(member, h5py.Group):
            continue
        if not name.isdigit():
            raise CartsimFileError(f"'{path}': '/snapshots/{name}' is not a snapshot ordinal",
                                   path, f"/snapshots/{name}")
        counts = {population: int(read_number(require_group(member, population, path), "count",
                                              path)) for population in POPULATIONS}
        infos.append(SnapshotInfo(int(name), name, read_number(member, "time_days", path),
                                  int(read_number(member, "step", path)), counts["car_t"],
                                  counts["tissue"]))
    return infos, shape, edge


def read_population(group, path):
    count = int(read_number(group, "count", path))
    columns = {}
    for name, member in group.items():
        if isinstance(member, h5py.Dataset):
            columns[name] = read_column(member, path)
            if len(columns[name]) != count:
                raise CartsimFileError(
                    f"'{path}': dataset '{member.name}' has {len(columns[name])} rows, but its "
                    f"group's count is {count}", path, member.name)
    for required in ("x", "y", "z", "id", "state"):
        if required not in columns:
            raise CartsimFileError(f"'{path}' has no dataset '{group.name}/{required}'", path,
                                   f"{group.name}/{required}")
    labels = parse_code_labels(text(require_attribute(group, "state_labels", path)), path,
                               f"{group.name}/state")
    states = decode_codes(columns["state"], labels, path, f"{group.name}/state")
    flags = {}
    if "flags_labels" in group.attrs:
        flags = parse_bit_labels(text(group.attrs["flags_labels"]), path, f"{group.name}/flags")
    return Population(group.name.rsplit("/", 1)[-1], columns, labels, states, flags)


def read_snapshot(path, info, lattice_shape, site_edge_um):
    """The cells and fields of one snapshot, read from the file at `path`."""
    with open_hdf5(path, "a cartsim run file") as file:
        group = require_group(require_group(file, "snapshots", path), info.group_name, path)
        populations = {name: read_population(require_group(group, name, path), path)
                       for name in POPULATIONS}
        fields, geometry = {}, {}
        if "fields" in group:
            field_group = require_group(group, "fields", path)
            fields = {name: member[...] for name, member in field_group.items()
                      if isinstance(member, h5py.Dataset)}
            geometry = {name: float(np.asarray(value).reshape(-1)[0])
                        for name, value in field_group.attrs.items()}
    return Snapshot(info, lattice_shape, site_edge_um, populations["tissue"],
                    populations["car_t"], fields, geometry)
