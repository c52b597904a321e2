// Tutorial 03 (docs/tutorial/03_add_a_cell_kind.md): a cell kind added to the model from this
// test target, without editing agents/: macrophages on a layer of their own that wander and
// count the engaged CAR-T cells they meet. The tests prove that the model runs the kind's rule,
// keeps its cells, checkpoints and restores them with its own state, shows them in snapshots,
// and that adding the kind leaves the rest of the model's results unchanged.

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "agents/extensions/cell_kind.hpp"
#include "agents/marrow_model.hpp"
#include "engine/random.hpp"
#include "io/model_snapshot.hpp"
#include "tutorial_model.hpp"

namespace cartsim::tutorial {
namespace {

using agents::CellKindSpec;
using agents::ExtraCellKindView;
using engine::AgentSlot;
using engine::SiteIndex;

constexpr std::uint8_t kMacrophageTag = 2;
constexpr std::array kMacrophageStreams = {StreamId::tutorial_macrophage_step};

// A macrophage steps to a random free Moore neighbour on its own layer, then counts an
// engaged CAR-T cell at its site or a neighbour's.
void macrophage_step(const ExtraCellKindView& view, AgentSlot slot,
                     const engine::SweepContext& context) {
    engine::RandomStream random =
        context.random(StreamId::tutorial_macrophage_step, view.cells.id(slot));
    const auto offsets = view.lattice.offsets(engine::Neighborhood::moore);
    const SiteIndex to =
        view.lattice.neighbor(view.cells.site(slot), offsets[random.below(offsets.size())]);
    if (to != engine::kNoSite && view.cells.layer().is_empty(to))
        view.cells.move(context, slot, to);
    std::array<SiteIndex, 26> around{};
    const int n =
        view.lattice.neighbors(view.cells.site(slot), engine::Neighborhood::moore, around);
    const auto& engaged = view.car_t.columns().engaged_site;
    for (int k = 0; k < n; ++k) {
        const engine::AgentHandle t = view.mobile_layer.at(around[static_cast<std::size_t>(k)]);
        if (t.is_agent() && engaged[t.slot()] != engine::kNoSite) {
            ++view.cells.columns().column("contacts")[slot];
            return;
        }
    }
}

CellKindSpec macrophages(std::uint64_t count) {
    CellKindSpec spec;
    spec.name = "macrophages";
    spec.columns = {"contacts"};
    spec.tag = kMacrophageTag;
    spec.descriptor = {.name = "",
                       .reach = 1,
                       .streams = kMacrophageStreams,
                       .effects = {.may_kill = {}, .may_spawn = {}, .may_move = {kMacrophageTag}}};
    spec.place_initial = [count](const ExtraCellKindView& view) {
        for (std::uint64_t i = 0; view.cells.live_count() < count; ++i) {
            engine::RandomStream random(view.seed, StreamId::tutorial_macrophage_step, 0, i);
            const auto site = static_cast<SiteIndex>(random.below(view.lattice.site_count()));
            if (view.cells.layer().is_empty(site)) view.cells.add(site, {});
        }
    };
    spec.step = macrophage_step;
    return spec;
}

agents::ModelExtensions with_macrophages(std::uint64_t count) {
    agents::ModelExtensions extensions;
    extensions.cell_kinds.push_back(macrophages(count));
    return extensions;
}

float total_contacts(const agents::MarrowModel& model) {
    const engine::SavedState state = model.save_state();
    float sum = 0.0F;
    for (const auto& [name, values] : state.find_population("macrophages")->columns) {
        if (name == "contacts") {
            for (const float v : std::get<std::vector<float>>(values)) sum += v;
        }
    }
    return sum;
}

TEST(Tutorial03, TheModelRunsTheAddedKindsRule) {
    agents::MarrowModel model(small_marrow(), with_macrophages(500));
    for (int s = 0; s < 720; ++s) model.step();
    const engine::SavedState state = model.save_state();
    const engine::SavedPopulation* cells = state.find_population("macrophages");
    ASSERT_NE(cells, nullptr);
    std::size_t alive = 0;
    for (const SiteIndex site : cells->sites) alive += site != engine::kNoSite ? 1 : 0;
    EXPECT_EQ(alive, 500u);
    EXPECT_GT(total_contacts(model), 0.0F) << "macrophages met no engaged CAR-T cell in 12 h";
}

TEST(Tutorial03, AddingTheKindLeavesTheModelsOwnResultsUnchanged) {
    agents::MarrowModel plain(small_marrow());
    agents::MarrowModel extended(small_marrow(), with_macrophages(500));
    EXPECT_EQ(observed_run(plain, 400), observed_run(extended, 400));
}

TEST(Tutorial03, ItsCellsAreCheckpointedRestoredAndHashedWithTheModel) {
    agents::MarrowModel original(small_marrow(), with_macrophages(500));
    for (int s = 0; s < 300; ++s) original.step();
    agents::MarrowModel restored(small_marrow(), with_macrophages(500));
    restored.step();  // another history, replaced by the saved state
    restored.restore_state(original.save_state());
    for (int s = 0; s < 200; ++s) {
        original.step();
        restored.step();
    }
    EXPECT_EQ(original.state_hash(), restored.state_hash());
    EXPECT_EQ(total_contacts(original), total_contacts(restored));
    // A state without the kind does not fit a model with it.
    agents::MarrowModel plain(small_marrow());
    agents::MarrowModel with_kind(small_marrow(), with_macrophages(10));
    EXPECT_THROW(with_kind.restore_state(plain.save_state()), std::invalid_argument);
}

TEST(Tutorial03, SnapshotsShowTheKindsCells) {
    agents::MarrowModel model(small_marrow(), with_macrophages(50));
    bool found = false;
    for (const io::ArrayGroup& group : io::snapshot_groups(model, 0)) {
        if (group.path != "snapshots/000000/macrophages") continue;
        found = true;
        EXPECT_EQ(group.array("contacts").size(), 50u);
        EXPECT_EQ(group.array("x").size(), 50u);
    }
    EXPECT_TRUE(found) << "no snapshot group for the added kind";
}

TEST(Tutorial03, AKindThatReusesAModelTagIsRefused) {
    agents::ModelExtensions extensions = with_macrophages(1);
    extensions.cell_kinds.front().tag = agents::kCarTTag;
    EXPECT_THROW(agents::MarrowModel(small_marrow(), std::move(extensions)), std::invalid_argument);
}

}  // namespace
}  // namespace cartsim::tutorial
