"""Layout helpers: a legend in its own row below the plots, and a check that every drawn artist
lies inside the figure canvas (nothing clipped)."""
import matplotlib.pyplot as plt


def new_figure(width, height, panel_heights, legend_height=1.0, layout="constrained"):
    """A constrained-layout figure of len(panel_heights) stacked panels sharing x, plus a last
    row for the legend ("compressed" layout for maps of fixed aspect). Returns (figure,
    [panel axes], legend axes)."""
    figure, axes = plt.subplots(len(panel_heights) + 1, 1, figsize=(width, height),
                                layout=layout,
                                gridspec_kw={"height_ratios": [*panel_heights, legend_height]})
    panels, legend_axis = list(axes[:-1]), axes[-1]
    for panel in panels[1:]:
        panel.sharex(panels[0])
    legend_axis.axis("off")
    return figure, panels, legend_axis


def legend_row(legend_axis, handles, labels, columns=3):
    return legend_axis.legend(handles, labels, loc="center", ncols=columns, frameon=False,
                              fontsize="small")


def artists_outside_canvas(figure, tolerance_px=1.0):
    """Descriptions of the drawn artists (axes with their labels and ticks, legends, titles,
    annotations, colour bars) whose window extent leaves the figure canvas; [] if none."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    canvas = figure.bbox
    outside = []

    def check(what, box):
        if box is None or box.width == 0 and box.height == 0:
            return
        if (box.x0 < canvas.x0 - tolerance_px or box.y0 < canvas.y0 - tolerance_px
                or box.x1 > canvas.x1 + tolerance_px or box.y1 > canvas.y1 + tolerance_px):
            outside.append(f"{what} at ({box.x0:.0f}, {box.y0:.0f})-({box.x1:.0f}, "
                           f"{box.y1:.0f}) outside the canvas {canvas.width:.0f} x "
                           f"{canvas.height:.0f}")

    for axis in figure.axes:
        if not axis.get_visible():
            continue
        name = axis.get_label() or axis.get_title() or axis.get_ylabel() or "axes"
        check(f"axes '{name}'", axis.get_tightbbox(renderer))
        # The axes' tight box leaves out the long side of its axis labels: check them whole.
        for which in (axis.xaxis, axis.yaxis):
            if axis.axison and which.get_visible():
                check(f"{which.axis_name} axis of '{name}' (label '{which.label.get_text()}')",
                      which.get_tightbbox(renderer))
        for title in (axis.title, axis._left_title, axis._right_title):
            if title.get_visible() and title.get_text():
                check(f"title '{title.get_text()}'", title.get_window_extent(renderer))
        for legend in [axis.get_legend()] if axis.get_legend() else []:
            check(f"legend of '{name}'", legend.get_window_extent(renderer))
        for text in axis.texts:
            if text.get_visible() and text.get_text():
                check(f"text '{text.get_text()}'", text.get_window_extent(renderer))
    for text in figure.texts:
        if text.get_visible() and text.get_text():
            check(f"figure text '{text.get_text()}'", text.get_window_extent(renderer))
    for legend in figure.legends:
        check("figure legend", legend.get_window_extent(renderer))
    return outside


def legend_labels(figure):
    """Every legend entry's text in the figure."""
    legends = [axis.get_legend() for axis in figure.axes if axis.get_legend()] + figure.legends
    return [text.get_text() for legend in legends for text in legend.get_texts()]


def save_figure(figure, path, dpi=None):
    from .style import DPI
    figure.savefig(path, dpi=dpi or DPI)
    plt.close(figure)
    return path
