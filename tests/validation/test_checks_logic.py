"""Tests of the suite's logic on synthetic run records (no cartsim needed): readouts from
/summary and their /timeseries fallbacks, 'not available' for missing readouts, verdicts, and
that checks.toml is well formed."""

import math
import sys
import unittest
from pathlib import Path

VALIDATION = Path(sys.argv.pop(1) if len(sys.argv) > 1 else "validation").resolve()
sys.path.insert(0, str(VALIDATION))

import numpy as np  # noqa: E402

# numpy 2 renamed trapz to trapezoid; Debian 12 ships numpy 1.24.
trapezoid = getattr(np, "trapezoid", None) or np.trapz

import readouts  # noqa: E402
import run_validation  # noqa: E402
from cartsim_runs import RunRecord  # noqa: E402


def record(index, cr_day, peak_day=9.0, peak=1000.0, auc=8000.0, crs=3, summary_extra=None,
           drop=()):
    t = np.arange(0, 28.25, 0.25)
    rise = max(peak_day, 0.25)  # a peak at day 0: no rise
    c = 10.0 * np.exp(np.log(peak / 10.0) * np.minimum(t, rise) / rise) \
        * np.exp(-0.2 * np.maximum(t - peak_day, 0))
    summary = {"cr_day": cr_day, "mrd_negative_day": cr_day + 0.5 if not math.isnan(cr_day) else math.nan,
               "relapse_day": math.nan, "relapse_cd19_negative_fraction": math.nan,
               "cart_peak_per_ul": peak, "cart_peak_day": peak_day, "cart_auc_0_28": auc,
               "crs_max_grade": float(crs)}
    summary.update(summary_extra or {})
    for name in drop:
        summary.pop(name)
    return RunRecord(index=index, path=Path(f"run_{index:04d}.h5"), status="complete",
                     summary=summary, timeseries={"time_days": t, "cart_blood_per_ul": c})


def cohort():
    responders = [record(i, 7.0, auc=8000 + 100 * i) for i in range(8)]
    others = [record(8 + i, math.nan, peak_day=0.0, peak=30.0, auc=50.0 + i, crs=0) for i in range(3)]
    return responders + others


class Readouts(unittest.TestCase):
    def test_rates(self):
        est = readouts.cr_rate(cohort(), {"by_day": 28})
        self.assertEqual(est.n_text, "8/11")
        self.assertAlmostEqual(est.value, 8 / 11)
        self.assertEqual(readouts.mrd_negative_among_cr(cohort(), {}).n_text, "8/8")
        self.assertEqual(readouts.severe_crs_share(cohort(), {}).n_text, "8/11")

    def test_tmax_and_fold_expansion_fall_back_to_timeseries(self):
        runs = [record(i, 7.0, drop=("cart_peak_day", "cart_peak_per_ul")) for i in range(5)]
        self.assertAlmostEqual(readouts.cart_tmax_median(runs, {}).value, 9.0)
        self.assertAlmostEqual(readouts.cart_fold_expansion_median(runs, {}).value, 100.0, places=6)
        with_summary = [record(i, 7.0, summary_extra={"cart_fold_expansion": 4000.0}) for i in range(5)]
        self.assertEqual(readouts.cart_fold_expansion_median(with_summary, {}).value, 4000.0)

    def test_auc_fallback_is_the_trapezoid_to_day_28(self):
        run = record(0, 7.0, drop=("cart_auc_0_28",))
        t, c = run.series("cart_blood_per_ul")
        self.assertAlmostEqual(readouts.cart_auc_0_28(run), float(trapezoid(c, t)))

    def test_responders_higher(self):
        est = readouts.auc28_responders_vs_nonresponders_test(cohort(), {"by_day": 28})
        self.assertLess(est.p_value, 0.01)
        self.assertGreater(est.value, 100)

    def test_no_nonresponders_is_not_available(self):
        with self.assertRaises(readouts.NotAvailable):
            readouts.auc28_gmean_ratio([record(i, 7.0) for i in range(4)], {})

    def test_missing_summary_readout_is_not_available(self):
        with self.assertRaisesRegex(readouts.NotAvailable, "crs_max_grade"):
            readouts.severe_crs_share([record(0, 7.0, drop=("crs_max_grade",))], {})

    def test_crs_onset_median_counts_only_patients_with_crs(self):
        # Onsets 2, 4, 6 and 8 among patients with CRS; the one without CRS (onset NaN) and a
        # grade-0 record with a stray onset value must not count.
        runs = [record(i, 7.0, crs=1 + i % 3, summary_extra={"crs_onset_day": 2.0 * (i + 1)})
                for i in range(4)]
        runs.append(record(4, 7.0, crs=0, summary_extra={"crs_onset_day": math.nan}))
        runs.append(record(5, 7.0, crs=0, summary_extra={"crs_onset_day": 30.0}))
        est = readouts.crs_onset_median(runs, {})
        self.assertEqual(est.value, 5.0)
        self.assertEqual(est.n_text, "4 patients")
        with self.assertRaises(readouts.NotAvailable):
            readouts.crs_onset_median([record(0, 7.0, crs=0, summary_extra={"crs_onset_day": math.nan})], {})
        with self.assertRaisesRegex(readouts.NotAvailable, "crs_onset_day"):
            readouts.crs_onset_median([record(0, 7.0, crs=2)], {})

    def test_relapse_kind_preferred_over_fraction(self):
        relapsed = [record(0, 7.0, summary_extra={"relapse_day": 90.0, "relapse_kind": 1.0,
                                                  "relapse_cd19_negative_fraction": 0.9}),
                    record(1, 7.0, summary_extra={"relapse_day": 120.0, "relapse_kind": 3.0}),
                    record(2, 7.0, summary_extra={"relapse_day": 150.0,
                                                  "relapse_cd19_negative_fraction": 0.7})]
        self.assertEqual(readouts.cd19_negative_share_of_relapses(relapsed, {}).n_text, "2/3")
        self.assertEqual(readouts.relapse_among_cr(relapsed, {"by_day": 180}).n_text, "3/3")
        self.assertEqual(readouts.relapse_among_cr(relapsed, {"by_day": 100}).n_text, "1/3")


class Verdicts(unittest.TestCase):
    base = {"id": "x", "readout": "cr_rate", "cohort": "c", "description": "d",
            "published_text": "p", "source": "s", "compare": "overlap", "params": {"by_day": 28}}

    def test_gated_agree_and_disagree(self):
        row = run_validation.evaluate(self.base | {"published_low": 0.6, "published_high": 0.8}, cohort(), 28)
        self.assertEqual((row["verdict"], row["gated"]), ("agrees", True))
        row = run_validation.evaluate(self.base | {"published_low": 0.98, "published_high": 1.0}, cohort(), 28)
        self.assertEqual(row["verdict"], "disagrees")

    def test_known_gap_is_reported_not_gated(self):
        check = self.base | {"published_low": 0.98, "published_high": 1.0,
                             "known_gap": "issue 14: why"}
        row = run_validation.evaluate(check, cohort(), 28)
        self.assertEqual((row["verdict"], row["gated"], row["comparison"]),
                         ("known gap (issue 14)", False, "disagrees"))
        check["published_low"] = 0.5
        self.assertEqual(run_validation.evaluate(check, cohort(), 28)["verdict"],
                         "known gap (issue 14), now agrees")

    def test_short_cohort_is_not_run_and_missing_readout_not_available(self):
        check = self.base | {"published_low": 0.6, "published_high": 0.8, "min_days": 180}
        self.assertEqual(run_validation.evaluate(check, cohort(), 28)["status"], "not run")
        runs = [record(0, 7.0, drop=("cr_day",))]
        row = run_validation.evaluate(self.base | {"published_low": 0.6, "published_high": 0.8}, runs, 28)
        self.assertEqual(row["status"], "not available")
        self.assertIn("cr_day", row["verdict"])

    def test_small_cohort_is_not_run_for_a_check_that_needs_more_patients(self):
        check = self.base | {"published_low": 0.6, "published_high": 0.8, "min_patients": 50}
        row = run_validation.evaluate(check, cohort(), 28)
        self.assertEqual(row["status"], "not run")
        self.assertIn("50 patients", row["verdict"])
        check["min_patients"] = len(cohort())
        self.assertNotEqual(run_validation.evaluate(check, cohort(), 28)["status"], "not run")

    def cr_difference_verdicts(self, compare):
        """Verdicts of a CR-rate difference against a reference with 8 of 11 in CR (the same
        patients, paired by index), for a cohort much like it (one patient in CR only here, one
        only in the reference), one with no CR and one all in CR against a reference with none."""
        reference = ([record(i, 7.0) for i in range(7)] + [record(7, math.nan)]
                     + [record(8, 7.0)] + [record(9 + i, math.nan) for i in range(2)])
        check = self.base | {"readout": "cr_rate_vs_reference", "compare": compare,
                             "reference_cohort": "ref", "params": {"by_day": 28}}
        never = [record(i, math.nan) for i in range(11)]
        always = [record(i, 7.0) for i in range(11)]
        return {name: run_validation.evaluate(check, records, 28, ref, 28)["verdict"]
                for name, records, ref in (("alike", cohort(), reference),
                                           ("worse", never, reference),
                                           ("better", always, never))}

    def test_not_negative_agrees_unless_the_interval_lies_below_zero(self):
        self.assertEqual(self.cr_difference_verdicts("not_negative"),
                         {"alike": "agrees", "worse": "disagrees", "better": "agrees"})

    def test_no_difference_agrees_only_when_the_interval_contains_zero(self):
        self.assertEqual(self.cr_difference_verdicts("no_difference"),
                         {"alike": "agrees", "worse": "disagrees", "better": "disagrees"})

    def test_paired_persistence_ratio(self):
        longer = [record(i, 7.0, summary_extra={"cart_persistence_half_life_days": 400.0})
                  for i in range(8)]
        shorter = [record(i, 7.0, summary_extra={"cart_persistence_half_life_days": 100.0})
                   for i in range(8)]
        est = readouts.persistence_half_life_vs_reference(longer, {}, shorter)
        self.assertAlmostEqual(est.value, 2.0)
        self.assertGreater(est.low, 0.0)
        flipped = readouts.persistence_half_life_vs_reference(shorter, {}, longer)
        self.assertLess(flipped.high, 0.0)

    def test_paired_crs_grade_and_il6_differences(self):
        def patient(i, grade, il6):
            return record(i, 7.0, crs=grade, summary_extra={"il6_peak_pg_per_ml": il6})
        low = [patient(i, 2, 1000.0) for i in range(20)]
        # Six of twenty patients a grade higher, IL-6 doubled in all; an unmatched patient (index
        # 20) is left out.
        high = [patient(i, 3 if i < 6 else 2, 2000.0) for i in range(21)]
        est = readouts.crs_grade_vs_reference_paired(high, {}, low)
        self.assertAlmostEqual(est.value, 0.3)
        self.assertGreater(est.low, 0.0)
        self.assertIn("20 patients (6 higher, 0 lower)", est.n_text)
        self.assertLess(readouts.crs_grade_vs_reference_paired(low, {}, high).high, 0.0)
        same = readouts.crs_grade_vs_reference_paired(low, {}, low)
        self.assertEqual((same.value, same.low, same.high), (0.0, 0.0, 0.0))
        ratio = readouts.il6_peak_vs_reference_paired(high, {}, low)
        self.assertAlmostEqual(ratio.value, 1.0)
        with self.assertRaises(readouts.NotAvailable):
            readouts.crs_grade_vs_reference_paired(high, {}, [patient(30, 2, 1.0)])

    def test_test_checks_need_direction_and_significance(self):
        check = self.base | {"readout": "auc28_responders_vs_nonresponders_test", "compare": "test",
                             "params": {"by_day": 28, "alpha": 0.05}}
        self.assertEqual(run_validation.evaluate(check, cohort(), 28)["verdict"], "agrees")
        flipped = [record(i, 7.0, auc=10.0 + i) for i in range(8)] + \
                  [record(8 + i, math.nan, auc=9000.0 + i) for i in range(3)]
        self.assertEqual(run_validation.evaluate(check, flipped, 28)["verdict"], "disagrees")


class TwoCohorts(unittest.TestCase):
    base = {"id": "x", "description": "d", "published_text": "p", "source": "s 2020",
            "cohort": "a", "reference_cohort": "b"}

    def test_within_reference_agrees_inside_the_references_interval(self):
        check = self.base | {"readout": "cr_rate", "compare": "within_reference",
                             "params": {"by_day": 28}}
        same = run_validation.evaluate(check, cohort(), 28, cohort(), 28)
        self.assertEqual(same["verdict"], "agrees")
        self.assertIn("8/11", same["n_text"])
        none_respond = [record(i, math.nan) for i in range(11)]
        self.assertEqual(run_validation.evaluate(check, none_respond, 28, cohort(), 28)["verdict"],
                         "disagrees")
        # Not run when the reference cohort simulated too few days.
        short = check | {"min_days": 365}
        self.assertEqual(run_validation.evaluate(short, cohort(), 365, cohort(), 28)["status"],
                         "not run")

    def test_product_difference_readouts(self):
        def patient(i, recovery, last_detectable):
            return record(i, 7.0, summary_extra={"b_cell_recovery_day": recovery,
                                                 "cart_last_detectable_day": last_detectable})
        cd28 = [patient(i, 60.0, 70.0) for i in range(10)]
        four_1bb = [patient(i, math.nan if i < 8 else 150.0, 365.0) for i in range(10)]
        check = self.base | {"readout": "b_cell_recovery_vs_reference", "compare": "positive",
                             "params": {"by_day": 180}}
        row = run_validation.evaluate(check, cd28, 365, four_1bb, 365)
        self.assertAlmostEqual(row["value"], 1.0 - 0.2)
        self.assertEqual(row["verdict"], "agrees")
        self.assertEqual(run_validation.evaluate(check, four_1bb, 365, cd28, 365)["verdict"],
                         "disagrees")
        persists = self.base | {"readout": "cart_detectable_vs_reference", "compare": "positive",
                                "params": {"by_day": 180}}
        self.assertAlmostEqual(run_validation.evaluate(persists, cd28, 365, four_1bb, 365)["value"],
                               1.0)


class ChecksFile(unittest.TestCase):
    def test_shipped_checks_file_loads_and_cites(self):
        cohorts, checks = run_validation.load_checks(VALIDATION / "checks.toml")
        self.assertGreaterEqual(len(checks), 8)
        for check in checks:
            if check["compare"] != "within_reference":  # internal: the model against itself
                self.assertRegex(check["source"], r"(19|20)\d\d", check["id"])
            if "known_gap" in check:
                self.assertRegex(check["known_gap"], r"^issue \d+: \S", check["id"])
            if check["compare"] == "overlap":
                self.assertLessEqual(check["published_low"], check["published"])
                self.assertLessEqual(check["published"], check["published_high"])
        self.assertTrue(any("known_gap" not in c for c in checks))


class CommandLine(unittest.TestCase):
    def run_suite(self, *args):
        import subprocess
        return subprocess.run(["/usr/bin/python3", str(VALIDATION / "run_validation.py"), *args],
                              capture_output=True, text=True)

    def test_missing_binary_exits_2_naming_it(self):
        result = self.run_suite("--reduced", "--cartsim", "/nonexistent/cartsim")
        self.assertEqual(result.returncode, 2)
        self.assertIn("'/nonexistent/cartsim'", result.stderr)
        self.assertIn("--cartsim", result.stderr)

    def test_unknown_check_id_exits_2(self):
        result = self.run_suite("--only", "no_such_check", "--cartsim", sys.executable)
        self.assertEqual(result.returncode, 2)
        self.assertIn("no_such_check", result.stderr)


if __name__ == "__main__":
    unittest.main()
