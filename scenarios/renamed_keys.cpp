#include "scenarios/renamed_keys.hpp"

#include <array>
#include <utility>

namespace cartsim::scenarios {

namespace {

/// (old key, new key), oldest first. Keep an entry as long as scenario files with the old key
/// may be around; the new key must be in the model's parameter table.
constexpr std::array<std::pair<std::string_view, std::string_view>, 1> kRenamedKeys{{
    // It drives the inheritance of CD19 and CD22 density alike.
    {"blasts.cd19_inheritance_log_sd", "blasts.antigen_inheritance_log_sd"},
}};

}  // namespace

std::optional<std::string_view> renamed_key(std::string_view old_key) {
    for (const auto& [old_name, new_name] : kRenamedKeys) {
        if (old_name == old_key) return new_name;
    }
    return std::nullopt;
}

}  // namespace cartsim::scenarios
