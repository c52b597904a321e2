"""validation/toxicity_emulator.py replays cartsim's toxicity physiology on recorded drivers: it
must give the grades and IL-6 peaks cartsim recorded (so a calibration done with it holds in
cartsim), respond to a changed parameter, and refuse runs it cannot replay.

    test_toxicity_emulator.py VALIDATION_DIR CARTSIM SCENARIO WORK_DIR
"""

import shutil
import subprocess
import sys
import unittest
from pathlib import Path

VALIDATION = Path(sys.argv.pop(1)).resolve()
CARTSIM = sys.argv.pop(1)
SCENARIO = sys.argv.pop(1)
WORK = Path(sys.argv.pop(1))
sys.path.insert(0, str(VALIDATION))

import numpy as np  # noqa: E402

import toxicity_emulator as emulator  # noqa: E402
from cartsim_runs import write_cohort_scenario  # noqa: E402

PATIENTS = 6
DAYS = 21
HOURLY = "0.041666666666666664"


def ensemble(name, *sets):
    out = WORK / name
    shutil.rmtree(out, ignore_errors=True)
    scenario = WORK / f"{name}.toml"
    write_cohort_scenario(Path(SCENARIO), PATIENTS, scenario)
    command = [CARTSIM, "ensemble", str(scenario), "-o", str(out), "--days", str(DAYS), "--jobs", "2",
               "--threads-per-run", "1", "--quiet", "--set", "output.checkpoint_every_days=0"]
    for item in sets:
        command += ["--set", item]
    subprocess.run(command, check=True, capture_output=True)
    return out


class ReplayEqualsCartsim(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        WORK.mkdir(parents=True, exist_ok=True)
        cls.untreated = ensemble(
            "untreated", f"time.record_every_days={HOURLY}", "interventions.tocilizumab_at_crs_grade=0",
            "interventions.dexamethasone_at_crs_grade=0", "interventions.dexamethasone_at_icans_grade=0")
        # The default management (tocilizumab from CRS grade 2, dexamethasone from CRS grade 3 or
        # ICANS grade 2), with IL-6 made more readily so that the rules fire in a few patients.
        cls.managed = ensemble("managed", f"time.record_every_days={HOURLY}",
                               "toxicity.capillary_leak_susceptibility=2.5")
        cls.quarter_daily = ensemble("quarter_daily", "time.days=2")

    def assert_replay_equals_recorded(self, directory):
        cohort = emulator.load_cohort(str(directory))
        self.assertEqual(len(cohort.names), PATIENTS)
        replayed = emulator.replay(cohort)
        for key in ("crs_max_grade", "icans_max_grade"):
            np.testing.assert_array_equal(replayed[key], cohort.recorded[key], err_msg=key)
        np.testing.assert_allclose(replayed["il6_peak_pg_per_ml"], cohort.recorded["il6_peak_pg_per_ml"],
                                   rtol=1e-9)
        return cohort, replayed

    def test_untreated_replay_equals_recorded_and_follows_a_changed_parameter(self):
        cohort, replayed = self.assert_replay_equals_recorded(self.untreated)
        self.assertGreaterEqual(int(np.max(replayed["crs_max_grade"])), 2,
                                "no patient with CRS grade >= 2: the comparison would be idle")
        # Without myeloid IL-6 the serum IL-6 stays near baseline (the endothelium makes a little)
        # and no CRS grade rises.
        without = emulator.replay(cohort, {"toxicity.macrophage_il6_pg_per_day": 0.0})
        self.assertTrue(np.all(without["il6_peak_pg_per_ml"] < replayed["il6_peak_pg_per_ml"]))
        self.assertTrue(np.all(without["crs_max_grade"] <= replayed["crs_max_grade"]))
        self.assertLess(int(np.sum(without["crs_max_grade"])), int(np.sum(replayed["crs_max_grade"])))

    def test_managed_replay_applies_the_treatment_rules_like_cartsim(self):
        cohort, replayed = self.assert_replay_equals_recorded(self.managed)
        self.assertGreater(int(np.sum(cohort.recorded["dexamethasone_mg"] > 0)), 0,
                           "no patient given dexamethasone: the rules were not exercised")
        np.testing.assert_allclose(replayed["dexamethasone_mg"], cohort.recorded["dexamethasone_mg"])

    def test_records_less_often_than_every_tick_are_refused(self):
        with self.assertRaisesRegex(emulator.EmulatorError, "record_every_days"):
            emulator.load_cohort(str(self.quarter_daily))

    def test_unknown_keys_are_refused(self):
        cohort = emulator.load_cohort(str(self.untreated))
        with self.assertRaisesRegex(emulator.EmulatorError, "no_such_key"):
            emulator.replay(cohort, {"toxicity.no_such_key": 1.0})


if __name__ == "__main__":
    unittest.main()
