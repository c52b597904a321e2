#pragma once
// The one error type for a scenario the user can fix: which file (or "--set"), which key, what is
// wrong. The command line prints what() and exits non-zero.

#include <stdexcept>
#include <string>
#include <utility>

namespace cartsim::scenarios {

/// Thrown by the loader, by --set parsing and by the caller's own cross-parameter checks, e.g.
///     throw ScenarioError(scenario.path, "dose.cells", "dose.cells = 0 needs dose.day = 0");
/// what() is "<origin>: <detail>". The detail always names the key: when it does not contain the
/// key already it is prefixed with "<key>: ". A loader error may hold several problems of one
/// file, one per line in file order; origin(), key() and the first line describe the first one.
class ScenarioError : public std::runtime_error {
  public:
    /// origin: the file path as the user gave it, or "--set". key: the dotted parameter key (or
    /// "inherits", "scenario.name"), or "" for problems of the whole file (syntax, unreadable).
    ScenarioError(std::string origin, std::string key, std::string detail)
        : std::runtime_error(compose(origin, key, detail)),
          origin_(std::move(origin)),
          key_(std::move(key)),
          detail_(std::move(detail)) {}

    const std::string& origin() const noexcept { return origin_; }
    const std::string& key() const noexcept { return key_; }
    /// The message without the leading "<origin>: ".
    const std::string& detail() const noexcept { return detail_; }

  private:
    static std::string compose(const std::string& origin, const std::string& key,
                               const std::string& detail) {
        const bool names_key = key.empty() || detail.find(key) != std::string::npos;
        return origin + ": " + (names_key ? detail : key + ": " + detail);
    }

    std::string origin_;
    std::string key_;
    std::string detail_;
};

}  // namespace cartsim::scenarios
