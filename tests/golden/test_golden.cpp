// Golden numeric regression: small runs of the shipped scenarios (the 2-D demo, a dual-product
// 3-D run) and of the engine's toy model, recorded as state hashes and observables at fixed
// steps and compared with the files in this folder. Thread-count determinism cannot see a
// change that is deterministic but different; these tests do. Rewrite the files with
// `make update-golden` (CARTSIM_UPDATE_GOLDEN=1) only for a change meant to change results,
// and say so in the commit message. On a platform whose floating point differs from the
// reference (x86-64, g++ 12), CARTSIM_GOLDEN_VALUES_ONLY=1 compares the values with a
// tolerance and skips the bitwise hashes.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "agents/marrow_model.hpp"
#include "agents/readouts/clinical_readouts.hpp"
#include "engine/parallelism.hpp"
#include "engine/toy/random_walkers.hpp"
#include "golden_file.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::golden {
namespace {

namespace fs = std::filesystem;

bool env_set(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr && std::string(value) == "1";
}

// Writes the record in update mode; otherwise compares it with the stored one.
void check_against_golden(const std::string& file_name, const GoldenRecord& fresh) {
    const fs::path path = fs::path(CARTSIM_GOLDEN_DIR) / file_name;
    if (env_set("CARTSIM_UPDATE_GOLDEN")) {
        write_golden(path, fresh);
        GTEST_SKIP() << "rewrote " << path.string();
    }
    ASSERT_TRUE(fs::exists(path)) << path.string()
                                  << " is missing: run `make update-golden` to create it";
    const GoldenRecord stored = read_golden(path);
    const bool values_only = env_set("CARTSIM_GOLDEN_VALUES_ONLY");
    const std::vector<std::string> differences =
        golden_differences(stored, fresh, !values_only, values_only ? 1e-9 : 0.0);
    std::string report;
    for (const std::string& line : differences) report += "\n  " + line;
    EXPECT_TRUE(differences.empty())
        << file_name << " differs from this build's results (first differences):" << report
        << "\nIf the change is meant to change results, run `make update-golden` and say so in "
           "the commit message.";
}

agents::Parameters scenario_parameters(const std::string& file,
                                       const std::vector<std::string>& overrides) {
    const auto& table = scenarios::model_parameter_table();
    scenarios::Scenario scenario =
        scenarios::load_scenario_file(fs::path(CARTSIM_SCENARIO_DIR) / file, table);
    for (const std::string& assignment : overrides) {
        scenarios::apply_override(scenario, assignment, table);
    }
    return scenarios::to_model_parameters(scenario);
}

// Runs the model for `days`, recording the state hash and every observable at each record
// time (the time series a run writes), then the clinical endpoints at the end.
void record_model_run(const agents::Parameters& parameters, double days, GoldenRecord& series,
                      GoldenRecord& endpoints) {
    agents::MarrowModel model(parameters);
    agents::ClinicalReadouts readouts(parameters.readouts);
    const auto record_steps = static_cast<engine::Step>(
        std::llround(parameters.time.record_every_days / model.fine_step_days()));
    const auto end_step = static_cast<engine::Step>(std::llround(days / model.fine_step_days()));
    auto record = [&] {
        const agents::Observables o = model.observe();
        readouts.record(o);
        GoldenRow row{model.current_step(), model.state_hash(), {}};
        o.for_each([&](std::string_view name, std::string_view, double value) {
            if (series.rows.empty()) series.names.emplace_back(name);
            row.values.push_back(value);
        });
        series.rows.push_back(std::move(row));
    };
    record();
    while (model.current_step() < end_step) {
        model.step();
        if (model.current_step() % record_steps == 0) record();
    }
    GoldenRow last{model.current_step(), model.state_hash(), {}};
    readouts.endpoints().for_each([&](std::string_view name, std::string_view, double value) {
        endpoints.names.emplace_back(name);
        last.values.push_back(value);
    });
    endpoints.rows.push_back(std::move(last));
}

void check_model_run(const std::string& name, const std::string& scenario_file,
                     const std::vector<std::string>& overrides, double days, int threads) {
    GoldenRecord series;
    GoldenRecord endpoints;
    std::string title = scenario_file;
    for (const std::string& o : overrides) title += " --set " + o;
    series.title = fmt::format("{} for {} days: time series", title, days);
    endpoints.title = fmt::format("{} for {} days: clinical endpoints", title, days);
    engine::run_with_threads(threads, [&] {
        record_model_run(scenario_parameters(scenario_file, overrides), days, series, endpoints);
    });
    // The run must do what the scenario is about, or the record guards nothing.
    ASSERT_GT(series.rows.back().values.at(1), 0.0) << "no blasts left to follow";
    check_against_golden(name + ".timeseries.golden", series);
    check_against_golden(name + ".endpoints.golden", endpoints);
}

// The 2-D demo as shipped, for its first 6 days (infusion, trafficking, the start of
// expansion and killing), at 2 threads.
TEST(Golden, demo_2d_first_6_days) {
    check_model_run("demo_2d", "demo_2d.toml", {"output.snapshot_every_days=0"}, 6.0, 2);
}

// A dual CD19/CD22 product in 3-D on the CD19-escape background: both antigen copies, the
// Hill binding of two antigens, vessels as z-columns. A larger dose so that enough CAR-T
// cells enter a 40^3 piece to kill within 3 days.
TEST(Golden, dual_cd19_cd22_3d_first_3_days) {
    check_model_run("dual_cd19_cd22_3d", "dual_cd19_cd22.toml",
                    {"space.nx=40", "space.ny=40", "space.nz=40", "car_t.dose_cells=2e9",
                     "output.snapshot_every_days=0"},
                    3.0, 2);
}

// The engine's toy walker model (no biology): every engine path (moves, deferred births and
// deaths on two layers, two clocks, sort by tile, compaction).
TEST(Golden, toy_walkers_400_steps) {
    GoldenRecord record;
    record.title = "engine/toy RandomWalkerWorld, 48^3 reflective, defaults otherwise, 400 steps";
    record.names = {"hunters", "bound_hunters", "targets", "total_kills", "mean_trait"};
    engine::run_with_threads(2, [&] {
        engine::toy::WalkerParams params;
        params.nx = params.ny = params.nz = 48;
        params.initial_targets = 40'000;
        params.initial_hunters = 8'000;
        engine::toy::RandomWalkerWorld world(params);
        auto add_row = [&] {
            const engine::toy::WalkerCounts c = world.counts();
            record.rows.push_back(
                {world.current_step(),
                 world.state_hash(),
                 {static_cast<double>(c.hunters), static_cast<double>(c.bound_hunters),
                  static_cast<double>(c.targets), static_cast<double>(c.total_kills),
                  c.mean_trait}});
        };
        add_row();
        while (world.current_step() < 400) {
            world.step();
            if (world.current_step() % 40 == 0) add_row();
        }
    });
    ASSERT_GT(record.rows.back().values.at(3), 0.0) << "no kills: the record guards nothing";
    check_against_golden("toy_walkers.golden", record);
}

// The comparison itself: a changed value or hash is reported, equal records are not.
TEST(Golden, differences_are_reported) {
    GoldenRecord a{"t", {"x", "y"}, {{0, 1, {1.0, 2.0}}, {10, 2, {3.0, 4.0}}}};
    GoldenRecord b = a;
    EXPECT_TRUE(golden_differences(a, b, true, 0.0).empty());
    b.rows[1].values[1] = 4.0000001;
    EXPECT_EQ(golden_differences(a, b, true, 0.0).size(), 1u);
    EXPECT_TRUE(golden_differences(a, b, true, 1e-6).empty());
    b.rows[1].state_hash = 3;
    EXPECT_EQ(golden_differences(a, b, true, 1e-6).size(), 1u);
    EXPECT_TRUE(golden_differences(a, b, false, 1e-6).empty());
    const fs::path path = fs::temp_directory_path() / "cartsim-golden-roundtrip.golden";
    a.rows[0].values[0] = 0.1 + 0.2;  // not exactly representable: must round-trip anyway
    write_golden(path, a);
    EXPECT_TRUE(golden_differences(a, read_golden(path), true, 0.0).empty());
    fs::remove(path);
}

}  // namespace
}  // namespace cartsim::golden
