#pragma once
// A model's state declared once. Each component of a model (a population, a field table, a
// compartment, counters) lists its state in one function, visit_state(self, visitor), calling
//     visitor.population(population)                      for a Population<Columns>
//     visitor.scalar(StateEntry{group, name, unit}, value) for one number
//     visitor.array(StateEntry{group, name, unit}, span)   for an array whose length the model
//                                                          fixes at construction (a field)
// on a const or a mutable self. Everything that needs the whole state is a visitor written
// once: the state hash, save and restore (SavedState, below), and io's checkpoint writer and
// reader. Adding a state array is one line in its component plus its meaning.

#include <algorithm>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "engine/state_hash.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// Where a piece of state goes and what it measures. `group` is "" for the model's top level.
struct StateEntry {
    std::string_view group;
    std::string_view name;
    std::string_view unit;
};

/// Element types of stored state; enums are stored as their underlying type.
using StateValues =
    std::variant<std::vector<std::uint8_t>, std::vector<std::uint16_t>, std::vector<std::uint32_t>,
                 std::vector<std::uint64_t>, std::vector<float>, std::vector<double>>;

template <class T>
using StoredType = typename std::conditional_t<std::is_enum_v<T>, std::underlying_type<T>,
                                               std::type_identity<T>>::type;

/// One scalar or array, owned.
struct SavedArray {
    std::string group;
    std::string name;
    std::string unit;
    bool scalar = false;
    StateValues values;
};

/// One population in canonical form, owned: its live agents in id order (ids, sites, columns by
/// their declared names) and how many ids each tile has issued. Nothing of the storage it came
/// from (slot order, dead slots, sorting or compaction history) is in it.
struct SavedPopulation {
    std::string name;
    std::vector<AgentId> ids;
    std::vector<SiteIndex> sites;
    std::vector<std::uint64_t> ids_issued_by_tile;
    std::vector<std::pair<std::string, StateValues>> columns;
};

/// A whole model's state as owned values: what save_state() returns, what a checkpoint reader
/// builds, what restore_state() takes.
struct SavedState {
    std::vector<SavedPopulation> populations;
    std::vector<SavedArray> arrays;

    const SavedPopulation* find_population(std::string_view name) const {
        for (const SavedPopulation& p : populations) {
            if (p.name == name) return &p;
        }
        return nullptr;
    }
    SavedPopulation* find_population(std::string_view name) {
        return const_cast<SavedPopulation*>(std::as_const(*this).find_population(name));
    }
    const SavedArray* find(std::string_view group, std::string_view name) const {
        for (const SavedArray& a : arrays) {
            if (a.group == group && a.name == name) return &a;
        }
        return nullptr;
    }
    SavedArray* find(std::string_view group, std::string_view name) {
        return const_cast<SavedArray*>(std::as_const(*this).find(group, name));
    }
    /// The values of a stored array as a vector of T (to inspect or edit a saved state); throws
    /// std::invalid_argument naming it if absent or of another type.
    template <class T>
    std::vector<T>& values(std::string_view group, std::string_view name) {
        SavedArray* a = find(group, name);
        auto* values = a == nullptr ? nullptr : std::get_if<std::vector<T>>(&a->values);
        if (values == nullptr) {
            throw std::invalid_argument("state has no array '" + path(group, name) +
                                        "' of the expected type");
        }
        return *values;
    }
    /// A stored scalar as T; throws std::invalid_argument naming it if absent or of another type.
    template <class T>
    T scalar(std::string_view group, std::string_view name) const {
        const SavedArray* a = find(group, name);
        const auto* values = a == nullptr ? nullptr : std::get_if<std::vector<T>>(&a->values);
        if (values == nullptr || values->size() != 1) {
            throw std::invalid_argument("state has no scalar '" + path(group, name) +
                                        "' of the expected type");
        }
        return values->front();
    }
    static std::string path(std::string_view group, std::string_view name) {
        return group.empty() ? std::string(name) : std::string(group) + "/" + std::string(name);
    }
};

namespace detail {
template <class Column>
StateValues stored_copy(const Column& column) {
    using T = typename Column::value_type;
    std::vector<StoredType<T>> values(column.size());
    std::transform(column.begin(), column.end(), values.begin(),
                   [](const T& v) { return static_cast<StoredType<T>>(v); });
    return values;
}
// column[slot] for the given slots, in their order.
template <class Column>
StateValues stored_gather(const Column& column, const std::vector<AgentSlot>& slots) {
    using T = typename Column::value_type;
    std::vector<StoredType<T>> values(slots.size());
    std::transform(slots.begin(), slots.end(), values.begin(),
                   [&](AgentSlot slot) { return static_cast<StoredType<T>>(column[slot]); });
    return values;
}
}  // namespace detail

/// Copies every declared piece of state into a SavedState.
class StateSaver {
  public:
    explicit StateSaver(SavedState& out) : out_(&out) {}

    template <class PopulationT>
    void population(const PopulationT& population) {
        SavedPopulation saved;
        saved.name = population.name();
        const std::vector<AgentSlot> slots = population.live_slots_by_id();
        saved.ids.reserve(slots.size());
        saved.sites.reserve(slots.size());
        for (const AgentSlot slot : slots) {
            saved.ids.push_back(population.id(slot));
            saved.sites.push_back(population.site(slot));
        }
        saved.ids_issued_by_tile.assign(population.ids_issued_by_tile().begin(),
                                        population.ids_issued_by_tile().end());
        using Columns = std::remove_cvref_t<decltype(population.columns())>;
        Columns::for_each_column(
            population.columns(), [&](std::string_view name, const auto& column) {
                saved.columns.emplace_back(std::string(name), detail::stored_gather(column, slots));
            });
        out_->populations.push_back(std::move(saved));
    }
    template <class T>
    void scalar(const StateEntry& entry, const T& value) {
        out_->arrays.push_back({std::string(entry.group), std::string(entry.name),
                                std::string(entry.unit), true,
                                std::vector<StoredType<T>>{static_cast<StoredType<T>>(value)}});
    }
    template <class T, std::size_t N>
    void array(const StateEntry& entry, std::span<T, N> values) {
        out_->arrays.push_back({std::string(entry.group), std::string(entry.name),
                                std::string(entry.unit), false, detail::stored_copy(values)});
    }

  private:
    SavedState* out_;
};

/// Moves a SavedState's values into a model's declared state. Throws std::invalid_argument
/// naming the piece of state that is missing, of another type or of another length (arrays
/// keep the length the model gave them); populations are checked by Population::restore.
class StateRestorer {
  public:
    explicit StateRestorer(SavedState& saved) : saved_(&saved) {}

    template <class PopulationT>
    void population(PopulationT& population) {
        SavedPopulation* saved = saved_->find_population(population.name());
        if (saved == nullptr) {
            throw std::invalid_argument("state has no population '" + population.name() + "'");
        }
        using Columns = std::remove_cvref_t<decltype(population.columns())>;
        // Columns whose set is chosen at run time say how to make an empty copy of themselves.
        Columns columns = [&] {
            if constexpr (requires { Columns::empty_like(population.columns()); }) {
                return Columns::empty_like(population.columns());
            } else {
                return Columns{};
            }
        }();
        Columns::for_each_column(columns, [&](std::string_view name, auto& column) {
            using T = typename std::remove_cvref_t<decltype(column)>::value_type;
            const StateValues* values = nullptr;
            for (const auto& [column_name, column_values] : saved->columns) {
                if (column_name == name) values = &column_values;
            }
            const auto* typed =
                values == nullptr ? nullptr : std::get_if<std::vector<StoredType<T>>>(values);
            if (typed == nullptr) {
                throw std::invalid_argument("state of population '" + population.name() +
                                            "' has no column '" + std::string(name) +
                                            "' of the expected type");
            }
            column.resize(typed->size());
            std::transform(typed->begin(), typed->end(), column.begin(),
                           [](const auto& v) { return static_cast<T>(v); });
        });
        population.restore(std::move(saved->ids), std::move(saved->sites), std::move(columns),
                           std::move(saved->ids_issued_by_tile));
    }
    template <class T>
    void scalar(const StateEntry& entry, T& value) {
        const auto& stored = typed<T>(entry);
        if (stored.size() != 1) throw std::invalid_argument(name_of(entry) + " is not a scalar");
        value = static_cast<T>(stored.front());
    }
    template <class T, std::size_t N>
    void array(const StateEntry& entry, std::span<T, N> values) {
        const auto& stored = typed<T>(entry);
        if (stored.size() != values.size()) {
            throw std::invalid_argument(name_of(entry) + " has " + std::to_string(stored.size()) +
                                        " values, this model has " + std::to_string(values.size()));
        }
        std::transform(stored.begin(), stored.end(), values.begin(),
                       [](const auto& v) { return static_cast<T>(v); });
    }

  private:
    static std::string name_of(const StateEntry& entry) {
        return "state '" + SavedState::path(entry.group, entry.name) + "'";
    }
    template <class T>
    const std::vector<StoredType<T>>& typed(const StateEntry& entry) const {
        const SavedArray* saved = saved_->find(entry.group, entry.name);
        if (saved == nullptr) throw std::invalid_argument(name_of(entry) + " is missing");
        const auto* values = std::get_if<std::vector<StoredType<T>>>(&saved->values);
        if (values == nullptr) {
            throw std::invalid_argument(name_of(entry) + " has another element type");
        }
        return *values;
    }
    SavedState* saved_;
};

/// Puts every population's storage in id order (Population::sort_by_id), the canonical layout
/// that a checkpoint writes; a pure layout change, other state is untouched.
class IdOrderVisitor {
  public:
    template <class PopulationT>
    void population(PopulationT& population) {
        population.sort_by_id();
    }
    template <class T>
    void scalar(const StateEntry&, const T&) {}
    template <class T, std::size_t N>
    void array(const StateEntry&, std::span<T, N>) {}
};

/// Feeds every declared piece of state, in declaration order, to a StateHasher: populations
/// independently of storage order (hash_population), arrays with their length.
class StateHashVisitor {
  public:
    explicit StateHashVisitor(StateHasher& hasher) : hasher_(&hasher) {}

    template <class PopulationT>
    void population(const PopulationT& population) {
        hash_population(*hasher_, population);
    }
    template <class T>
    void scalar(const StateEntry&, const T& value) {
        hasher_->add(value);
    }
    template <class T, std::size_t N>
    void array(const StateEntry&, std::span<T, N> values) {
        hasher_->add(std::span<const std::remove_const_t<T>>(values));
    }

  private:
    StateHasher* hasher_;
};

}  // namespace cartsim::engine
