#pragma once
// Parameter keys that were renamed, so a scenario written for an older cartsim fails with the
// new name instead of a bare "unknown key": an old and a new name can be too far apart for the
// spelling suggestion of ParameterTable::closest_key to find it.

#include <optional>
#include <string_view>

namespace cartsim::scenarios {

/// The key that replaced `old_key`, or nullopt when `old_key` was never renamed.
std::optional<std::string_view> renamed_key(std::string_view old_key);

}  // namespace cartsim::scenarios
