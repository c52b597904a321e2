// Tutorial 04 (docs/tutorial/04_add_a_cytokine_field.md): a cytokine field added to the model
// from this test target, without editing agents/: IL-1, secreted by engaged CAR-T cells. The
// tests prove that the field diffuses, drains into serum, is checkpointed and restored with the
// model's state, appears in snapshots, and leaves the model's own results unchanged (nothing
// reads it yet).

#include <gtest/gtest.h>

#include <string>

#include "agents/cytokines/field_table.hpp"
#include "agents/cytokines/sources.hpp"
#include "agents/marrow_model.hpp"
#include "io/model_snapshot.hpp"
#include "tutorial_model.hpp"

namespace cartsim::tutorial {
namespace {

using agents::CytokineField;
using agents::CytokineSourceInputs;
using agents::CytokineTable;

// The table entry: name, label, diffusion, local decay, systemic clearance.
agents::CytokineFieldSpec il1_spec() {
    return {.name = "il1",
            .label = "IL-1",
            .diffusion_um2_per_min = 600.0,
            .decay_per_min = 0.02,
            .systemic_clearance_per_day = 6.0,
            .takes_pulses = false};
}

// The source: every engaged CAR-T cell makes IL-1 at a constant rate (pg/min) into its site's
// field cell.
void il1_from_engaged_car_t(const CytokineSourceInputs& inputs, CytokineTable& table) {
    agents::secrete_ifng_from_engaged_car_t(inputs.car_t, 5e-7, table["il1"]);
}

agents::ModelExtensions with_il1() {
    agents::ModelExtensions extensions;
    extensions.cytokine_fields.push_back(il1_spec());
    extensions.cytokine_sources.push_back({"IL-1 from engaged CAR-T", il1_from_engaged_car_t});
    return extensions;
}

TEST(Tutorial04, TheFieldIsMadeAndDrainsIntoSerum) {
    agents::MarrowModel model(small_marrow(), with_il1());
    for (int s = 0; s < 720; ++s) model.step();
    const CytokineField& il1 = model.cytokines()["il1"];
    EXPECT_GT(il1.marrow_mean_pg_per_ml(), 0.0);
    EXPECT_GT(il1.serum_pg_per_ml(), 0.0);
}

TEST(Tutorial04, AddingTheFieldLeavesTheModelsOwnResultsUnchanged) {
    agents::MarrowModel plain(small_marrow());
    agents::MarrowModel extended(small_marrow(), with_il1());
    EXPECT_EQ(observed_run(plain, 400), observed_run(extended, 400));
}

TEST(Tutorial04, TheFieldIsCheckpointedAndRestoredWithTheModel) {
    agents::MarrowModel original(small_marrow(), with_il1());
    for (int s = 0; s < 300; ++s) original.step();
    engine::SavedState saved = original.save_state();
    ASSERT_NE(saved.find("cytokines", "il1"), nullptr);
    EXPECT_GT(saved.scalar<double>("cytokines", "serum_il1_pg_per_ml"), 0.0);
    agents::MarrowModel restored(small_marrow(), with_il1());
    restored.restore_state(std::move(saved));
    for (int s = 0; s < 200; ++s) {
        original.step();
        restored.step();
    }
    EXPECT_EQ(original.state_hash(), restored.state_hash());
    EXPECT_EQ(original.cytokines()["il1"].serum_pg_per_ml(),
              restored.cytokines()["il1"].serum_pg_per_ml());
}

TEST(Tutorial04, SnapshotsShowTheField) {
    agents::MarrowModel model(small_marrow(), with_il1());
    bool found = false;
    for (const io::ArrayGroup& group : io::snapshot_groups(model, 0)) {
        if (group.path != "snapshots/000000/fields") continue;
        found = true;
        EXPECT_EQ(group.array("il1").size(), model.cytokines().field_cell_count());
    }
    EXPECT_TRUE(found);
}

TEST(Tutorial04, AFieldNamedLikeAShippedOneIsRefused) {
    agents::ModelExtensions extensions;
    agents::CytokineFieldSpec spec = il1_spec();
    spec.name = "il6";
    extensions.cytokine_fields.push_back(spec);
    EXPECT_THROW(agents::MarrowModel(small_marrow(), std::move(extensions)), std::invalid_argument);
}

}  // namespace
}  // namespace cartsim::tutorial
