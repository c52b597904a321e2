#include "engine/rule_descriptor.hpp"

#include <fmt/format.h>

namespace cartsim::engine {
namespace {

std::string tags_text(TagSet set) {
    if (set.empty()) return "none";
    std::string text;
    for (std::uint8_t tag = 0; tag < AgentHandle::kMaxTags; ++tag) {
        if (!set.contains(tag)) continue;
        if (!text.empty()) text += ",";
        text += fmt::format("{}", tag);
    }
    return text;
}

}  // namespace

std::string RuleDescriptor::describe() const {
    std::string streams_text;
    for (const StreamId stream : streams) {
        if (!streams_text.empty()) streams_text += ",";
        streams_text += fmt::format("{}", static_cast<std::uint64_t>(stream));
    }
    return fmt::format(
        "rule '{}': reach {}; streams {}; kills tags {}; spawns tags {}; moves tags {}", name,
        reach, streams_text.empty() ? "none" : streams_text, tags_text(effects.may_kill),
        tags_text(effects.may_spawn), tags_text(effects.may_move));
}

}  // namespace cartsim::engine
