#!/usr/bin/python3
"""How many free CAR-T cells of a snapshot could leap k fine steps with unchanged statistics.

Issue 16 asks whether CAR-T cells with nothing within reach can advance several steps at once.
A free cell's step moves it at most one site and probes one site next to where it ends, so k
steps at once are exact only if, for those k steps, it cannot meet antigen (no CD19-positive
tissue cell within k + 1 sites, Chebyshev distance), a vessel (none within k: exit to blood),
or another CAR-T cell (none within 2k + 2: either could block the other's move). This script
counts, per snapshot, the free cells meeting those conditions for several k. Vessel sites are
the (x, y) columns holding no tissue cell at any z (3-D lattices lay sinusoids along z and
keep them free of tissue). Distances ignore periodic wrap-around (a slight overcount of
leapable cells near faces).

    /usr/bin/python3 benchmarks/leapable_share.py RUN.h5 [--k 1 2 4 8]
"""

import argparse
import sys

import h5py
import numpy as np
from scipy import ndimage, spatial

FAR = np.iinfo(np.int32).max // 2  # the distance to something absent


def chebyshev_distance_to(mask: np.ndarray) -> np.ndarray:
    """Chebyshev distance of every site to the nearest True site (a large number if none)."""
    if not mask.any():
        return np.full(mask.shape, FAR, dtype=np.int64)
    return ndimage.distance_transform_cdt(~mask, metric="chessboard").astype(np.int64)


def site_indices(group: h5py.Group, edge_um: float) -> tuple[np.ndarray, ...]:
    return tuple(np.floor(group[axis][:] / edge_um).astype(np.int64) for axis in ("z", "y", "x"))


def analyse(snapshot: h5py.Group, shape_zyx: tuple[int, int, int], edge_um: float, ks: list[int]):
    tissue = snapshot["tissue"]
    car_t = snapshot["car_t"]
    tz, ty, tx = site_indices(tissue, edge_um)
    cz, cy, cx = site_indices(car_t, edge_um)
    occupied = np.zeros(shape_zyx, dtype=bool)
    occupied[tz, ty, tx] = True
    antigen = np.zeros(shape_zyx, dtype=bool)
    positive = tissue["cd19"][:] > 0.0
    antigen[tz[positive], ty[positive], tx[positive]] = True
    vessel_columns = ~occupied.any(axis=0)
    vessels = np.broadcast_to(vessel_columns, shape_zyx)
    free = car_t["engaged"][:] == 0

    to_antigen = chebyshev_distance_to(antigen)[cz, cy, cx]
    to_vessel = chebyshev_distance_to(np.ascontiguousarray(vessels))[cz, cy, cx]
    # The nearest other CAR-T cell (Chebyshev metric; a shared site counts as distance 0).
    positions = np.stack([cz, cy, cx], axis=1)
    if len(positions) > 1:
        distances, _ = spatial.cKDTree(positions).query(positions, k=2, p=np.inf)
        to_other = distances[:, 1].astype(np.int64)
    else:
        to_other = np.full(len(positions), FAR, dtype=np.int64)

    rows = []
    n_free = int(free.sum())
    for k in ks:
        conditions = (free & (to_antigen > k + 1), free & (to_vessel > k),
                      free & (to_other > 2 * k + 2))
        leapable = conditions[0] & conditions[1] & conditions[2]
        shares = (float(c.sum()) / max(n_free, 1) for c in conditions)
        rows.append((k, int(leapable.sum()), n_free, *shares))
    return rows, int(antigen.sum()), int(occupied.sum())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", help="a cartsim output file with /snapshots")
    parser.add_argument("--k", type=int, nargs="+", default=[1, 2, 4, 8])
    args = parser.parse_args()
    try:
        return report(args)
    except (KeyError, OSError) as error:
        # h5py names the missing object: a damaged or foreign file gets one clear line.
        print(f"{args.run}: not a readable cartsim output file with snapshots: {error}",
              file=sys.stderr)
        return 2


def report(args) -> int:
    with h5py.File(args.run, "r") as f:
        if "snapshots" not in f or len(f["snapshots"]) == 0:
            print(f"{args.run}: no /snapshots (run with output.snapshot_every_days > 0)",
                  file=sys.stderr)
            return 2
        nx, ny, nz = (int(v) for v in f["snapshots"].attrs["lattice_shape"])
        edge = float(f["snapshots"].attrs["site_edge_um"])
        if nz == 1:
            print(f"{args.run}: a 2-D lattice; this analysis is for 3-D windows", file=sys.stderr)
            return 2
        print("day | CAR-T in marrow | free | CD19+ sites / tissue cells | k | leapable "
              "(share of free) | no antigen within k+1 | no vessel within k | "
              "no CAR-T within 2k+2")
        for name in sorted(f["snapshots"]):
            snapshot = f["snapshots"][name]
            n_car_t = int(snapshot["car_t"].attrs["count"])
            day = float(snapshot.attrs["time_days"])
            if n_car_t == 0:
                print(f"{day:.1f} | 0 | - | - | - | - | - | - | -")
                continue
            rows, n_antigen, n_tissue = analyse(snapshot, (nz, ny, nx), edge, args.k)
            for k, leapable, n_free, no_antigen, no_vessel, no_other in rows:
                print(f"{day:.1f} | {n_car_t} | {n_free} | {n_antigen} / {n_tissue} | {k} | "
                      f"{leapable} ({leapable / max(n_free, 1):.3f}) | {no_antigen:.3f} | "
                      f"{no_vessel:.3f} | {no_other:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
