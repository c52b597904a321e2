// Enum labels come from one table per code (agents/*/columns.hpp): snapshots write them as
// attributes (state_labels, flags_labels), analysis/plot_run.py reads those attributes, and
// docs/OUTPUT.md must list the same codes, which this test checks.

#include <gtest/gtest.h>

#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>

#include "agents/car_t/columns.hpp"
#include "agents/labels.hpp"
#include "agents/tissue/columns.hpp"

namespace cartsim::agents {
namespace {

std::string output_doc() {
    std::ifstream in(std::string(CARTSIM_SOURCE_DIR) + "/docs/OUTPUT.md");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// "0 blast, 1 normal B cell, 2 marrow cell": how docs/OUTPUT.md lists a code.
std::string as_listed(std::span<const std::string_view> labels, std::string_view prefix) {
    std::string text;
    for (std::size_t k = 0; k < labels.size(); ++k) {
        if (k > 0) text += ", ";
        text += std::string(prefix) + std::to_string(k) + " " + std::string(labels[k]);
    }
    return text;
}

TEST(OutputLabels, DocsListTheCodesOfTheLabelTables) {
    const std::string doc = output_doc();
    ASSERT_FALSE(doc.empty()) << "docs/OUTPUT.md not found";
    for (const std::string& listed :
         {as_listed(kTissueKindLabels, ""), as_listed(kCarTStateLabels, ""),
          as_listed(kBlastFlagLabels, "bit ")}) {
        EXPECT_NE(doc.find(listed), std::string::npos)
            << "docs/OUTPUT.md does not list the codes as '" << listed << "'";
    }
}

TEST(OutputLabels, AttributesNumberTheTablesInOrder) {
    EXPECT_EQ(code_labels(kCarTStateLabels), "0=resting,1=effector,2=memory,3=exhausted");
    EXPECT_EQ(bit_labels(kBlastFlagLabels), "bit0=CD19 epitope lost,bit1=lineage switched");
    EXPECT_EQ(kTissueKindLabels[static_cast<std::size_t>(TissueKind::marrow_cell)], "marrow cell");
    EXPECT_EQ(kCarTStateLabels.size(), static_cast<std::size_t>(kCarTStateCount));
}

}  // namespace
}  // namespace cartsim::agents
