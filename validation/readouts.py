"""Emergent readouts of a cohort, each with a 95% interval.

A readout function takes the cohort's RunRecords and the check's params and returns an Estimate,
or raises NotAvailable when the run files lack what it needs (an older or newer cartsim) or the
cohort cannot estimate it (e.g. no non-responders). Readouts prefer the /summary attribute and
fall back to computing it from /timeseries, so they work before and after the model adds a
readout to /summary.
"""

import math
from dataclasses import dataclass

import numpy as np

# numpy 2 renamed trapz to trapezoid; Debian 12 ships numpy 1.24.
trapezoid = getattr(np, "trapezoid", None) or np.trapz

import stats


class NotAvailable(Exception):
    """The readout cannot be computed from these runs; str() says why."""


@dataclass
class Estimate:
    value: float
    low: float
    high: float
    n_text: str          # what the estimate is over, e.g. "17/20" or "20 patients"
    interval: str        # how the interval was computed
    p_value: float = math.nan  # only for tests

    def formatted(self, digits=3):
        def fmt(x):
            if math.isnan(x):
                return "nan"
            if math.isinf(x):
                return "inf"
            return f"{x:.{digits}g}"
        if not math.isnan(self.p_value):
            return f"{fmt(self.value)} (p={self.p_value:.2g})"
        return f"{fmt(self.value)} ({fmt(self.low)}-{fmt(self.high)})"


# --- per-run quantities (summary first, time series as the fallback) -----------------------

def _summary(record, name):
    if not record.has(name):
        raise NotAvailable(f"readout '{name}' missing from /summary of {record.path.name}")
    return record.value(name)


def _series(record, name):
    if name not in record.timeseries or "time_days" not in record.timeseries:
        raise NotAvailable(f"time series '{name}' missing from /timeseries of {record.path.name}")
    return record.series(name)


def in_cr(record, by_day):
    day = _summary(record, "cr_day")
    return not math.isnan(day) and day <= by_day


def cart_peak(record):
    if record.has("cart_peak_per_ul"):
        return record.value("cart_peak_per_ul")
    _, c = _series(record, "cart_blood_per_ul")
    return float(np.max(c))


def cart_tmax(record):
    if record.has("cart_peak_day"):
        return record.value("cart_peak_day")
    t, c = _series(record, "cart_blood_per_ul")
    return float(t[int(np.argmax(c))])


def early_level(t, c):
    """Blood level just after infusion: the day-0 record, or the first positive record within
    the first day (a model with a distribution phase may start blood at 0)."""
    within = np.flatnonzero((t <= 1.0) & (c > 0))
    return float(c[within[0]]) if within.size else math.nan


def cart_fold_expansion(record):
    """Cmax over the level just after infusion (Stein 2019's foldx = Cmax / R0)."""
    if record.has("cart_fold_expansion"):
        return record.value("cart_fold_expansion")
    t, c = _series(record, "cart_blood_per_ul")
    base = early_level(t, c)
    return float(np.max(c)) / base if base > 0 else math.nan


def trapezoid_auc(t, c, until_day):
    """Trapezoid rule from day 0 to until_day, the last interval clipped linearly."""
    t = np.asarray(t, dtype=float)
    c = np.asarray(c, dtype=float)
    if t[-1] < until_day:
        raise NotAvailable(f"the run ends at day {t[-1]:g}, before day {until_day:g}")
    end = np.searchsorted(t, until_day, side="right")
    tt = list(t[:end])
    cc = list(c[:end])
    if tt[-1] < until_day:
        tt.append(until_day)
        cc.append(float(np.interp(until_day, t, c)))
    return float(trapezoid(cc, tt))


def cart_auc_0_28(record):
    if record.has("cart_auc_0_28"):
        return record.value("cart_auc_0_28")
    t, c = _series(record, "cart_blood_per_ul")
    return trapezoid_auc(t, c, 28.0)


def burden_at_infusion(record):
    """The patient's marrow blast fraction at day 0, after the vein-to-vein interval (the first
    record of patient_blast_fraction); the sampled initial.blast_fraction for older files."""
    series = record.timeseries.get("patient_blast_fraction")
    if series is not None and len(series) > 0:
        return float(series[0])
    return record.sampled("initial.blast_fraction")


def is_cd19_negative_relapse(record):
    """relapse_kind 3 (CD19-negative) or 4 (lineage switch: no CD19 either) when the file has
    it; otherwise the share of CD19-negative blasts at relapse >= 0.5, the rule of the
    ensemble's own aggregate (docs/ENSEMBLE.md)."""
    if record.has("relapse_kind"):
        return int(record.value("relapse_kind")) in (3, 4)
    return _summary(record, "relapse_cd19_negative_fraction") >= 0.5


# --- cohort readouts ------------------------------------------------------------------------

def _rate(successes, n, what):
    if n == 0:
        raise NotAvailable(f"no {what} in the cohort")
    low, high = stats.wilson_interval(successes, n)
    return Estimate(successes / n, low, high, f"{successes}/{n}", "Wilson")


def _median(values, what):
    values = [v for v in values if not math.isnan(v)]
    if not values:
        raise NotAvailable(f"no {what} could be computed")
    value, low, high = stats.median_with_interval(values)
    return Estimate(value, low, high, f"{len(values)} patients", "bootstrap median")


def _split_by_response(records, by_day):
    responders = [r for r in records if in_cr(r, by_day)]
    others = [r for r in records if not in_cr(r, by_day)]
    if not responders or not others:
        raise NotAvailable(f"needs both CR and non-CR patients ({len(responders)} CR, "
                           f"{len(others)} non-CR)")
    return responders, others


def cr_rate(records, params):
    by_day = params.get("by_day", 28)
    return _rate(sum(in_cr(r, by_day) for r in records), len(records), "patients")


def mrd_negative_among_cr(records, params):
    by_day = params.get("by_day", 28)
    cr = [r for r in records if in_cr(r, by_day)]
    negative = [r for r in cr if not math.isnan(_summary(r, "mrd_negative_day"))
                and _summary(r, "mrd_negative_day") <= by_day]
    return _rate(len(negative), len(cr), "patients in CR")


def cart_tmax_median(records, params):
    return _median([cart_tmax(r) for r in records], "Tmax")


def cart_fold_expansion_median(records, params):
    return _median([cart_fold_expansion(r) for r in records], "fold expansion")


def auc28_responders_vs_nonresponders_test(records, params):
    by_day = params.get("by_day", 28)
    responders, others = _split_by_response(records, by_day)
    a = [cart_auc_0_28(r) for r in responders]
    b = [cart_auc_0_28(r) for r in others]
    ratio, low, high = stats.geometric_mean_ratio_with_interval(a, b)
    p = stats.rank_test_greater(a, b)
    return Estimate(ratio, low, high, f"{len(a)} CR vs {len(b)} non-CR",
                    "one-sided Mann-Whitney; value = geometric-mean ratio", p_value=p)


def _gmean_ratio(records, params, per_run, what):
    by_day = params.get("by_day", 28)
    responders, others = _split_by_response(records, by_day)
    ratio, low, high = stats.geometric_mean_ratio_with_interval(
        [per_run(r) for r in responders], [per_run(r) for r in others])
    if math.isnan(ratio):
        raise NotAvailable(f"{what} is zero in every run")
    return Estimate(ratio, low, high, f"{len(responders)} CR vs {len(others)} non-CR",
                    "bootstrap geometric-mean ratio")


def auc28_gmean_ratio(records, params):
    return _gmean_ratio(records, params, cart_auc_0_28, "AUC0-28")


def cmax_gmean_ratio(records, params):
    return _gmean_ratio(records, params, cart_peak, "Cmax")


def severe_crs_share(records, params):
    """Share of patients with CRS of ASTCT grade >= params.min_grade (default 3)."""
    grade = params.get("min_grade", 3)
    severe = sum(_summary(r, "crs_max_grade") >= grade for r in records)
    return _rate(severe, len(records), "patients")


def icans_share(records, params):
    """Share of patients with ICANS of ASTCT grade >= params.min_grade (default 3)."""
    grade = params.get("min_grade", 3)
    cases = sum(_summary(r, "icans_max_grade") >= grade for r in records)
    return _rate(cases, len(records), "patients")


def crs_onset_median(records, params):
    """Median day of CRS onset (the first record at grade >= 1) among patients with CRS of any
    grade."""
    onsets = [_summary(r, "crs_onset_day") for r in records if _summary(r, "crs_max_grade") >= 1]
    return _median(onsets, "CRS onset day")


def severe_crs_by_burden(records, params):
    """Share with CRS grade >= 3 in the top minus the bottom tertile of burden at infusion:
    positive when severity rises with burden."""
    ranked = sorted(records, key=burden_at_infusion)
    third = len(ranked) // 3
    if third == 0:
        raise NotAvailable("fewer than 3 patients")
    counts = [(sum(_summary(r, "crs_max_grade") >= 3 for r in group), len(group))
              for group in (ranked[-third:], ranked[:third])]
    (k_high, n_high), (k_low, n_low) = counts
    difference, low, high = stats.difference_of_proportions(k_high, n_high, k_low, n_low)
    return Estimate(difference, low, high, f"top {k_high}/{n_high} vs bottom {k_low}/{n_low}",
                    "difference of proportions (Newcombe)")


def _rank_correlation(x, y, what):
    rho, low, high = stats.rank_correlation_with_interval(x, y)
    if math.isnan(rho):
        raise NotAvailable(f"no variation in {what}")
    return Estimate(rho, low, high, f"{len(x)} patients", "Spearman, bootstrap over patients")


def icans_with_crs_rank_correlation(records, params):
    """Spearman's rho of maximum ICANS grade with maximum CRS grade."""
    return _rank_correlation([_summary(r, "crs_max_grade") for r in records],
                             [_summary(r, "icans_max_grade") for r in records], "grades")


def icans_with_expansion_rank_correlation(records, params):
    """Spearman's rho of maximum ICANS grade with the blood CAR-T peak (Cmax)."""
    return _rank_correlation([cart_peak(r) for r in records],
                             [_summary(r, "icans_max_grade") for r in records], "grades")


def _share_difference(records, reference, event, what, keep=lambda r: True, kept="patient left"):
    """Share of the kept patients for whom event(record) holds: this cohort minus the reference
    cohort, with its Newcombe interval."""
    shares = []
    for cohort in (records, reference):
        kept_records = [r for r in cohort if keep(r)]
        if not kept_records:
            raise NotAvailable(f"no {kept} ({what})")
        shares.append((sum(event(r) for r in kept_records), len(kept_records)))
    (k, n), (k_ref, n_ref) = shares
    difference, low, high = stats.difference_of_proportions(k, n, k_ref, n_ref)
    return Estimate(difference, low, high, f"{k}/{n} vs reference {k_ref}/{n_ref}",
                    "difference of proportions (Newcombe)")


def _burden_at_least(params):
    min_burden = params.get("min_burden", 0.0)
    if min_burden <= 0.0:
        return lambda r: True
    return lambda r: burden_at_infusion(r) >= min_burden


def _paired_share_difference(records, reference, event, what, keep):
    """Share of the kept patients for whom event(record) holds: this cohort minus the reference,
    the same patients (paired by index) treated otherwise, with Newcombe's interval for paired
    proportions (the pairing removes the between-patient spread that both arms share)."""
    pairs = _paired(records, reference, keep)
    if not pairs:
        raise NotAvailable(f"no patient in both cohorts ({what})")
    counts = [0, 0, 0, 0]  # both, here only, reference only, neither
    for here, there in pairs:
        counts[(0 if event(here) else 2) + (0 if event(there) else 1)] += 1
    both, here_only, there_only, neither = counts[0], counts[1], counts[2], counts[3]
    difference, low, high = stats.difference_of_paired_proportions(both, here_only, there_only,
                                                                    neither)
    n = len(pairs)
    return Estimate(difference, low, high,
                    f"{both + here_only}/{n} vs reference {both + there_only}/{n} "
                    f"({here_only} here only, {there_only} reference only)",
                    "paired difference of proportions (Newcombe)")


def severe_crs_vs_reference(records, params, reference):
    """Share with CRS grade >= 3: this cohort minus the reference (the same patients treated
    otherwise, paired by patient), among patients with burden at infusion >= params.min_burden
    (default 0)."""
    return _paired_share_difference(records, reference,
                                    lambda r: _summary(r, "crs_max_grade") >= 3, "severe CRS",
                                    keep=_burden_at_least(params))


def _paired(records, reference, keep):
    """(here, there) record pairs of the same patient (the same index) kept by keep(here)."""
    by_index = {r.index: r for r in reference}
    return [(r, by_index[r.index]) for r in records if r.index in by_index and keep(r)]


def crs_grade_vs_reference_paired(records, params, reference):
    """Maximum CRS grade here minus the reference's, paired by patient (the same sampled patient
    given another dose or schedule), mean over patients with burden at infusion >=
    params.min_burden (default 0), with a bootstrap interval of the mean. Positive: more severe
    CRS here. A within-patient comparison: patient factors (vascular susceptibility, IL-6
    production, product fitness) vary far more between patients than a dose moves one patient."""
    pairs = _paired(records, reference, _burden_at_least(params))
    if not pairs:
        raise NotAvailable("no patient in both cohorts")
    differences = [_summary(a, "crs_max_grade") - _summary(b, "crs_max_grade") for a, b in pairs]
    low, high = stats.bootstrap_interval(differences, np.mean)
    up = sum(d > 0 for d in differences)
    down = sum(d < 0 for d in differences)
    return Estimate(float(np.mean(differences)), low, high,
                    f"{len(pairs)} patients ({up} higher, {down} lower)",
                    "bootstrap mean of paired differences")


def il6_peak_vs_reference_paired(records, params, reference):
    """log2 of the peak serum IL-6 here over the reference's, paired by patient, median over
    patients with burden at infusion >= params.min_burden, with a bootstrap interval."""
    pairs = _paired(records, reference, _burden_at_least(params))
    ratios = []
    for a, b in pairs:
        here, there = (_summary(x, "il6_peak_pg_per_ml") for x in (a, b))
        if here > 0 and there > 0:
            ratios.append(math.log2(here / there))
    estimate = _median(ratios, "paired IL-6 peaks")
    estimate.interval = "bootstrap median of paired log2 ratios"
    return estimate


def cr_rate_vs_reference(records, params, reference):
    """CR rate by day by_day: this cohort minus the reference (the same patients treated
    otherwise, paired by patient), among patients with burden at infusion >= params.min_burden
    (default 0)."""
    by_day = params.get("by_day", 28)
    return _paired_share_difference(records, reference, lambda r: in_cr(r, by_day), "CR",
                                    keep=_burden_at_least(params))


def relapse_among_cr(records, params):
    by_day = params.get("by_day", 180)
    cr = [r for r in records if in_cr(r, by_day)]
    relapsed = [r for r in cr if not math.isnan(_summary(r, "relapse_day"))
                and _summary(r, "relapse_day") <= by_day]
    return _rate(len(relapsed), len(cr), "patients in CR")


def cd19_negative_share_of_relapses(records, params):
    relapsed = [r for r in records if not math.isnan(_summary(r, "relapse_day"))]
    return _rate(sum(is_cd19_negative_relapse(r) for r in relapsed), len(relapsed), "relapses")


def relapse_among_treated(records, params):
    by_day = params.get("by_day", 365)
    relapsed = [r for r in records if not math.isnan(_summary(r, "relapse_day"))
                and _summary(r, "relapse_day") <= by_day]
    return _rate(len(relapsed), len(records), "patients")


def cd19_positive_share_of_relapses(records, params):
    """relapse_kind 1 (CD19-positive) or 2 (CD19-dim: CD19 still present), the clinic's
    CD19pos relapses."""
    relapsed = [r for r in records if not math.isnan(_summary(r, "relapse_day"))]
    positive = sum(not is_cd19_negative_relapse(r) for r in relapsed)
    return _rate(positive, len(relapsed), "relapses")


def cd19_negative_share_by_burden(records, params):
    """CD19-negative share of relapses in the top minus the bottom tertile of burden at infusion
    (burden_at_infusion): positive when escape rises with burden."""
    ranked = sorted(records, key=burden_at_infusion)
    third = len(ranked) // 3
    shares = []
    for group in (ranked[:third], ranked[-third:]):
        relapsed = [r for r in group if not math.isnan(_summary(r, "relapse_day"))]
        if not relapsed:
            raise NotAvailable("a burden tertile has no relapse")
        shares.append((sum(is_cd19_negative_relapse(r) for r in relapsed), len(relapsed)))
    (neg_low, n_low), (neg_high, n_high) = shares
    difference, low, high = stats.difference_of_proportions(neg_high, n_high, neg_low, n_low)
    return Estimate(difference, low, high, f"top {neg_high}/{n_high} vs bottom {neg_low}/{n_low}",
                    "difference of proportions (Newcombe)")


# A half-life of +inf (no decline) counts as this many days in medians and their intervals.
NO_DECLINE_DAYS = 1e6


def _half_life_median(records, params, name, what):
    by_day = params.get("by_day", 28)
    values = [min(_summary(r, name), NO_DECLINE_DAYS) for r in records if in_cr(r, by_day)]
    return _median(values, what)


def cart_contraction_half_life_median(records, params):
    """Median contraction (alpha-phase) half-life among patients in CR by day by_day."""
    return _half_life_median(records, params, "cart_contraction_half_life_days",
                             "contraction half-life")


def cart_persistence_half_life_median(records, params):
    """Median persistence (beta-phase) half-life among patients in CR by day by_day (no decline
    counts as NO_DECLINE_DAYS)."""
    return _half_life_median(records, params, "cart_persistence_half_life_days",
                             "persistence half-life")


def mrd_negative_day_median(records, params):
    """Median day of MRD-negativity among the patients who reach it."""
    return _median([_summary(r, "mrd_negative_day") for r in records], "MRD-negative day")


def _cr_share_difference(records, reference, event, what):
    """Share of CR patients (by day 28) for whom event(record) holds: this cohort minus the
    reference cohort, with its Newcombe interval."""
    return _share_difference(records, reference, event, what, keep=lambda r: in_cr(r, 28),
                             kept="patient in CR")


def persistence_half_life_vs_reference(records, params, reference):
    """log2 of the persistence half-life here over the reference's, paired by patient (the same
    index: the same sampled patient treated otherwise), median over patients in CR by day 28 in
    both with a bootstrap interval; no decline counts as NO_DECLINE_DAYS. Positive: longer
    persistence here."""
    by_index = {r.index: r for r in reference}
    ratios = []
    for r in records:
        other = by_index.get(r.index)
        if other is None or not (in_cr(r, 28) and in_cr(other, 28)):
            continue
        here, there = (min(_summary(x, "cart_persistence_half_life_days"), NO_DECLINE_DAYS)
                       for x in (r, other))
        if math.isnan(here) or math.isnan(there) or here <= 0 or there <= 0:
            continue
        ratios.append(math.log2(here / there))
    estimate = _median(ratios, "paired persistence half-lives")
    estimate.interval = "bootstrap median of paired log2 ratios"
    return estimate


def b_cell_recovery_vs_reference(records, params, reference):
    """Share of CR patients whose B cells recovered by day by_day: this cohort minus the
    reference cohort (positive: earlier recovery here)."""
    by_day = params.get("by_day", 180)
    def recovered(r):
        day = _summary(r, "b_cell_recovery_day")
        return not math.isnan(day) and day <= by_day
    return _cr_share_difference(records, reference, recovered, "B-cell recovery")


def cart_detectable_vs_reference(records, params, reference):
    """Share of CR patients with blood CAR-T cells no longer detectable on day by_day: this
    cohort minus the reference (positive: shorter persistence here)."""
    by_day = params.get("by_day", 180)
    def lost(r):
        day = _summary(r, "cart_last_detectable_day")
        return math.isnan(day) or day < by_day
    return _cr_share_difference(records, reference, lost, "CAR-T detectability")


READOUTS = {name: fn for name, fn in globals().items()
            if callable(fn) and getattr(fn, "__code__", None) is not None
            and fn.__code__.co_varnames[:2] == ("records", "params")}
