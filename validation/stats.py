"""Statistics of the validation suite: intervals for rates, medians and ratios, and a rank test.

Every interval is a 95% interval. Bootstrap intervals use a fixed seed so that the same runs
always give the same table (the suite's output must not change from one invocation to the next).
"""

import math

import numpy as np
from scipy import stats as scipy_stats

Z95 = 1.959963984540054  # standard normal quantile 0.975
BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20181  # fixed: the table is a function of the runs only


def wilson_interval(successes, n, z=Z95):
    """Wilson score interval of a binomial proportion (Wilson, JASA 1927).

    Chosen over the normal (Wald) interval because validation cohorts are small and rates are
    often near 0 or 1, where Wald collapses to a point. Returns (low, high); (nan, nan) for n=0.
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"wilson_interval: need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def difference_of_proportions(successes_a, n_a, successes_b, n_b):
    """p_a - p_b and its 95% interval by Newcombe's hybrid score method (from the two Wilson
    intervals; Newcombe, Stat Med 1998, method 10)."""
    p_a, p_b = successes_a / n_a, successes_b / n_b
    low_a, high_a = wilson_interval(successes_a, n_a)
    low_b, high_b = wilson_interval(successes_b, n_b)
    difference = p_a - p_b
    low = difference - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high = difference + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return difference, low, high


def difference_of_paired_proportions(both, only_a, only_b, neither):
    """p_a - p_b of paired binary outcomes (the same subjects twice: `both` had the event in a
    and b, `only_a` in a only, `only_b` in b only, `neither` in none) and its 95% interval by
    Newcombe's hybrid score method for paired data (Newcombe, Stat Med 1998;17:2635, method
    10): the two Wilson intervals combined with the correlation phi of the pairs. Narrower than
    the unpaired interval when outcomes agree within pairs; equal to it when phi = 0."""
    n = both + only_a + only_b + neither
    if min(both, only_a, only_b, neither) < 0 or n == 0:
        raise ValueError("difference_of_paired_proportions: need non-negative counts, n > 0")
    p_a, p_b = (both + only_a) / n, (both + only_b) / n
    low_a, high_a = wilson_interval(both + only_a, n)
    low_b, high_b = wilson_interval(both + only_b, n)
    margins = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    phi = (both * neither - only_a * only_b) / math.sqrt(margins) if margins > 0 else 0.0
    difference = p_a - p_b
    below = (p_a - low_a) ** 2 - 2 * phi * (p_a - low_a) * (high_b - p_b) + (high_b - p_b) ** 2
    above = (high_a - p_a) ** 2 - 2 * phi * (high_a - p_a) * (p_b - low_b) + (p_b - low_b) ** 2
    return difference, difference - math.sqrt(max(below, 0.0)), difference + math.sqrt(max(above, 0.0))


def bootstrap_interval(values, statistic, resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED):
    """Percentile bootstrap 95% interval of statistic(values). Returns (low, high)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, values.size, size=(resamples, values.size))
    boot = np.array([statistic(values[row]) for row in idx])
    return (float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975)))


def rank_correlation_with_interval(x, y):
    """Spearman's rho of paired values and its percentile-bootstrap 95% interval over pairs
    (resamples without variation in x or y are left out). Returns (rho, low, high)."""
    pairs = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    if pairs.shape[0] < 4:
        return (math.nan, math.nan, math.nan)

    def rho(sample):
        if np.ptp(sample[:, 0]) == 0 or np.ptp(sample[:, 1]) == 0:
            return math.nan
        return float(scipy_stats.spearmanr(sample[:, 0], sample[:, 1])[0])

    rng = np.random.default_rng(BOOTSTRAP_SEED)
    idx = rng.integers(0, pairs.shape[0], size=(BOOTSTRAP_RESAMPLES, pairs.shape[0]))
    boot = np.array([rho(pairs[row]) for row in idx])
    boot = boot[~np.isnan(boot)]
    if boot.size == 0:
        return (rho(pairs), math.nan, math.nan)
    return (rho(pairs), float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975)))


def median_with_interval(values):
    """Median and its percentile-bootstrap 95% interval."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return (math.nan, math.nan, math.nan)
    lo, hi = bootstrap_interval(values, np.median)
    return (float(np.median(values)), lo, hi)


def floor_nonpositive(values):
    """Replace values <= 0 by half the smallest positive value, so a geometric mean exists.

    Half the lowest quantified level is the usual convention for values below the limit of
    quantification in pharmacokinetic summaries. All-nonpositive input is returned unchanged.
    """
    values = np.asarray(values, dtype=float)
    positive = values[values > 0]
    if positive.size == 0:
        return values
    return np.where(values > 0, values, positive.min() / 2.0)


def geometric_mean(values):
    values = np.asarray(values, dtype=float)
    if values.size == 0 or np.any(values <= 0):
        return math.nan
    return float(np.exp(np.mean(np.log(values))))


def geometric_mean_ratio_with_interval(group_a, group_b,
                                       resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED):
    """Ratio of geometric means a / b and its 95% interval (each group resampled separately).

    Zeros are floored (floor_nonpositive) over the pooled values first, so both groups share
    one floor.
    """
    a = np.asarray(group_a, dtype=float)
    b = np.asarray(group_b, dtype=float)
    if a.size == 0 or b.size == 0:
        return (math.nan, math.nan, math.nan)
    pooled = floor_nonpositive(np.concatenate([a, b]))
    a, b = pooled[: a.size], pooled[a.size:]
    if np.any(pooled <= 0):
        return (math.nan, math.nan, math.nan)
    log_a, log_b = np.log(a), np.log(b)
    ratio = math.exp(log_a.mean() - log_b.mean())
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, a.size, size=(resamples, a.size))
    ib = rng.integers(0, b.size, size=(resamples, b.size))
    boot = np.exp(log_a[ia].mean(axis=1) - log_b[ib].mean(axis=1))
    return (ratio, float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975)))


def rank_test_greater(group_a, group_b):
    """One-sided Mann-Whitney U test that group_a tends to be larger than group_b.

    Returns the p-value (nan if a group is empty). Exact for small samples without ties
    (scipy chooses); this is what 'responders had higher exposure' means without assuming
    log-normality.
    """
    a = np.asarray(group_a, dtype=float)
    b = np.asarray(group_b, dtype=float)
    if a.size == 0 or b.size == 0:
        return math.nan
    return float(scipy_stats.mannwhitneyu(a, b, alternative="greater").pvalue)


def intervals_overlap(a_low, a_high, b_low, b_high):
    """True when the closed intervals [a_low, a_high] and [b_low, b_high] share a point."""
    if any(math.isnan(x) for x in (a_low, a_high, b_low, b_high)):
        return False
    return a_low <= b_high and b_low <= a_high
