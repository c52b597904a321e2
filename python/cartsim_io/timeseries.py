"""/timeseries of a run file: one float64 column per observable, each with its units."""
from collections.abc import Mapping

import h5py
import numpy as np

from .errors import CartsimFileError
from .hdf5_access import read_column, require_group, text

TIME_COLUMN = "time_days"


class TimeSeries(Mapping):
    """Read-only mapping column name -> numpy float64 array (time_days first), with `units`
    ({column: unit text}) and `days` (the time_days column)."""

    def __init__(self, columns, units):
        self._columns = columns
        self.units = units

    def __getitem__(self, name):
        try:
            return self._columns[name]
        except KeyError:
            raise KeyError(f"no time-series column '{name}' (columns: "
                           f"{', '.join(self._columns)})") from None

    def __iter__(self):
        return iter(self._columns)

    def __len__(self):
        return len(self._columns)

    @property
    def days(self):
        return self._columns[TIME_COLUMN]

    @property
    def rows(self):
        return len(self.days)

    def at_day(self, name, day):
        """The value of column `name` at the last row whose time is <= day (the first row before
        it)."""
        row = max(int(np.searchsorted(self.days, day, side="right")) - 1, 0)
        return float(self[name][row])

    def to_dataframe(self):
        """A pandas DataFrame indexed by time_days (needs pandas)."""
        import pandas  # optional dependency
        frame = pandas.DataFrame({name: values for name, values in self._columns.items()})
        frame.attrs["units"] = dict(self.units)
        return frame.set_index(TIME_COLUMN)

    def __repr__(self):
        return f"TimeSeries({self.rows} rows, {len(self)} columns)"


def read_timeseries(file, path, cut_to_common_length):
    """The /timeseries group. Columns of unequal length are an error in a finished file; a
    .partial may have been flushed between columns and is cut to the shortest
    (cut_to_common_length)."""
    group = require_group(file, "timeseries", path)
    columns, units = {}, {}
    for name, member in group.items():
        if not isinstance(member, h5py.Dataset):
            continue  # room for subgroups later; columns are datasets
        columns[name] = read_column(member, path, dtype=np.float64)
        if "units" in member.attrs:
            units[name] = text(member.attrs["units"])
    if TIME_COLUMN not in columns:
        raise CartsimFileError(f"'{path}' has no dataset '/timeseries/{TIME_COLUMN}'", path,
                               f"/timeseries/{TIME_COLUMN}")
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        if not cut_to_common_length:
            shortest = min(columns, key=lambda name: len(columns[name]))
            raise CartsimFileError(
                f"'{path}': the /timeseries columns differ in length ({min(lengths)} rows in "
                f"'/timeseries/{shortest}', {len(columns[TIME_COLUMN])} in time_days): damaged "
                "file", path, f"/timeseries/{shortest}")
        rows = min(lengths)
        columns = {name: values[:rows] for name, values in columns.items()}
    ordered = {TIME_COLUMN: columns.pop(TIME_COLUMN), **columns}
    return TimeSeries(ordered, units)
