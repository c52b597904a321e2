// --vary ranges and the sweep designs of `cartsim ensemble`: grid points and ends, log spacing,
// Latin hypercube strata (exactly one point per stratum per key), determinism, bad input.

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "scenarios/model_parameters.hpp"
#include "scenarios/scenario_error.hpp"
#include "scenarios/sweep_design.hpp"

namespace cartsim::scenarios {
namespace {

const ParameterTable& table() {
    return model_parameter_table();
}

std::string error_of(const std::string& text) {
    try {
        parse_varied_range(text, table());
    } catch (const ScenarioError& error) {
        return error.what();
    }
    return "";
}

TEST(SweepDesign, ParsesLinearAndLogRanges) {
    const VariedRange linear = parse_varied_range("car_t.speed_um_per_min=1:9", table());
    EXPECT_EQ(linear.key, "car_t.speed_um_per_min");
    EXPECT_EQ(linear.lo, 1.0);
    EXPECT_EQ(linear.hi, 9.0);
    EXPECT_FALSE(linear.log);
    const VariedRange log = parse_varied_range("car_t.dose_cells=1e7:1e9:log", table());
    EXPECT_TRUE(log.log);
    EXPECT_EQ(log.hi, 1e9);
}

TEST(SweepDesign, BadRangesNameTheKeyAndTheAllowedRange) {
    EXPECT_NE(error_of("car_t.dose_cel=1:2").find("did you mean car_t.dose_cells?"),
              std::string::npos);
    EXPECT_NE(error_of("car_t.dose_cells=2e8:1e8").find("lo = 200000000 is above hi"),
              std::string::npos);
    EXPECT_NE(error_of("car_t.dose_cells=0:1e8:log").find("a log range needs lo > 0"),
              std::string::npos);
    const std::string outside = error_of("car_t.speed_um_per_min=1:50");
    EXPECT_NE(outside.find("car_t.speed_um_per_min"), std::string::npos) << outside;
    EXPECT_NE(outside.find("[0, 30] um/min"), std::string::npos) << outside;
    EXPECT_NE(error_of("car_t.lymphodepletion=0:1").find("only real and integer"),
              std::string::npos);
    EXPECT_NE(error_of("run.seed=1:5").find("--replicates"), std::string::npos);
    EXPECT_NE(error_of("car_t.dose_cells=1e7").find("LO:HI"), std::string::npos);
    EXPECT_NE(error_of("car_t.dose_cells=1e7:1e8:ln").find("LO:HI"), std::string::npos);
    EXPECT_NE(error_of("car_t.dose_cells").find("KEY=LO:HI"), std::string::npos);
}

TEST(SweepDesign, GridIsTheCartesianProductWithBothEnds) {
    const std::vector<VariedRange> ranges{{"a", 0.0, 1.0, false}, {"b", 1.0, 100.0, true}};
    const auto points = grid_design(ranges, 3);
    ASSERT_EQ(points.size(), 9U);
    std::set<std::pair<double, double>> distinct;
    for (const auto& p : points) distinct.insert({p[0], p[1]});
    EXPECT_EQ(distinct.size(), 9U);
    EXPECT_EQ(points.front(), (std::vector<double>{0.0, 1.0}));
    EXPECT_EQ(points.back(), (std::vector<double>{1.0, 100.0}));
    EXPECT_DOUBLE_EQ(points[1][1], 10.0);  // log spacing: the geometric middle
    EXPECT_DOUBLE_EQ(points[3][0], 0.5);   // the first key varies slowest
    const auto middle = grid_design(ranges, 1);
    ASSERT_EQ(middle.size(), 1U);
    EXPECT_DOUBLE_EQ(middle[0][0], 0.5);
    EXPECT_DOUBLE_EQ(middle[0][1], 10.0);
    EXPECT_EQ(grid_design({}, 5).size(), 1U);
}

TEST(SweepDesign, LatinHypercubeHasOnePointPerStratumPerKey) {
    const std::vector<VariedRange> ranges{
        {"a", 0.0, 1.0, false}, {"b", 1e6, 1e9, true}, {"c", -5.0, 5.0, false}};
    const std::int64_t n = 50;
    const auto points = lhs_design(ranges, n, 12345);
    ASSERT_EQ(points.size(), static_cast<std::size_t>(n));
    for (std::size_t k = 0; k < ranges.size(); ++k) {
        std::vector<int> per_stratum(n, 0);
        for (const auto& p : points) {
            const double lo = ranges[k].log ? std::log(ranges[k].lo) : ranges[k].lo;
            const double hi = ranges[k].log ? std::log(ranges[k].hi) : ranges[k].hi;
            const double x = ranges[k].log ? std::log(p[k]) : p[k];
            const auto stratum = static_cast<int>(std::floor((x - lo) / (hi - lo) * n));
            ASSERT_GE(stratum, 0);
            ASSERT_LT(stratum, n);
            ++per_stratum[static_cast<std::size_t>(stratum)];
        }
        for (int s = 0; s < n; ++s) EXPECT_EQ(per_stratum[s], 1) << "key " << k << " stratum " << s;
    }
}

TEST(SweepDesign, LatinHypercubeDependsOnlyOnTheSeed) {
    const std::vector<VariedRange> ranges{{"a", 0.0, 1.0, false}, {"b", 0.0, 1.0, false}};
    EXPECT_EQ(lhs_design(ranges, 20, 7), lhs_design(ranges, 20, 7));
    EXPECT_NE(lhs_design(ranges, 20, 7), lhs_design(ranges, 20, 8));
    // The keys are permuted independently (the design is not the diagonal).
    const auto points = lhs_design(ranges, 20, 7);
    int same_stratum = 0;
    for (const auto& p : points) same_stratum += std::floor(p[0] * 20) == std::floor(p[1] * 20);
    EXPECT_LT(same_stratum, 20);
}

TEST(SweepDesign, IntegerKeysAreRounded) {
    EXPECT_EQ(design_value(table().at("space.nx"), 63.6), ParameterValue(std::int64_t{64}));
    EXPECT_EQ(design_value(table().at("car_t.dose_cells"), 2.5e7), ParameterValue(2.5e7));
}

}  // namespace
}  // namespace cartsim::scenarios
