// State declared once (engine/model_state.hpp): what a component declares is what save,
// restore and the state hash cover, and a saved state that does not fit the model is refused
// with the piece named.

#include <gtest/gtest.h>

#include <array>
#include <span>
#include <vector>

#include "engine/model_state.hpp"
#include "engine/population.hpp"

namespace cartsim::engine {
namespace {

enum class Colour : std::uint8_t { red = 0, green = 1 };

struct CellColumns {
    struct Row {
        Colour colour = Colour::red;
        float size = 1.0F;
    };
    std::vector<Colour> colour;
    std::vector<float> size;
    void push_back(const Row& row) {
        colour.push_back(row.colour);
        size.push_back(row.size);
    }
    template <class Self, class F>
    static void for_each_column(Self& self, F&& f) {
        f("colour", self.colour);
        f("size", self.size);
    }
};

// A small model: a population, a counter, a fixed-length field and a fixed-size array.
struct Model {
    OccupancyLayer layer{64};
    Population<CellColumns> cells{"cells", 0, layer, 1};
    std::uint64_t step = 0;
    double serum = 0.0;
    std::vector<double> field = std::vector<double>(8, 0.0);
    std::array<std::uint64_t, 3> counts{};

    template <class Self, class Visitor>
    static void visit(Self& self, Visitor& visitor) {
        visitor.scalar(StateEntry{"", "step", "steps"}, self.step);
        visitor.population(self.cells);
        visitor.array(StateEntry{"fields", "values", "pg/mL"}, std::span(self.field));
        visitor.scalar(StateEntry{"fields", "serum", "pg/mL"}, self.serum);
        visitor.array(StateEntry{"blood", "counts", "cells"}, std::span(self.counts));
    }
    SavedState save() const {
        SavedState state;
        StateSaver saver(state);
        visit(*this, saver);
        return state;
    }
    void restore(SavedState state) {
        StateRestorer restorer(state);
        visit(*this, restorer);
    }
    std::uint64_t hash() const {
        StateHasher hasher;
        StateHashVisitor visitor(hasher);
        visit(*this, visitor);
        return hasher.value();
    }
};

void fill(Model& m) {
    m.cells.add(3, {Colour::green, 2.5F});
    m.cells.add(9, {Colour::red, 0.5F});
    m.step = 42;
    m.serum = 1.25;
    m.field[5] = 7.0;
    m.counts = {1, 2, 3};
}

TEST(ModelState, SaveThenRestoreGivesTheSameStateAndHash) {
    Model a;
    fill(a);
    Model b;
    b.cells.add(20, {});
    b.restore(a.save());
    EXPECT_EQ(b.hash(), a.hash());
    EXPECT_EQ(b.step, 42u);
    EXPECT_EQ(b.serum, 1.25);
    EXPECT_EQ(b.field[5], 7.0);
    EXPECT_EQ(b.counts[2], 3u);
    ASSERT_EQ(b.cells.live_count(), 2u);
    EXPECT_EQ(b.cells.columns().colour[0], Colour::green);
    EXPECT_TRUE(b.layer.is_empty(20)) << "the old agent's site was not cleared";
    EXPECT_FALSE(b.layer.is_empty(9));
}

TEST(ModelState, EveryDeclaredPieceEntersTheHash) {
    Model base;
    fill(base);
    const std::uint64_t reference = base.hash();
    auto changed = [&](auto&& edit) {
        Model m;
        fill(m);
        edit(m);
        return m.hash() != reference;
    };
    EXPECT_TRUE(changed([](Model& m) { m.step = 43; }));
    EXPECT_TRUE(changed([](Model& m) { m.serum = 1.5; }));
    EXPECT_TRUE(changed([](Model& m) { m.field[0] = 1e-300; }));
    EXPECT_TRUE(changed([](Model& m) { m.counts[0] = 0; }));
    EXPECT_TRUE(changed([](Model& m) { m.cells.columns().size[1] = 0.25F; }));
    EXPECT_FALSE(changed([](Model&) {}));
}

TEST(ModelState, AStateThatDoesNotFitIsRefusedNamingThePiece) {
    Model a;
    fill(a);
    auto message_of = [&](auto&& edit) -> std::string {
        SavedState state = a.save();
        edit(state);
        Model b;
        try {
            b.restore(std::move(state));
        } catch (const std::invalid_argument& error) {
            return error.what();
        }
        return "accepted";
    };
    EXPECT_NE(message_of([](SavedState& s) {
                  s.values<double>("fields", "values").pop_back();
              }).find("'fields/values' has 7 values"),
              std::string::npos);
    EXPECT_NE(message_of([](SavedState& s) {
                  s.find("fields", "serum")->name = "x";
              }).find("fields/serum' is missing"),
              std::string::npos);
    EXPECT_NE(message_of([](SavedState& s) {
                  s.find("blood", "counts")->values = std::vector<double>(3, 0.0);
              }).find("another element type"),
              std::string::npos);
    EXPECT_NE(message_of([](SavedState& s) {
                  s.populations.front().columns.pop_back();
              }).find("no column 'size'"),
              std::string::npos);
    EXPECT_NE(message_of([](SavedState& s) { s.populations.clear(); }).find("population 'cells'"),
              std::string::npos);
}

}  // namespace
}  // namespace cartsim::engine
