"""Figures of cartsim runs and ensembles for talks and papers (needs matplotlib): clinical axes
(days after infusion, cells/uL), grades marked as model-derived, CAR-T states distinguishable,
zero blasts annotated, nothing outside the canvas (constrained layout; checked by
artists_outside_canvas)."""
from .canvas import artists_outside_canvas, legend_labels, save_figure
from .ensemble_plots import endpoints_figure, inputs_figure, swimmer_figure
from .run_plots import MissingColumns, blast_response_figure, cart_states_figure, \
    cytokines_figure, zero_stretches
from .snapshot_plot import snapshot_figure

__all__ = ["MissingColumns", "artists_outside_canvas", "blast_response_figure",
           "cart_states_figure", "cytokines_figure", "endpoints_figure", "inputs_figure",
           "legend_labels", "save_figure", "snapshot_figure", "swimmer_figure", "zero_stretches"]
