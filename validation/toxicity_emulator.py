"""Replay the systemic toxicity physiology (agents/toxicity/physiology.cpp) on recorded drivers.

CRS and ICANS in cartsim are an ODE system driven by three whole-patient series: CAR-T cells in
a synapse, targets lysed per day and CAR-T cells activated per day (/timeseries/
patient_cart_engaged, patient_kills_per_day, patient_activations_per_day), and by the time since
infusion (the myeloid priming of lymphodepletion, car_t.lymphodepletion).
Without dexamethasone the physiology never acts back on the cells, so a run's drivers, recorded
every tissue tick, determine its toxicity: replaying them with other `toxicity.*` or
`interventions.*` values gives, in seconds for a whole cohort, the grades that cartsim would
give. That makes the physiology's parameters calibratable against the cohort checks without
rerunning the cohort (docs/MODEL.md "Toxicity", "Calibration").

Exact (tests/validation/test_toxicity_emulator.py compares it with cartsim) when:
- the runs recorded every tissue tick: `--set time.record_every_days=D` with D one tissue
  period (1/24 d by default), which the loader checks;
- the replay changes nothing that acts back on the cells: no dexamethasone given, in the run or
  in the replay (steroids damp CAR-T division and killing), and no `car_t.hold_at_crs_grade`
  (a hold changes the infusions). The replay reports how many patients got dexamethasone;
  there it is an approximation (the recorded drivers carry the recorded steroid effect).
Scheduled doses (`interventions.schedule`) are not replayed: such runs are refused.

    /usr/bin/python3 validation/toxicity_emulator.py ENSEMBLE_DIR [--set toxicity.KEY=VALUE]...

prints the replayed CRS and ICANS grade counts, the severe shares and, without --set, whether
they equal the recorded ones. As a module: load_cohort(dir) and replay(cohort, overrides).
"""

import argparse
import glob
import math
import os
import sys
import tomllib
from dataclasses import dataclass

import h5py
import numpy as np

# The ODE variables, in physiology.cpp's order.
M, IL6, IL1, IFNG, TOCI, STEROID, ENDO, LUNG, CNS, BURST, RECRUIT = range(11)
RK4_STEPS_PER_DAY = 96  # physiology.cpp: classical RK4 on steps of at most 15 min
DAY_TOLERANCE = 1e-9


class EmulatorError(Exception):
    pass


@dataclass
class Cohort:
    """Runs of one ensemble on a common time grid (columns: patients)."""
    names: list
    time_days: np.ndarray
    engaged: np.ndarray  # (records, patients)
    kills_per_day: np.ndarray
    activations_per_day: np.ndarray
    parameters: list  # per patient: {"toxicity": {...}, "interventions": {...}, "lymphodepletion": bool}
    recorded: dict  # crs_max_grade, icans_max_grade, il6_peak_pg_per_ml, dexamethasone_mg


def _load_run(path):
    with h5py.File(path, "r") as f:
        config = tomllib.loads(f["config"].attrs["scenario_toml"])
        series = f["timeseries"]
        t = series["time_days"][:]
        tick_days = config["time"]["tissue_period_steps"] * config["time"]["fine_step_min"] / 1440.0
        steps = np.diff(t)
        if len(t) < 2 or np.max(np.abs(steps - tick_days)) > 1e-6:
            raise EmulatorError(f"{path}: /timeseries is not recorded every tissue tick "
                                f"({tick_days:.6g} d); run with --set time.record_every_days={tick_days!r}")
        if config["interventions"].get("schedule", "").strip():
            raise EmulatorError(f"{path}: interventions.schedule is not replayed")
        summary = f["summary"].attrs
        recorded = {
            "crs_max_grade": int(summary["crs_max_grade"]),
            "icans_max_grade": int(summary["icans_max_grade"]),
            "il6_peak_pg_per_ml": float(summary["il6_peak_pg_per_ml"]),
            "dexamethasone_mg": float(series["dexamethasone_mg"][-1]),
        }
        return (t, series["patient_cart_engaged"][:], series["patient_kills_per_day"][:],
                series["patient_activations_per_day"][:],
                {"toxicity": config["toxicity"], "interventions": config["interventions"],
                 "lymphodepletion": bool(config["car_t"]["lymphodepletion"])}, recorded)


def load_cohort(directory):
    """Every run of DIR/runs/*.h5 (an ensemble directory) or DIR/*.h5."""
    paths = sorted(glob.glob(os.path.join(directory, "runs", "*.h5"))) or sorted(
        glob.glob(os.path.join(directory, "*.h5")))
    if not paths:
        raise EmulatorError(f"{directory}: no run files (expected runs/*.h5 or *.h5)")
    runs = [_load_run(p) for p in paths]
    n = min(len(r[0]) for r in runs)
    if any(not np.allclose(r[0][:n], runs[0][0][:n]) for r in runs):
        raise EmulatorError(f"{directory}: the runs' record times differ")
    return Cohort(
        names=[os.path.basename(p) for p in paths],
        time_days=runs[0][0][:n],
        engaged=np.array([r[1][:n] for r in runs]).T,
        kills_per_day=np.array([r[2][:n] for r in runs]).T,
        activations_per_day=np.array([r[3][:n] for r in runs]).T,
        parameters=[r[4] for r in runs],
        recorded={k: np.array([r[5][k] for r in runs]) for k in runs[0][5]},
    )


def _parameter_arrays(cohort, overrides):
    """Per-patient arrays of every toxicity and intervention value, overrides applied."""
    out = {}
    known = set()
    for section in ("toxicity", "interventions"):
        for key in cohort.parameters[0][section]:
            if key == "schedule":
                continue
            full = f"{section}.{key}"
            known.add(full)
            values = [p[section][key] for p in cohort.parameters]
            out[key] = np.full(len(values), float(overrides[full])) if full in overrides \
                else np.array(values, dtype=float)
    unknown = [k for k in overrides if k not in known]
    if unknown:
        raise EmulatorError(f"unknown or unreplayable keys: {', '.join(unknown)}")
    return out


def _saturating(x, half):
    return np.where(x > 0, x / (x + half), 0.0)


def _switching(x, half):
    r = x / half
    return np.where(x > 0, r * r / (1 + r * r), 0.0)


def _hill(x, half, n):
    r = np.power(np.maximum(x, 0.0) / half, n)
    return np.where(x > 0, r / (1 + r), 0.0)


def _priming(p, lymphodepletion, days_after_infusion):
    """Myeloid output multiple (physiology.cpp lymphodepletion_myeloid_priming)."""
    return np.where(lymphodepletion, 1 + p["lymphodepletion_myeloid_priming"] * np.exp(
        -max(days_after_infusion, 0.0) / p["lymphodepletion_priming_decay_days"]), 1.0)


def _rates(y, engaged, kills, activations, priming, p):
    steroid = _saturating(y[STEROID], p["steroid_half_effect_mg"])
    output = 1 - p["steroid_cytokine_effect"] * steroid
    blocked = _saturating(y[TOCI], p["tocilizumab_kd_ug_per_ml"])
    m = np.clip(y[M], 0, 1)
    il6, il1, ifng = (np.maximum(y[i], 0) for i in (IL6, IL1, IFNG))
    endo = np.clip(y[ENDO], 0, 1)
    d = np.empty_like(y)
    drive = (p["contact_weight"] * _switching(engaged, p["contact_half_saturation_cells"])
             + p["lysis_weight"] * _switching(kills, p["lysis_half_saturation_per_day"])
             + p["ifng_weight"] * _saturating(ifng, p["ifng_half_saturation_pg_per_ml"])) / (
                 p["contact_weight"] + p["lysis_weight"] + p["ifng_weight"])
    d[M] = (p["macrophage_activation_per_day"] * drive * output * (1 - m)
            - p["macrophage_deactivation_per_day"] * m)
    clearance = p["il6_clearance_per_day"] + p["il6_receptor_clearance_per_day"] * (1 - blocked)
    basal = p["il6_baseline_pg_per_ml"] * (p["il6_clearance_per_day"] + p["il6_receptor_clearance_per_day"])
    myeloid = m * output * (priming + np.maximum(y[RECRUIT], 0))
    d[IL6] = basal + (p["macrophage_il6_pg_per_day"] * myeloid
                      + p["endothelial_il6_pg_per_day"] * endo) / p["plasma_volume_ml"] - clearance * il6
    d[IL1] = p["macrophage_il1_pg_per_day"] * myeloid / p["plasma_volume_ml"] - p["il1_clearance_per_day"] * il1
    d[IFNG] = (p["ifng_pg_per_engaged_cell_per_hour"] * 24 * engaged * output / p["plasma_volume_ml"]
               - p["ifng_clearance_per_day"] * ifng)
    d[TOCI] = -p["tocilizumab_elimination_per_day"] * y[TOCI]
    d[STEROID] = -p["steroid_elimination_per_day"] * y[STEROID]
    il1_signal = _saturating(il1, p["il1_half_saturation_pg_per_ml"])
    endothelial_drive = ((1 - blocked) * _saturating(il6, p["endothelial_il6_half_saturation_pg_per_ml"])
                         + p["endothelial_il1_weight"] * il1_signal
                         + p["endothelial_ifng_weight"] * _saturating(ifng, p["ifng_endothelial_half_saturation_pg_per_ml"])
                         ) / (1 + p["endothelial_il1_weight"] + p["endothelial_ifng_weight"])
    d[ENDO] = (p["endothelial_activation_per_day"] * endothelial_drive * (1 - endo)
               - p["endothelial_recovery_per_day"] * endo)
    leak = np.minimum(1.0, endo * p["capillary_leak_susceptibility"])
    d[LUNG] = p["lung_water_per_day"] * (leak - y[LUNG])
    cns_drive = leak * (_saturating(il6, p["cns_il6_half_saturation_pg_per_ml"])
                        + p["endothelial_il1_weight"] * il1_signal) / (1 + p["endothelial_il1_weight"])
    cns = np.clip(y[CNS], 0, 1)
    d[CNS] = p["cns_inflammation_per_day"] * cns_drive * (1 - cns) - p["cns_recovery_per_day"] * cns
    d[BURST] = activations - y[BURST] / p["activation_burst_days"]
    burst = _hill(y[BURST], p["activation_burst_half_saturation_cells"], p["activation_burst_hill"])
    d[RECRUIT] = p["monocyte_recruitment_per_day"] * burst - y[RECRUIT] / p["monocyte_recruitment_decay_days"]
    return d


def _clamp(y):
    y = np.maximum(y, 0.0)
    for i in (M, ENDO, LUNG, CNS):
        y[i] = np.minimum(y[i], 1.0)
    return y


def _signs_and_grades(y, p, fever_masked):
    """CRS and ICANS grades by ASTCT (physiology.cpp clinical_signs and crs/icans_grade_astct)."""
    blocked = _saturating(y[TOCI], p["tocilizumab_kd_ug_per_ml"])
    pyrogen = 1 - (1 - (1 - blocked) * _saturating(y[IL6], p["il6_signalling_half_saturation_pg_per_ml"])) * (
        1 - _saturating(y[IL1], p["il1_half_saturation_pg_per_ml"]))
    fever = 37 + p["fever_max_rise_celsius"] * pyrogen >= 38
    leak = np.minimum(1.0, y[ENDO] * p["capillary_leak_susceptibility"])
    hypotension = np.select([leak >= p["hypotension_vasopressors_leak"],
                             leak >= p["hypotension_one_vasopressor_leak"],
                             leak >= p["hypotension_fluids_leak"]], [3, 2, 1], 0)
    oxygen = np.select([y[LUNG] >= p["hypoxia_positive_pressure_lung_water"],
                        y[LUNG] >= p["hypoxia_high_flow_lung_water"],
                        y[LUNG] >= p["hypoxia_low_flow_lung_water"]], [3, 2, 1], 0)
    worst = np.maximum(hypotension, oxygen)
    crs = np.where(fever | fever_masked, np.where(worst == 0, fever.astype(int), worst + 1), 0)
    z = y[CNS] * p["neuro_susceptibility"]
    span = p["ice_score_zero_encephalopathy"] - p["icans_onset_encephalopathy"]
    ice = np.clip(np.round(10 * (1 - (z - p["icans_onset_encephalopathy"]) / span)), 0, 10)
    icans = np.select([z >= p["icans_grade4_encephalopathy"], ice <= 2, ice <= 6, ice <= 9], [4, 3, 2, 1], 0)
    return fever, crs, icans


def replay(cohort, overrides=None):
    """Replay every patient with `overrides` ({"toxicity.KEY": value, ...}); returns arrays
    crs_max_grade, icans_max_grade, il6_peak_pg_per_ml, crs_onset_day, dexamethasone_mg."""
    p = _parameter_arrays(cohort, overrides or {})
    lymphodepletion = np.array([q["lymphodepletion"] for q in cohort.parameters])
    patients = cohort.engaged.shape[1]
    y = np.zeros((11, patients))
    y[IL6] = p["il6_baseline_pg_per_ml"]
    crs = np.zeros(patients, int)
    icans = np.zeros(patients, int)
    out = {"crs_max_grade": np.zeros(patients, int), "icans_max_grade": np.zeros(patients, int),
           "il6_peak_pg_per_ml": y[IL6].copy(), "crs_onset_day": np.full(patients, math.nan),
           "dexamethasone_mg": np.zeros(patients)}
    doses = np.zeros(patients, int)
    last_toci = np.full(patients, -1.0)
    last_dex = np.full(patients, -1.0)
    fever_seen = np.zeros(patients, bool)
    treated = np.zeros(patients, bool)

    def since(last, now, hours):
        return (last < 0) | ((now - last) * 24 >= hours - DAY_TOLERANCE)

    t = cohort.time_days
    for i in range(1, len(t)):
        now = t[i - 1]  # the tick runs from the previous record to this one
        # Rules from the previous tick's grades (phase.cpp systemic_step).
        toci = ((p["tocilizumab_at_crs_grade"] > 0) & (crs >= p["tocilizumab_at_crs_grade"])
                & (doses < p["tocilizumab_max_doses"]) & since(last_toci, now, p["tocilizumab_repeat_hours"]))
        y[TOCI] += np.where(toci, p["tocilizumab_dose_mg_per_kg"] * 1000 / p["tocilizumab_distribution_ml_per_kg"], 0)
        doses += toci
        last_toci = np.where(toci, now, last_toci)
        dex = (((p["dexamethasone_at_crs_grade"] > 0) & (crs >= p["dexamethasone_at_crs_grade"]))
               | ((p["dexamethasone_at_icans_grade"] > 0) & (icans >= p["dexamethasone_at_icans_grade"])))
        dex &= since(last_dex, now, p["dexamethasone_every_hours"])
        y[STEROID] += np.where(dex, p["dexamethasone_dose_mg"], 0)
        out["dexamethasone_mg"] += np.where(dex, p["dexamethasone_dose_mg"], 0)
        last_dex = np.where(dex, now, last_dex)
        engaged, kills = cohort.engaged[i], cohort.kills_per_day[i]
        activations = cohort.activations_per_day[i]
        dt = t[i] - t[i - 1]
        priming = _priming(p, lymphodepletion, now + 0.5 * dt)  # phase.cpp: the tick's middle
        steps = max(1, math.ceil(dt * RK4_STEPS_PER_DAY - 1e-9))
        h = dt / steps
        for _ in range(steps):
            k1 = _rates(y, engaged, kills, activations, priming, p)
            k2 = _rates(y + 0.5 * h * k1, engaged, kills, activations, priming, p)
            k3 = _rates(y + 0.5 * h * k2, engaged, kills, activations, priming, p)
            k4 = _rates(y + h * k3, engaged, kills, activations, priming, p)
            y = _clamp(y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4))
        treated |= (doses > 0) | (out["dexamethasone_mg"] > 0)
        # Masking matters only without fever now, when this tick adds nothing to fever_seen.
        fever, crs, icans = _signs_and_grades(y, p, fever_seen & treated)
        fever_seen |= fever
        onset = np.isnan(out["crs_onset_day"]) & (crs >= 1)
        out["crs_onset_day"][onset] = t[i]
        out["crs_max_grade"] = np.maximum(out["crs_max_grade"], crs)
        out["icans_max_grade"] = np.maximum(out["icans_max_grade"], icans)
        out["il6_peak_pg_per_ml"] = np.maximum(out["il6_peak_pg_per_ml"], y[IL6])
    return out


def _parse_sets(items):
    overrides = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.startswith(("toxicity.", "interventions.")):
            raise EmulatorError(f"--set {item}: expected toxicity.KEY=VALUE or interventions.KEY=VALUE")
        try:
            overrides[key] = float(value)
        except ValueError:
            raise EmulatorError(f"--set {item}: {value!r} is not a number") from None
    return overrides


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", help="ensemble directory (runs/*.h5) or a directory of run files")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    try:
        cohort = load_cohort(args.directory)
        overrides = _parse_sets(args.set)
        result = replay(cohort, overrides)
    except (EmulatorError, OSError, KeyError) as error:
        print(f"toxicity_emulator: {error}", file=sys.stderr)
        return 2
    n = len(cohort.names)
    for name, key in (("CRS", "crs_max_grade"), ("ICANS", "icans_max_grade")):
        counts = np.bincount(result[key], minlength=5)
        print(f"{name} max grade 0-4: {' '.join(str(c) for c in counts)}; grade >= 3: "
              f"{np.mean(result[key] >= 3):.3f}; any: {np.mean(result[key] >= 1):.3f} ({n} patients)")
    dexamethasone = int(np.sum((result["dexamethasone_mg"] > 0) | (cohort.recorded["dexamethasone_mg"] > 0)))
    if dexamethasone:
        print(f"approximate for {dexamethasone} patients given dexamethasone (it acts back on the cells)")
    if not overrides:
        same = all(np.array_equal(result[k], cohort.recorded[k]) for k in ("crs_max_grade", "icans_max_grade"))
        print("replay equals the recorded grades" if same else "replay DIFFERS from the recorded grades")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
