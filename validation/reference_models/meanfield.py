"""Mean-field model of CAR-T cells, leukaemic cells and normal B cells (León-Triana et al. 2021),
a comparator for cartsim's whole-patient dynamics.

León-Triana O, Sabir S, Calvo GF, Belmonte-Beitia J, Chulián S, Martínez-Rubio Á, Rosa M,
Pérez-Martínez A, Ramírez-Orellana M, Pérez-García VM. CAR T cell therapy in B-cell acute
lymphoblastic leukaemia: insights from mathematical models. Commun Nonlinear Sci Numer Simul
2021;94:105570 (doi:10.1016/j.cnsns.2020.105570). Equations (4a)-(4c), whole-body cell numbers:

    dC/dt = rho_C * (L + B) * C - C / tau_C        CAR-T cells: stimulated by CD19+ cells
    dL/dt = rho_L * L - alpha * L * C              leukaemic cells: grow, killed by CAR-T
    dB/dt = -alpha * B * C - B / tau_B             mature B cells: killed, die (no production in (4))

Parameters and initial values are those of the paper's baseline as curated in BioModels
BIOMD0000001011 (CC0): tau_B = 60 d, rho_L = 1/30 per d, tau_C = 14 d, alpha = 4.5e-11 per cell
per d, rho_C = alpha / 4; C(0) = 1e7 CAR-T cells, L(0) = 5e10 leukaemic cells, B(0) = 2.5e10 B
cells; 100 days.

Two properties follow from the equations and are tested (tests/validation):
  - with rho_L = 0 and tau_B = tau_C = infinity, C + (rho_C / alpha) * (L + B) is conserved, which
    bounds the CAR-T peak by C(0) + (rho_C / alpha) * (L(0) + B(0)) (the paper's explicit formula for
    the maximum expansion is this bound corrected for CAR-T death);
  - at the baseline CAR-T cells expand ~1600-fold to a peak near day 12, the leukaemia falls by
    five logs (below the 1e-4 MRD threshold of its initial burden) and, as CAR-T cells contract
    with lifetime tau_C and no B cells are made to feed them, it grows back within 100 days: the
    CD19-positive relapse the paper describes as predator-prey dynamics.

    /usr/bin/python3 validation/reference_models/meanfield.py     # prints the baseline's readouts
"""

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.integrate import solve_ivp


@dataclass(frozen=True)
class LeonTrianaParameters:
    alpha: float = 4.5e-11         # 1/(cell d): killing of CD19+ cells per CAR-T cell
    rho_c_over_alpha: float = 0.25  # rho_C = alpha / 4 (BIOMD0000001011 assignment rule)
    rho_l: float = 1.0 / 30.0      # 1/d: leukaemic proliferation
    tau_c: float = 14.0            # d: CAR-T lifetime
    tau_b: float = 60.0            # d: mature B-cell lifetime
    c0: float = 1.0e7              # CAR-T cells infused
    l0: float = 5.0e10             # leukaemic cells at infusion
    b0: float = 2.5e10             # B cells at infusion

    @property
    def rho_c(self):
        return self.rho_c_over_alpha * self.alpha


BASELINE = LeonTrianaParameters()


def rhs(t, y, p):
    c, l, b = y
    return [p.rho_c * (l + b) * c - c / p.tau_c,
            p.rho_l * l - p.alpha * l * c,
            -p.alpha * b * c - b / p.tau_b]


def simulate(t_eval, p=BASELINE):
    """(C, L, B) at days t_eval. LSODA: the system is stiff while CAR-T cells peak."""
    t_eval = np.asarray(t_eval, dtype=float)
    sol = solve_ivp(rhs, (0.0, float(t_eval[-1])), [p.c0, p.l0, p.b0], t_eval=t_eval,
                    args=(p,), method="LSODA", rtol=1e-9, atol=1e-6)
    if not sol.success:
        raise RuntimeError(f"meanfield: integration failed: {sol.message}")
    return sol.y


def conserved_quantity(c, l, b, p=BASELINE):
    """C + (rho_C/alpha)(L + B): constant when rho_L = 0 and tau_B = tau_C = infinity."""
    return c + p.rho_c_over_alpha * (l + b)


def no_turnover(p=BASELINE):
    """The limit in which conserved_quantity is exact."""
    return replace(p, rho_l=0.0, tau_c=math.inf, tau_b=math.inf)


def readouts(t, c, l, b):
    i = int(np.argmax(c))
    return {"cart_peak_cells": float(c[i]), "cart_peak_day": float(t[i]),
            "fold_expansion": float(c[i] / c[0]), "min_leukaemic_cells": float(np.min(l)),
            "min_leukaemic_day": float(t[int(np.argmin(l))]),
            "leukaemic_fraction_of_initial_min": float(np.min(l) / l[0]),
            "leukaemic_cells_end": float(l[-1])}


if __name__ == "__main__":
    grid = np.linspace(0, 100, 2001)
    c, l, b = simulate(grid)
    print("León-Triana et al. 2021 baseline:", readouts(grid, c, l, b))
