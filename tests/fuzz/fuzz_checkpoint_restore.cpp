// Fuzz target: restoring a damaged checkpoint. The state of a tiny run (2-D, 24 x 24, a strong
// dose, 100 steps: CAR-T cells engaged, IL-6 pending) is saved once; each input is a list of
// mutations of that state (any value of any array, scalar or population column overwritten by
// raw bytes, or an array or column made shorter or longer), and the mutated state is restored
// into a fresh model, which then runs past a tissue and a field update. The contract: a state
// that breaks an invariant is refused with std::invalid_argument before the model runs, and a
// state that passes runs without a crash, a hang or a sanitizer report (a value that overflows
// the field solver ends the run with a NumericalError naming it).

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <variant>
#include <vector>

#include "agents/marrow_model.hpp"
#include "agents/numerical_error.hpp"
#include "engine/model_state.hpp"
#include "engine/parallelism.hpp"

namespace {

using namespace cartsim;

agents::Parameters tiny() {
    agents::Parameters p;
    p.space.nx = p.space.ny = 24;
    p.space.nz = 1;
    p.space.total_marrow_volume_ml = 10.0;
    p.car_t.dose_cells = 1e9;
    return p;
}

const engine::SavedState& saved() {
    static const engine::SavedState state = [] {
        engine::SavedState s;
        engine::run_with_threads(1, [&] {
            agents::MarrowModel model(tiny());
            for (int k = 0; k < 100; ++k) model.step();
            s = model.save_state();
        });
        return s;
    }();
    return state;
}

// Every mutable array of a saved state, in a fixed order.
std::vector<engine::StateValues*> arrays_of(engine::SavedState& state) {
    std::vector<engine::StateValues*> out;
    for (engine::SavedArray& a : state.arrays) out.push_back(&a.values);
    for (engine::SavedPopulation& p : state.populations) {
        for (auto& column : p.columns) out.push_back(&column.second);
    }
    return out;
}

void mutate(engine::SavedState& state, FuzzedDataProvider& data) {
    const std::vector<engine::StateValues*> arrays = arrays_of(state);
    auto& population =
        state
            .populations[data.ConsumeIntegralInRange<std::size_t>(0, state.populations.size() - 1)];
    switch (data.ConsumeIntegralInRange<int>(0, 5)) {
        case 0:  // a population's site
            if (!population.sites.empty()) {
                population.sites[data.ConsumeIntegralInRange<std::size_t>(
                    0, population.sites.size() - 1)] = data.ConsumeIntegral<std::uint32_t>();
            }
            return;
        case 1:  // a population's id or a tile's count of issued ids
            if (!population.ids.empty() && data.ConsumeBool()) {
                population
                    .ids[data.ConsumeIntegralInRange<std::size_t>(0, population.ids.size() - 1)] =
                    data.ConsumeIntegral<std::uint64_t>();
            } else if (!population.ids_issued_by_tile.empty()) {
                population.ids_issued_by_tile[data.ConsumeIntegralInRange<std::size_t>(
                    0, population.ids_issued_by_tile.size() - 1)] =
                    data.ConsumeIntegral<std::uint64_t>();
            }
            return;
        default:
            break;
    }
    engine::StateValues& values =
        *arrays[data.ConsumeIntegralInRange<std::size_t>(0, arrays.size() - 1)];
    std::visit(
        [&](auto& vector) {
            using T = typename std::decay_t<decltype(vector)>::value_type;
            if (data.ConsumeIntegralInRange<int>(0, 7) == 0) {  // another length
                vector.resize(data.ConsumeIntegralInRange<std::size_t>(0, vector.size() + 2));
                return;
            }
            if (vector.empty()) return;
            const std::size_t at = data.ConsumeIntegralInRange<std::size_t>(0, vector.size() - 1);
            const std::vector<std::uint8_t> bytes = data.ConsumeBytes<std::uint8_t>(sizeof(T));
            if (bytes.size() == sizeof(T)) std::memcpy(&vector[at], bytes.data(), sizeof(T));
        },
        values);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider provider(data, size);
    engine::SavedState state = saved();
    const int mutations = provider.ConsumeIntegralInRange<int>(1, 4);
    for (int k = 0; k < mutations && provider.remaining_bytes() > 0; ++k) mutate(state, provider);
    engine::run_with_threads(1, [&] {
        agents::MarrowModel model(tiny());
        try {
            model.restore_state(std::move(state));
        } catch (const std::invalid_argument&) {
            return;  // refused: the contract for a state that breaks an invariant
        }
        try {
            for (int k = 0; k < 70; ++k) model.step();  // a tissue and two field updates
            (void)model.observe();
        } catch (const agents::NumericalError&) {
            // a finite but huge value overflowed the solver: reported, not silent
        }
    });
    return 0;
}
