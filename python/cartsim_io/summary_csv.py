"""DIR/summary.csv of an ensemble: header index,seed,<input keys>,status,<endpoints>
(docs/ENSEMBLE.md)."""
import csv

import numpy as np

from .errors import CartsimFileError


def _column_array(cells):
    """Numbers as float64 ('nan' included); a column with any text stays an object array."""
    try:
        return np.array([float(cell) for cell in cells], dtype=np.float64)
    except ValueError:
        return np.array(cells, dtype=object)


def read_summary_csv(path):
    """(table {column: array}, input keys, endpoint names)."""
    try:
        with open(path, newline="") as file:
            rows = list(csv.reader(file))
    except (OSError, UnicodeDecodeError) as error:
        raise CartsimFileError(f"cannot read '{path}': {error}", path) from None
    if not rows or rows[0][:2] != ["index", "seed"] or "status" not in rows[0]:
        raise CartsimFileError(f"'{path}' is not a cartsim ensemble summary: its header does not "
                               "start with index,seed and name a status column", path)
    header, body = rows[0], rows[1:]
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise CartsimFileError(f"'{path}' line {line} has {len(row)} cells, its header "
                                   f"{len(header)}: damaged summary", path, f"line {line}")
    status_at = header.index("status")
    cells = {name: [row[k] for row in body] for k, name in enumerate(header)}
    table = {}
    for name, values in cells.items():
        if name == "status":
            table[name] = np.array(values, dtype=object)
        elif name in ("index", "seed"):
            try:
                table[name] = np.array([int(v) for v in values], dtype=np.uint64)
            except ValueError:
                raise CartsimFileError(f"'{path}': column '{name}' holds a non-integer", path,
                                       name) from None
        else:
            table[name] = _column_array(values)
    return table, header[2:status_at], header[status_at + 1:]
