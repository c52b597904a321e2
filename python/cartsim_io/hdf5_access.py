"""Opening cartsim's HDF5 files read-only and reading members with checks that name the file and
the member at fault."""
import os

import h5py
import numpy as np

from .errors import CartsimFileError


def open_hdf5(path, what):
    """Opens `path` read-only without locking (a .partial may still be open in the run that writes
    it, as io/run_file_reader.cpp does). `what` names the expected kind in errors."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise CartsimFileError(f"cannot read '{path}': no such file", path)
    if os.path.isdir(path):
        raise CartsimFileError(f"cannot read '{path}': it is a directory", path)
    if not h5py.is_hdf5(path):
        raise CartsimFileError(f"cannot read '{path}': it is not an HDF5 file (expected {what})",
                               path)
    try:
        return h5py.File(path, "r", locking=False)
    except TypeError:  # an h5py without the locking option
        return h5py.File(path, "r")
    except OSError as error:
        raise CartsimFileError(f"cannot read '{path}' (damaged HDF5 file?): {error}",
                               path) from None


def text(value):
    """An HDF5 string attribute (bytes or str, scalar or 1-element) as str."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", errors="replace")
    return str(value)


def plain_value(value):
    """An attribute as a plain Python value: str, int, float, or a list for arrays."""
    if isinstance(value, (bytes, np.bytes_, str)):
        return text(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SOU":
            return [text(v) for v in value.reshape(-1)]
        return value.tolist() if value.size != 1 else value.reshape(-1)[0].item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def require_group(parent, name, path):
    member = f"{parent.name.rstrip('/')}/{name}"
    if name not in parent:
        raise CartsimFileError(f"'{path}' has no group '{member}'", path, member)
    group = parent[name]
    if not isinstance(group, h5py.Group):
        raise CartsimFileError(f"'{path}': '{member}' is not a group", path, member)
    return group


def require_attribute(obj, name, path):
    if name not in obj.attrs:
        raise CartsimFileError(f"'{path}' has no attribute '{name}' on '{obj.name}'", path,
                               f"{obj.name}@{name}")
    try:
        return obj.attrs[name]
    except (OSError, TypeError) as error:
        raise CartsimFileError(f"'{path}': cannot read attribute '{name}' of '{obj.name}': {error}",
                               path, f"{obj.name}@{name}") from None


def read_number(obj, name, path):
    value = require_attribute(obj, name, path)
    try:
        return float(np.asarray(value).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        raise CartsimFileError(f"'{path}': attribute '{name}' of '{obj.name}' is not a number",
                               path, f"{obj.name}@{name}") from None


def read_column(dataset, path, dtype=None):
    """A 1-D numeric dataset as a numpy array (optionally converted to dtype)."""
    where = dataset.name
    if dataset.ndim != 1:
        raise CartsimFileError(f"'{path}': dataset '{where}' has {dataset.ndim} dimensions, "
                               "expected 1", path, where)
    if dataset.dtype.kind not in "biuf":
        raise CartsimFileError(f"'{path}': dataset '{where}' is not numeric ({dataset.dtype})",
                               path, where)
    try:
        values = dataset[...]
    except OSError as error:
        raise CartsimFileError(f"'{path}': cannot read dataset '{where}' (damaged?): {error}",
                               path, where) from None
    return values if dtype is None else values.astype(dtype)
