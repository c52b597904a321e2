"""Unit tests of validation/stats.py: each compares with a value computed independently."""

import math
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(sys.argv.pop(1) if len(sys.argv) > 1 else "validation").resolve()))

import stats  # noqa: E402


class WilsonInterval(unittest.TestCase):
    def test_eight_of_ten_matches_textbook(self):
        # Newcombe, Stat Med 1998, method 3 (Wilson score): 8/10 -> 0.4902-0.9433.
        low, high = stats.wilson_interval(8, 10)
        self.assertAlmostEqual(low, 0.4902, places=4)
        self.assertAlmostEqual(high, 0.9433, places=4)

    def test_zero_of_ten_starts_at_zero(self):
        low, high = stats.wilson_interval(0, 10)
        self.assertEqual(low, 0.0)
        self.assertAlmostEqual(high, 0.2775, places=4)

    def test_all_successes_ends_at_one_and_is_not_a_point(self):
        low, high = stats.wilson_interval(61, 61)
        self.assertEqual(high, 1.0)
        self.assertAlmostEqual(low, 0.9408, places=4)

    def test_empty_is_nan_and_bad_counts_raise(self):
        self.assertTrue(all(math.isnan(x) for x in stats.wilson_interval(0, 0)))
        with self.assertRaises(ValueError):
            stats.wilson_interval(11, 10)


class DifferenceOfProportions(unittest.TestCase):
    def test_newcombe_worked_example(self):
        # Newcombe, Stat Med 1998, Table II example (b): 56/70 vs 48/80, method 10.
        difference, low, high = stats.difference_of_proportions(56, 70, 48, 80)
        self.assertAlmostEqual(difference, 0.2, places=6)
        self.assertAlmostEqual(low, 0.0524, places=3)
        self.assertAlmostEqual(high, 0.3339, places=3)

    def test_paired_equals_unpaired_when_pairs_are_uncorrelated(self):
        # 25 / 25 / 25 / 25: phi = 0, so the paired interval is the unpaired one of 50/100 twice.
        paired = stats.difference_of_paired_proportions(25, 25, 25, 25)
        unpaired = stats.difference_of_proportions(50, 100, 50, 100)
        for a, b in zip(paired, unpaired):
            self.assertAlmostEqual(a, b, places=12)

    def test_pairing_narrows_the_interval_of_concordant_pairs(self):
        # 63 vs 56 of 78 with 7 discordant pairs, all one way: the unpaired interval straddles 0,
        # the paired one does not; swapping the arms mirrors it.
        difference, low, high = stats.difference_of_paired_proportions(56, 7, 0, 15)
        _, unpaired_low, unpaired_high = stats.difference_of_proportions(63, 78, 56, 78)
        self.assertAlmostEqual(difference, 7 / 78, places=12)
        self.assertLess(unpaired_low, 0.0)
        self.assertGreater(low, 0.0)
        self.assertLess(high - low, unpaired_high - unpaired_low)
        mirrored = stats.difference_of_paired_proportions(56, 0, 7, 15)
        self.assertAlmostEqual(mirrored[1], -high, places=12)
        self.assertAlmostEqual(mirrored[2], -low, places=12)

    def test_paired_without_discordant_pairs_straddles_zero(self):
        difference, low, high = stats.difference_of_paired_proportions(73, 0, 0, 5)
        self.assertEqual(difference, 0.0)
        self.assertLess(low, 0.0)
        self.assertGreater(high, 0.0)
        with self.assertRaises(ValueError):
            stats.difference_of_paired_proportions(0, 0, 0, 0)

    def test_equal_proportions_straddle_zero(self):
        difference, low, high = stats.difference_of_proportions(10, 20, 10, 20)
        self.assertEqual(difference, 0.0)
        self.assertLess(low, 0.0)
        self.assertGreater(high, 0.0)


class BootstrapAndRatios(unittest.TestCase):
    def test_median_of_constant_has_a_point_interval(self):
        self.assertEqual(stats.median_with_interval([9.5] * 12), (9.5, 9.5, 9.5))

    def test_median_interval_contains_median_and_is_reproducible(self):
        values = [3, 7, 8, 9, 9.5, 10, 11, 14, 20, 1]
        first = stats.median_with_interval(values)
        self.assertEqual(first, stats.median_with_interval(values))
        self.assertLessEqual(first[1], first[0])
        self.assertLessEqual(first[0], first[2])
        self.assertLess(first[1], first[2])

    def test_geometric_mean_ratio_exact_for_constant_groups(self):
        ratio, low, high = stats.geometric_mean_ratio_with_interval([4, 4, 4], [2, 2])
        self.assertAlmostEqual(ratio, 2.0)
        self.assertAlmostEqual(low, 2.0)
        self.assertAlmostEqual(high, 2.0)

    def test_zeros_are_floored_at_half_the_smallest_positive(self):
        self.assertEqual(list(stats.floor_nonpositive([0.0, 4.0, 2.0])), [1.0, 4.0, 2.0])
        ratio, _, _ = stats.geometric_mean_ratio_with_interval([4.0], [0.0, 2.0])
        # pooled floor = 1: gmean(a) = 4, gmean(b) = sqrt(1 * 2)
        self.assertAlmostEqual(ratio, 4.0 / math.sqrt(2.0))


class RankTestAndOverlap(unittest.TestCase):
    def test_separated_groups_are_significant_one_way_only(self):
        high = [10, 11, 12, 13, 14, 15]
        low = [1, 2, 3]
        self.assertLess(stats.rank_test_greater(high, low), 0.05)
        self.assertGreater(stats.rank_test_greater(low, high), 0.9)
        # exact one-sided p of complete separation: 1 / C(9, 3)
        self.assertAlmostEqual(stats.rank_test_greater(high, low), 1 / 84, places=6)

    def test_overlap(self):
        self.assertTrue(stats.intervals_overlap(0.6, 0.8, 0.71, 0.89))
        self.assertTrue(stats.intervals_overlap(0.9, 1.0, 1.0, 1.0))
        self.assertFalse(stats.intervals_overlap(0.2, 0.3, 0.71, 0.89))
        self.assertFalse(stats.intervals_overlap(math.nan, 0.3, 0.71, 0.89))


if __name__ == "__main__":
    unittest.main()
