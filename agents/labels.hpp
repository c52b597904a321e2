#pragma once
// Labels of coded values (enums, flag bits), one table per code: the code, the snapshot
// attributes (state_labels, flags_labels), docs/OUTPUT.md and analysis/plot_run.py all read
// the same table (the last two through the attributes and a test).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace cartsim::agents {

/// "0=first,1=second,...": the value of a *_labels snapshot attribute for an enum.
inline std::string code_labels(std::span<const std::string_view> labels) {
    std::string text;
    for (std::size_t k = 0; k < labels.size(); ++k) {
        if (k > 0) text += ',';
        text += std::to_string(k) + "=" + std::string(labels[k]);
    }
    return text;
}

/// "bit0=first,bit1=second,...": the same for flag bits.
inline std::string bit_labels(std::span<const std::string_view> labels) {
    std::string text;
    for (std::size_t k = 0; k < labels.size(); ++k) {
        if (k > 0) text += ',';
        text += "bit" + std::to_string(k) + "=" + std::string(labels[k]);
    }
    return text;
}

/// One column of a snapshot: its dataset name, unit, and the labels attribute of a coded value
/// (empty names for plain numbers).
struct OutputColumn {
    std::string_view name;
    std::string_view unit;
    std::string_view labels_attribute = {};
    std::string labels = {};
};

}  // namespace cartsim::agents
