"""Shared look of cartsim's figures: clinical axis labels and a colour-blind-safe (Okabe-Ito)
style per CAR-T state, distinct in colour, line style and marker."""
DAYS_AFTER_INFUSION = "days after infusion"
BLOOD_CART_LABEL = "CAR-T cells in blood (cells/uL)"
DERIVED_GRADE = "ASTCT, model-derived"
DPI = 150

# CAR-T states as named in the time series (cart_<state>) and the snapshot labels.
CART_STATES = ("resting", "effector", "memory", "exhausted")
CART_STATE_STYLE = {
    "resting": dict(color="#0072B2", linestyle="-", marker="o"),
    "effector": dict(color="#D55E00", linestyle="--", marker="^"),
    "memory": dict(color="#009E73", linestyle="-.", marker="D"),
    "exhausted": dict(color="#CC79A7", linestyle=":", marker="s"),
}
FALLBACK_STYLE = dict(color="black", linestyle="-", marker="x")

BLAST_COLOUR = "#7B3294"
CART_COLOUR = "#D55E00"


def cart_state_style(state):
    return CART_STATE_STYLE.get(state, FALLBACK_STYLE)
