#!/usr/bin/env pvpython
"""A picture (and optionally a movie) of a cartsim run's snapshots, with ParaView.

    pvpython analysis/paraview_view.py OUT.h5 -o picture.png [--day D] [--movie movie.mp4]
    (without a display: xvfb-run -a pvpython analysis/paraview_view.py ...)

It opens OUT.xmf (the XDMF sidecar `cartsim run` writes beside OUT.h5) with ParaView's legacy
"XDMF Reader". ParaView 5.11 offers the Xdmf3 readers first, and they return the cell
populations empty: they read point geometry only as one interleaved XYZ array with explicit
connectivity, while the run file stores x, y and z as separate columns (docs/OUTPUT.md) and
duplicating them would double a snapshot. In the GUI, pick "XDMF Reader" when ParaView asks.

Tissue cells are coloured by state (blast, normal B cell, marrow cell) and CAR-T cells by state
(resting, effector, memory, exhausted), drawn larger and on top so that rare cells stay visible;
the cytokine grids are left out unless --field names one (then drawn underneath). The default
time is the snapshot with the most CAR-T cells in the window.
"""

import argparse
import os
import shutil
import subprocess
import sys

from paraview import servermanager
from paraview import simple

# Colours by label (RGB in [0, 1]); labels come from the run file's state_labels attributes, so
# only the colours are fixed here.
TISSUE_COLOURS = {
    "blast": (0.84, 0.15, 0.16),
    "normal B cell": (0.12, 0.47, 0.71),
    "marrow cell": (0.80, 0.80, 0.80),
}
CAR_T_COLOURS = {
    "resting": (0.17, 0.63, 0.17),
    "effector": (1.00, 0.50, 0.05),
    "memory": (0.58, 0.40, 0.74),
    "exhausted": (0.10, 0.10, 0.10),
}


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="OUT.h5 (its OUT.xmf must be beside it) or OUT.xmf")
    parser.add_argument("-o", "--output", default=None, help="PNG to write (default OUT.png)")
    parser.add_argument("--day", type=float, default=None,
                        help="snapshot time in days after infusion (default: most CAR-T cells)")
    parser.add_argument("--movie", default=None,
                        help="also write a movie of every snapshot (MP4 with ffmpeg on PATH, "
                             "else a folder of PNG frames)")
    parser.add_argument("--field", default=None, help="draw this cytokine grid underneath (il6)")
    parser.add_argument("--size", type=int, nargs=2, default=(1200, 1000), metavar=("W", "H"))
    return parser.parse_args(argv)


def sidecar_of(path):
    stem, extension = os.path.splitext(path)
    sidecar = path if extension == ".xmf" else stem + ".xmf"
    if not os.path.isfile(sidecar):
        sys.exit(f"paraview_view: no XDMF sidecar '{sidecar}' (cartsim writes it beside OUT.h5 "
                 "when the run has snapshots: output.snapshot_every_days > 0)")
    return sidecar


def state_labels(h5_path, population):
    """{code: label} from the first snapshot that has the population (state_labels attribute)."""
    try:
        import h5py
    except ImportError:
        return {}
    with h5py.File(h5_path, "r") as run:
        for snapshot in sorted(run.get("snapshots", {})):
            group = run["snapshots"][snapshot].get(population)
            if group is not None and "state_labels" in group.attrs:
                text = group.attrs["state_labels"]
                text = text.decode() if isinstance(text, bytes) else str(text)
                pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
                return {int(code): label for code, label in pairs}
    return {}


def open_run(sidecar):
    return simple.XDMFReader(FileNames=[sidecar])


def block_points(reader, time, name):
    reader.UpdatePipeline(time)
    data = servermanager.Fetch(reader)
    for index in range(data.GetNumberOfBlocks()):
        if data.GetMetaData(index).Get(data.NAME()) == name:
            block = data.GetBlock(index)
            return block.GetNumberOfPoints() if block is not None else 0
    return 0


def busiest_car_t_time(reader):
    times = list(reader.TimestepValues) or [0.0]
    counts = [block_points(reader, t, "car_t") for t in times]
    return times[max(range(len(times)), key=lambda i: (counts[i], -i))]


def categorical_lut(array, labels, colours):
    lut = simple.GetColorTransferFunction(array)
    lut.InterpretValuesAsCategories = 1
    codes = sorted(labels)
    lut.Annotations = [item for code in codes for item in (str(code), labels[code])]
    lut.IndexedColors = [c for code in codes for c in colours.get(labels[code], (0.5, 0.5, 0.5))]
    return lut


def show_tissue(reader, name, array, labels, colours, point_size, view):
    block = simple.ExtractBlock(Input=reader, Selectors=[f"/Root/{name}"])
    display = simple.Show(block, view)
    display.SetRepresentationType("Points")
    display.PointSize = point_size
    display.RenderPointsAsSpheres = 1
    simple.ColorBy(display, ("POINTS", array))
    lut = categorical_lut(array, labels, colours)
    display.LookupTable = lut
    display.SetScalarBarVisibility(view, True)
    style_legend(simple.GetScalarBar(lut, view), "tissue cells", "Lower Right Corner")
    return display


def style_legend(bar, title, location):
    """Black text on the white background, every category named."""
    bar.Title = title
    bar.ComponentTitle = ""
    bar.TitleColor = [0.0, 0.0, 0.0]
    bar.LabelColor = [0.0, 0.0, 0.0]
    bar.TitleFontSize = 20
    bar.LabelFontSize = 18
    bar.WindowLocation = location
    bar.ScalarBarLength = 0.3


def main(argv):
    args = parse_arguments(argv)
    sidecar = sidecar_of(args.run)
    h5_path = os.path.splitext(sidecar)[0] + ".h5"
    reader = open_run(sidecar)
    view = simple.CreateView("RenderView")
    view.ViewSize = list(args.size)
    view.Background = [1.0, 1.0, 1.0]
    if hasattr(view, "UseColorPaletteForBackground"):
        view.UseColorPaletteForBackground = 0
    view.OrientationAxesVisibility = 0

    tissue_labels = state_labels(h5_path, "tissue") or {0: "blast", 1: "normal B cell",
                                                         2: "marrow cell"}
    car_t_labels = state_labels(h5_path, "car_t") or {0: "resting", 1: "effector", 2: "memory",
                                                      3: "exhausted"}
    show_tissue(reader, "tissue", "state", tissue_labels, TISSUE_COLOURS, 3, view)
    # CAR-T cells: a separate copy of the state array name keeps their legend apart.
    car_t = simple.ExtractBlock(Input=reader, Selectors=["/Root/car_t"])
    renamed = simple.Calculator(Input=car_t, AttributeType="Point Data",
                                ResultArrayName="state_car_t", Function="state")
    car_t_display = simple.Show(renamed, view)
    car_t_display.SetRepresentationType("Points")
    car_t_display.PointSize = 9
    car_t_display.RenderPointsAsSpheres = 1
    simple.ColorBy(car_t_display, ("POINTS", "state_car_t"))
    car_t_lut = categorical_lut("state_car_t", car_t_labels, CAR_T_COLOURS)
    car_t_display.LookupTable = car_t_lut
    car_t_display.SetScalarBarVisibility(view, True)
    style_legend(simple.GetScalarBar(car_t_lut, view), "CAR-T cells", "Upper Right Corner")
    if args.field:
        grid = simple.ExtractBlock(Input=reader, Selectors=["/Root/fields"])
        field_display = simple.Show(grid, view)
        simple.ColorBy(field_display, ("CELLS", args.field))
        field_display.Opacity = 0.35

    time = args.day if args.day is not None else busiest_car_t_time(reader)
    view.ViewTime = time
    text = simple.Text(Text=f"day {time:g} after infusion")
    text_display = simple.Show(text, view)
    text_display.WindowLocation = "Upper Center"
    text_display.Color = [0.0, 0.0, 0.0]
    view.CameraPosition = [0, 0, 1]
    view.CameraViewUp = [0, 1, 0]
    view.CameraParallelProjection = 1
    view.ResetCamera(False)
    simple.GetActiveCamera().Zoom(1.25)
    simple.Render(view)
    output = args.output or os.path.splitext(h5_path)[0] + ".png"
    simple.SaveScreenshot(output, view, ImageResolution=list(args.size))
    print(f"paraview_view: wrote {output} (day {time:g})")

    if args.movie:
        write_movie(reader, view, text, args.movie, args.size)
    # Tear the view down before the interpreter does: under Xvfb, ParaView 5.11 otherwise fails
    # with GLXBadContext at exit, after the files are written.
    simple.Delete(view)
    del view
    return 0


def write_movie(reader, view, text, movie, size):
    frames_dir = os.path.splitext(movie)[0] + "_frames"
    os.makedirs(frames_dir, exist_ok=True)
    for index, time in enumerate(reader.TimestepValues):
        view.ViewTime = time
        text.Text = f"day {time:g} after infusion"
        simple.Render(view)
        simple.SaveScreenshot(os.path.join(frames_dir, f"frame_{index:05d}.png"), view,
                              ImageResolution=list(size))
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        print(f"paraview_view: no ffmpeg on PATH; the frames are in {frames_dir}")
        return
    subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-framerate", "4", "-i",
                    os.path.join(frames_dir, "frame_%05d.png"), "-pix_fmt", "yuv420p",
                    "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", movie], check=True)
    print(f"paraview_view: wrote {movie}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
