"""A snapshot of the marrow window: the middle z layer, blasts coloured by CD19, normal B and
marrow cells in greys, CAR-T cells on top by state with markers large enough that a handful of
cells among tens of thousands stays visible."""
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D

from .canvas import legend_row, new_figure
from .run_plots import title_of
from .style import CART_STATES, cart_state_style

TISSUE_GREYS = {"normal B cell": "0.45", "marrow cell": "0.82"}


def _site_indices(population, rows, edge):
    return (np.floor(population["x"][rows] / edge).astype(int),
            np.floor(population["y"][rows] / edge).astype(int))


def car_t_marker_size(axis_width_in, cells):
    """Marker area (points^2) for `cells` CAR-T cells on an axis `axis_width_in` wide: a few
    cells get large markers (9 pt across) so they stand out among tens of thousands of tissue
    cells; thousands get small ones (down to 3 pt) so they do not bury the tissue."""
    diameter = 0.35 * axis_width_in * 72 / np.sqrt(max(cells, 1))
    return float(np.clip(diameter, 3.0, 9.0)) ** 2


def snapshot_figure(run, snapshot):
    """The middle z layer of `snapshot` (a cartsim_io.Snapshot of `run`). Each CAR-T state's
    markers are sized by how many cells of that state are shown, so a rare state stands out
    (and is drawn on top)."""
    nx, ny, nz = snapshot.lattice_shape
    edge = snapshot.site_edge_um
    layer = nz // 2
    tissue = snapshot.tissue
    in_layer = snapshot.layer_of("tissue", layer)
    kind = np.full((ny, nx), np.nan)
    for code, name in enumerate(TISSUE_GREYS):
        rows = in_layer & (tissue.states == name)
        i, j = _site_indices(tissue, rows, edge)
        kind[j, i] = code
    blasts = in_layer & (tissue.states == "blast")
    blast_cd19 = np.full((ny, nx), np.nan)
    i, j = _site_indices(tissue, blasts, edge)
    cd19 = tissue["cd19"][blasts].astype(float) if "cd19" in tissue.columns else np.zeros(len(i))
    blast_cd19[j, i] = cd19

    width = 7.5
    map_height = min(max(0.8 * width * ny / nx, 3.0), 9.0)
    figure, (axis,), legend_axis = new_figure(width, map_height + 1.5, [map_height], 0.9,
                                               layout="compressed")
    extent = (0, nx * edge, 0, ny * edge)
    axis.imshow(np.ma.masked_invalid(kind), origin="lower", extent=extent,
                interpolation="nearest", vmin=0, vmax=1,
                cmap=ListedColormap(list(TISSUE_GREYS.values())))
    if blasts.any():
        image = axis.imshow(np.ma.masked_invalid(blast_cd19), origin="lower", extent=extent,
                            interpolation="nearest", cmap="viridis", vmin=0,
                            vmax=max(float(np.percentile(cd19, 99)), 1.0))
        figure.colorbar(image, ax=axis, label="CD19 on blasts (molecules/cell)", shrink=0.7,
                        extend="max")
    handles = [Line2D([], [], marker="s", linestyle="", markersize=8, color=grey, label=label)
               for label, grey in TISSUE_GREYS.items()]
    car_t = snapshot.car_t
    car_in_layer = snapshot.layer_of("car_t", layer)
    for state in CART_STATES:
        rows = car_in_layer & (car_t.states == state)
        style = cart_state_style(state)
        shown = int(rows.sum())
        in_window = int((car_t.states == state).sum())
        size = car_t_marker_size(0.8 * width, shown)  # a rare state gets larger markers
        label = f"CAR-T {state}: {shown}" + (f" in layer ({in_window} in window)" if nz > 1 else "")
        axis.scatter(car_t["x"][rows], car_t["y"][rows], s=size, c=style["color"],
                     marker=style["marker"], edgecolors="black",
                     linewidths=0.9 if size > 30 else 0.4, zorder=3 + 1 / max(shown, 1),
                     label=label)
    handles += axis.get_legend_handles_labels()[0]
    axis.set_xlim(extent[0], extent[1])
    axis.set_ylim(extent[2], extent[3])
    axis.set_aspect("equal")
    axis.set_xlabel("x (um)")
    axis.set_ylabel("y (um)")
    where = f"z layer {layer + 1} of {nz}" if nz > 1 else "2-D marrow window"
    axis.set_title(f"{title_of(run)}\nday {snapshot.time_days:g} after infusion, {where}: "
                   f"{int(blasts.sum())} blasts, {int(car_in_layer.sum())} CAR-T cells",
                   fontsize="medium")
    legend_row(legend_axis, handles, [h.get_label() for h in handles], columns=2)
    return figure
