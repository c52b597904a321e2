"""Population cellular-kinetic model of tisagenlecleucel (Stein et al. 2019), a comparator for
cartsim's blood CAR-T kinetics.

Stein AM, Grupp SA, Levine JE, et al. Tisagenlecleucel model-based cellular kinetic analysis of
chimeric antigen receptor-T cells. CPT Pharmacometrics Syst Pharmacol 2019;8(5):285-295
(doi:10.1002/psp4.12388). Fitted to 90 pediatric and young-adult r/r B-ALL patients of ELIANA
and ENSIGN; levels are transgene copies per ug genomic DNA (qPCR).

Structure (the paper's Figure 2): effector-like cells E expand exponentially at rate rho until
Tmax; then they contract at rate alpha, and a flux k*E feeds a memory-like pool M that declines at
rate beta. Measured level = E + M.

    t <  Tmax:  dE/dt = rho * E,                      M = 0
    t >= Tmax:  dE/dt = -alpha * E,  dM/dt = k * E - beta * M,   k = FB * (alpha - beta)
    E(0) = R0 = Cmax / foldx,  rho = ln(foldx) / Tmax

Closed form after Tmax (supplement): C = Cmax * ((1 - FB) exp(-alpha s) + FB exp(-beta s)),
s = t - Tmax. Typical values and between-patient variances (omega^2 of the log parameters) are
the paper's Table 1 as transcribed in the nlmixr2lib model Stein_2019_Tisagenlecleucel; the
tocilizumab / corticosteroid factors on rho (1.2 and 1.0) are left out, as there.

    /usr/bin/python3 validation/reference_models/popPK.py      # prints the typical patient's NCA
"""

import math
from dataclasses import dataclass, replace

import numpy as np

# numpy 2 renamed trapz to trapezoid; Debian 12 ships numpy 1.24.
trapezoid = getattr(np, "trapezoid", None) or np.trapz
from scipy.integrate import solve_ivp


@dataclass(frozen=True)
class SteinParameters:
    foldx: float = 3900.0    # fold expansion Cmax / R0
    tmax: float = 9.3        # d, time of the peak
    cmax: float = 24000.0    # copies/ug at the peak
    alpha: float = 0.16      # 1/d, contraction (effector) rate: half-life 4.3 d
    fb: float = 0.0079       # fraction of the peak carried by the memory-like pool
    beta: float = 0.0032     # 1/d, persistence (memory) rate: half-life ~220 d

    @property
    def rho(self):
        return math.log(self.foldx) / self.tmax

    @property
    def r0(self):
        return self.cmax / self.foldx

    @property
    def k(self):
        return self.fb * (self.alpha - self.beta)


# Between-patient variance of each log parameter (Table 1, "random effect").
OMEGA2 = {"foldx": 2.4, "tmax": 0.38, "cmax": 0.65, "alpha": 0.91, "fb": 0.8, "beta": 0.86}

TYPICAL = SteinParameters()


def closed_form(t, p=TYPICAL):
    """Level (copies/ug) at days t, the paper's analytical solution."""
    t = np.asarray(t, dtype=float)
    s = t - p.tmax
    expansion = p.r0 * np.exp(p.rho * np.minimum(t, p.tmax))
    contraction = p.cmax * ((1 - p.fb) * np.exp(-p.alpha * np.maximum(s, 0))
                            + p.fb * np.exp(-p.beta * np.maximum(s, 0)))
    return np.where(t < p.tmax, expansion, contraction)


def simulate(t_eval, p=TYPICAL):
    """Integrates the compartmental ODEs with solve_ivp (two pieces, split at Tmax so the
    solver never steps across the switch). Returns (E, M) at t_eval."""
    t_eval = np.asarray(t_eval, dtype=float)
    before = t_eval[t_eval < p.tmax]
    after = t_eval[t_eval >= p.tmax]
    e_before = np.empty(0)
    if before.size:
        sol = solve_ivp(lambda t, y: [p.rho * y[0]], (0.0, p.tmax), [p.r0], t_eval=before,
                        rtol=1e-10, atol=1e-12 * p.cmax)
        e_before = sol.y[0]
    e_after = m_after = np.empty(0)
    if after.size:
        # E at Tmax is Cmax: the memory-like pool starts empty.
        sol = solve_ivp(lambda t, y: [-p.alpha * y[0], p.k * y[0] - p.beta * y[1]],
                        (p.tmax, max(after[-1], p.tmax)), [p.cmax, 0.0], t_eval=after,
                        rtol=1e-10, atol=1e-12 * p.cmax)
        e_after, m_after = sol.y
    e = np.concatenate([e_before, e_after])
    m = np.concatenate([np.zeros(before.size), m_after])
    return e, m


def auc_closed_form(until_day, p=TYPICAL):
    """Exact AUC from 0 to until_day (copies/ug x d)."""
    if until_day <= p.tmax:
        return p.r0 * (math.exp(p.rho * until_day) - 1) / p.rho
    s = until_day - p.tmax
    return (p.r0 * (math.exp(p.rho * p.tmax) - 1) / p.rho
            + (1 - p.fb) * p.cmax * (1 - math.exp(-p.alpha * s)) / p.alpha
            + p.fb * p.cmax * (1 - math.exp(-p.beta * s)) / p.beta)


def sample_population(n, seed=2019):
    """n virtual patients with the paper's log-normal between-patient variability."""
    rng = np.random.default_rng(seed)
    patients = []
    for _ in range(n):
        draws = {name: getattr(TYPICAL, name) * math.exp(rng.normal(0.0, math.sqrt(w)))
                 for name, w in OMEGA2.items()}
        draws["foldx"] = max(draws["foldx"], 1.0 + 1e-9)  # an expansion, however small
        draws["fb"] = min(draws["fb"], 1.0)
        draws["beta"] = min(draws["beta"], draws["alpha"])  # memory never contracts faster
        patients.append(replace(TYPICAL, **draws))
    return patients


def nca(t, c, auc_until=28.0):
    """Cmax, Tmax, AUC0-auc_until (trapezoid) and fold expansion of one sampled curve."""
    t = np.asarray(t, dtype=float)
    c = np.asarray(c, dtype=float)
    i = int(np.argmax(c))
    mask = t <= auc_until
    return {"cmax": float(c[i]), "tmax": float(t[i]), f"auc_0_{auc_until:g}": float(trapezoid(c[mask], t[mask])),
            "fold_expansion": float(c[i] / c[0]) if c[0] > 0 else math.nan}


if __name__ == "__main__":
    grid = np.linspace(0, 84, 84 * 24 + 1)
    print("Stein et al. 2019, typical patient:", nca(grid, closed_form(grid)))
    print("AUC0-28 closed form:", auc_closed_form(28.0), "AUC0-84:", auc_closed_form(84.0))
