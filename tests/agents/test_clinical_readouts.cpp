// Clinical endpoints from a synthetic trajectory with known answers.

#include <gtest/gtest.h>

#include <cmath>

#include "agents/readouts/clinical_readouts.hpp"

namespace cartsim::agents {
namespace {

// Response and B cells are read at patient scale (patient_*); the window's own fields are set
// to something else so a readout that read them would fail.
Observables at(double day, double blast_fraction, double cart_per_ul, double b_cells,
               double il6 = 0.0, double crs = 0.0, double cd19_negative_share = 0.25) {
    Observables o;
    o.time_days = day;
    o.patient_blast_fraction = blast_fraction;
    o.patient_blasts = blast_fraction * 1e12;
    o.patient_blasts_cd19_negative = cd19_negative_share * o.patient_blasts;
    o.patient_b_cells = b_cells;
    o.blast_fraction = 0.5;
    o.normal_b_cells = 7;
    o.cart_blood_per_ul = cart_per_ul;
    o.il6_pg_per_ml = il6;
    o.crs_grade = crs;
    return o;
}

TEST(ClinicalReadouts, RemissionMrdRelapseAucAndAplasia) {
    ClinicalReadouts readouts{ReadoutParameters{}};
    readouts.record(at(0, 0.40, 0, 1000));
    readouts.record(at(10, 0.10, 100, 500, 50, 1));  // CRS grade 1 from day 10
    readouts.record(at(20, 0.01, 300, 50, 700, 3));  // CR (< 5%), B cells < 10% of day 0
    readouts.record(at(30, 0.00005, 100, 20));       // MRD-negative (< 1e-4)
    readouts.record(at(40, 0.08, 0, 900));           // relapse, B cells back
    const ClinicalEndpoints& e = readouts.endpoints();
    EXPECT_EQ(e.cr_day, 20);
    EXPECT_EQ(e.mrd_negative_day, 30);
    EXPECT_EQ(e.relapse_day, 40);
    EXPECT_DOUBLE_EQ(e.relapse_cd19_negative_fraction, 0.25);
    EXPECT_EQ(e.relapse_kind, 1);  // CD19-positive: three quarters of the blasts carry CD19
    EXPECT_EQ(e.cart_peak_per_ul, 300);
    EXPECT_EQ(e.cart_peak_day, 20);
    // The trough before the peak is day 10's 100 cells/uL.
    EXPECT_DOUBLE_EQ(e.cart_fold_expansion, 3.0);
    EXPECT_EQ(e.cart_last_detectable_day, 30);
    // Trapezoid over [0, 28]: 0-10: 500, 10-20: 2000, 20-28: (300 + 140) / 2 * 8 = 1760.
    EXPECT_NEAR(e.cart_auc_0_28, 4260.0, 1e-9);
    // Over [0, 84] (the whole run): 500 + 2000 + 2000 + 500.
    EXPECT_NEAR(e.cart_auc_0_84, 5000.0, 1e-9);
    // Below 100 B cells at the end of the intervals ending on days 20 and 30; back on day 40.
    EXPECT_EQ(e.b_cell_aplasia_days, 20);
    EXPECT_EQ(e.b_cell_recovery_day, 40);
    EXPECT_EQ(e.il6_peak_pg_per_ml, 700);
    EXPECT_EQ(e.crs_max_grade, 3);
    EXPECT_EQ(e.crs_onset_day, 10);
    // Grade >= 1 on the records of days 10 and 20: the intervals ending there.
    EXPECT_EQ(e.crs_duration_days, 20);
    EXPECT_EQ(e.icans_max_grade, 0);
    EXPECT_TRUE(std::isnan(e.icans_onset_day));
    EXPECT_EQ(e.final_blast_fraction, 0.08);
}

// Grades come from every tissue tick: a grade reached and left between two records counts
// (crs_max_grade and icans_max_grade carry it), and the onset is the first record after it.
TEST(ClinicalReadouts, AGradeBetweenRecordsCounts) {
    ClinicalReadouts readouts{ReadoutParameters{}};
    readouts.record(at(0, 0.4, 20, 1000));
    Observables o = at(1, 0.4, 4, 1000, 100, 1);
    o.crs_max_grade = 3;  // grade 3 for a few hours between day 0.75 and day 1
    o.icans_grade = 2;
    o.icans_max_grade = 2;
    o.tocilizumab_doses = 1;
    readouts.record(o);
    Observables later = at(2, 0.3, 8, 1000, 50, 0);
    later.crs_max_grade = 3;
    later.icans_max_grade = 2;
    later.tocilizumab_doses = 1;
    later.dexamethasone_mg = 10;
    readouts.record(later);
    const ClinicalEndpoints& e = readouts.endpoints();
    EXPECT_EQ(e.crs_max_grade, 3);
    EXPECT_EQ(e.crs_onset_day, 1);
    EXPECT_EQ(e.crs_duration_days, 1);  // the record of day 2 is grade 0
    EXPECT_EQ(e.icans_max_grade, 2);
    EXPECT_EQ(e.icans_onset_day, 1);
    EXPECT_EQ(e.icans_duration_days, 1);
    EXPECT_EQ(e.tocilizumab_doses, 1);
    EXPECT_EQ(e.tocilizumab_first_day, 1);
    EXPECT_EQ(e.dexamethasone_mg, 10);
    EXPECT_EQ(e.dexamethasone_first_day, 2);
}

// The dose in blood at infusion is not the peak: Cmax and Tmax are the expansion's, after the
// distribution trough, even when the peak is below the infusion level.
TEST(ClinicalReadouts, CmaxIsTheExpansionPeakNotTheInfusion) {
    ClinicalReadouts readouts{ReadoutParameters{}};
    readouts.record(at(0, 0.4, 20, 1000));
    readouts.record(at(1, 0.4, 4, 1000));
    readouts.record(at(2, 0.4, 0.5, 1000));  // the trough
    readouts.record(at(10, 0.3, 8, 1000));   // expansion
    readouts.record(at(14, 0.1, 12, 1000));  // the peak, below day 0's 20
    readouts.record(at(20, 0.01, 6, 1000));
    const ClinicalEndpoints& e = readouts.endpoints();
    EXPECT_EQ(e.cart_peak_per_ul, 12);
    EXPECT_EQ(e.cart_peak_day, 14);
    EXPECT_DOUBLE_EQ(e.cart_fold_expansion, 24.0);
}

TEST(ClinicalReadouts, ALevelThatOnlyFallsHasNoPeak) {
    ClinicalReadouts readouts{ReadoutParameters{}};
    for (int day = 0; day <= 30; ++day) readouts.record(at(day, 0.4, 20.0 * std::exp(-day), 1000));
    const ClinicalEndpoints& e = readouts.endpoints();
    EXPECT_EQ(e.cart_peak_per_ul, 0);
    EXPECT_TRUE(std::isnan(e.cart_peak_day));
    EXPECT_TRUE(std::isnan(e.cart_fold_expansion));
    EXPECT_TRUE(std::isnan(e.cart_contraction_half_life_days));
}

// Biexponential decline after Tmax (Stein et al. 2019): a fast phase of half-life 4 days over the
// contraction window, then a slow one of 200 days from day 84; each fit recovers its own.
TEST(ClinicalReadouts, HalfLivesOfContractionAndPersistence) {
    ReadoutParameters p;
    p.contraction_window_days = 21;
    p.persistence_from_day = 84;
    ClinicalReadouts readouts{p};
    readouts.record(at(0, 0.4, 20, 1000));
    readouts.record(at(2, 0.4, 0.5, 1000));
    const double tmax = 10;
    for (double day = 4; day <= 365; day += 0.5) {
        double level = 0.5 * std::exp(std::log(200.0) * std::min(day, tmax) / tmax);
        if (day > tmax) level = 100.0 * std::exp(-std::log(2.0) * (day - tmax) / 4.0);
        if (day >= 40) level = 2.0 * std::exp(-std::log(2.0) * (day - 40) / 200.0);
        readouts.record(at(day, 0.01, level, 10));
    }
    const ClinicalEndpoints& e = readouts.endpoints();
    EXPECT_EQ(e.cart_peak_day, tmax);
    EXPECT_NEAR(e.cart_contraction_half_life_days, 4.0, 1e-6);
    EXPECT_NEAR(e.cart_persistence_half_life_days, 200.0, 1e-6);
}

TEST(ClinicalReadouts, APlateauHasAnInfinitePersistenceHalfLife) {
    ClinicalReadouts readouts{ReadoutParameters{}};
    readouts.record(at(0, 0.4, 20, 1000));
    readouts.record(at(2, 0.4, 1, 1000));
    for (int day = 10; day <= 200; ++day) readouts.record(at(day, 0.01, day < 20 ? day : 5, 10));
    EXPECT_TRUE(std::isinf(readouts.endpoints().cart_persistence_half_life_days));
}

TEST(ClinicalReadouts, EventsThatNeverHappenAreNaN) {
    ClinicalReadouts readouts{ReadoutParameters{}};
    readouts.record(at(0, 0.40, 0, 1000));
    readouts.record(at(5, 0.45, 0, 1000));
    const ClinicalEndpoints& e = readouts.endpoints();
    EXPECT_TRUE(std::isnan(e.cr_day));
    EXPECT_TRUE(std::isnan(e.mrd_negative_day));
    EXPECT_TRUE(std::isnan(e.relapse_day));
    EXPECT_TRUE(std::isnan(e.crs_onset_day));
    EXPECT_TRUE(std::isnan(e.cart_peak_day));
    EXPECT_TRUE(std::isnan(e.cart_fold_expansion));
    EXPECT_TRUE(std::isnan(e.cart_last_detectable_day));
    EXPECT_TRUE(std::isnan(e.b_cell_recovery_day));
    EXPECT_EQ(e.relapse_kind, 0);
    EXPECT_EQ(e.b_cell_aplasia_days, 0);
}

TEST(ClinicalReadouts, RelapseIsTypedByItsDominantPhenotype) {
    const auto relapse_with = [](double negative_share, double dim_share, double switched_share) {
        ClinicalReadouts readouts{ReadoutParameters{}};
        readouts.record(at(0, 0.40, 0, 1000));
        readouts.record(at(10, 0.01, 10, 10));
        Observables relapse = at(40, 0.2, 1, 10, 0, 0, negative_share);
        relapse.patient_blasts_cd19_dim = dim_share * relapse.patient_blasts;
        relapse.patient_blasts_lineage_switched = switched_share * relapse.patient_blasts;
        readouts.record(relapse);
        return readouts.endpoints().relapse_kind;
    };
    EXPECT_EQ(relapse_with(0.1, 0.1, 0.0), 1);  // CD19-positive
    EXPECT_EQ(relapse_with(0.1, 0.6, 0.0), 2);  // CD19-dim
    EXPECT_EQ(relapse_with(0.6, 0.1, 0.0), 3);  // CD19-negative
    EXPECT_EQ(relapse_with(0.3, 0.0, 0.3), 3);  // negative and switched together
    EXPECT_EQ(relapse_with(0.0, 0.0, 0.7), 4);  // lineage switch
}

TEST(ClinicalReadouts, DayZeroBelowThresholdIsNotARemission) {
    ClinicalReadouts readouts{ReadoutParameters{}};
    readouts.record(at(0, 0.01, 0, 1000));  // low burden at infusion
    EXPECT_TRUE(std::isnan(readouts.endpoints().cr_day));
    readouts.record(at(1, 0.01, 0, 1000));
    EXPECT_EQ(readouts.endpoints().cr_day, 1);
}

// A patient infused below the CR threshold (after bridging) whose blasts rise above it before
// the expansion catches up is neither in CR from day 0 nor relapsed: the remission counts from
// when the blasts are cleared for good.
TEST(ClinicalReadouts, RiseBeforeTheAssessmentUndoesAProvisionalRemission) {
    ClinicalReadouts readouts{ReadoutParameters{}};
    readouts.record(at(0, 0.034, 0, 1000));
    readouts.record(at(0.25, 0.035, 0, 1000));  // provisional remission
    EXPECT_EQ(readouts.endpoints().cr_day, 0.25);
    readouts.record(at(5, 0.068, 10, 1000));  // the disease rises first
    EXPECT_TRUE(std::isnan(readouts.endpoints().cr_day));
    readouts.record(at(18, 0.001, 300, 50));  // cleared
    readouts.record(at(60, 0.002, 30, 50));
    const ClinicalEndpoints& e = readouts.endpoints();
    EXPECT_EQ(e.cr_day, 18);
    EXPECT_TRUE(std::isnan(e.relapse_day));
    EXPECT_EQ(e.relapse_kind, 0);
    readouts.record(at(90, 0.2, 0, 900));  // a true relapse after it is still seen
    EXPECT_EQ(readouts.endpoints().relapse_day, 90);
}

TEST(ClinicalReadouts, ANonResponderInfusedBelowTheThresholdIsNotInRemission) {
    ClinicalReadouts readouts{ReadoutParameters{}};
    readouts.record(at(0, 0.031, 0, 1000));
    readouts.record(at(1, 0.00005, 0, 1000));  // below both thresholds at first
    EXPECT_EQ(readouts.endpoints().mrd_negative_day, 1);
    readouts.record(at(22, 0.096, 5, 1000));
    readouts.record(at(40, 0.3, 1, 1000));
    const ClinicalEndpoints& e = readouts.endpoints();
    EXPECT_TRUE(std::isnan(e.cr_day));
    EXPECT_TRUE(std::isnan(e.mrd_negative_day));
    EXPECT_TRUE(std::isnan(e.relapse_day));
}

// The assessment day is a parameter: the return on day 20 below is a relapse when the
// assessment is on day 14 and undoes the remission when it is on day 28.
TEST(ClinicalReadouts, TheAssessmentDaySeparatesProvisionalRemissionFromRelapse) {
    const auto run = [](double assessment_day) {
        ReadoutParameters parameters;
        parameters.response_assessment_day = assessment_day;
        ClinicalReadouts readouts{parameters};
        readouts.record(at(0, 0.40, 0, 1000));
        readouts.record(at(10, 0.01, 100, 10));
        readouts.record(at(20, 0.08, 10, 10));
        return readouts.endpoints();
    };
    EXPECT_EQ(run(14).cr_day, 10);
    EXPECT_EQ(run(14).relapse_day, 20);
    EXPECT_TRUE(std::isnan(run(28).cr_day));
    EXPECT_TRUE(std::isnan(run(28).relapse_day));
    // A blast fraction back above the threshold on the assessment day itself is no CR.
    EXPECT_TRUE(std::isnan(run(20).cr_day));
}

TEST(ClinicalReadouts, ARemissionBeforeTheAssessmentIsPrintedAsProvisional) {
    ClinicalReadouts readouts{ReadoutParameters{}};
    readouts.record(at(0, 0.40, 0, 1000));
    readouts.record(at(10, 0.01, 100, 10));
    EXPECT_NE(readouts.describe().find("day 10.00 (provisional: the run ends before the day-28 "
                                       "assessment)"),
              std::string::npos);
    readouts.record(at(28, 0.01, 100, 10));  // the assessment itself: confirmed
    EXPECT_EQ(readouts.describe().find("provisional"), std::string::npos);
}

}  // namespace
}  // namespace cartsim::agents
