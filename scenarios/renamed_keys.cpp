#include "scenarios/renamed_keys.hpp"

#include <array>
#include <utility>

namespace cartsim::scenarios {

namespace {

/// (old key, new key), oldest first. Keep an entry as long as scenario files with the old key
/// may be around; the new key must be in the model's parameter table.
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kRenamedKeys{{
    // It drives the inheritance of CD19 and CD22 density alike.
    {"blasts.cd19_inheritance_log_sd", "blasts.antigen_inheritance_log_sd"},
    // Lymphodepletion acts through endogenous lymphocytes and IL-7/IL-15 now, not a multiplier.
    {"car_t.lymphodepletion_boost", "car_t.homeostatic_sensitivity"},
    {"car_t.lymphodepletion_boost_days", "car_t.lymphocyte_recovery_per_day"},
}};

}  // namespace

std::optional<std::string_view> renamed_key(std::string_view old_key) {
    for (const auto& [old_name, new_name] : kRenamedKeys) {
        if (old_name == old_key) return new_name;
    }
    return std::nullopt;
}

}  // namespace cartsim::scenarios
