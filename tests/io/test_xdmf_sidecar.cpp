// Tests of the XDMF sidecar (io/xdmf_sidecar.hpp) on synthetic run files built with the HDF5 C
// API after docs/OUTPUT.md: every DataItem must name a dataset of the run file with its shape and
// type, times must be the snapshots' time_days, and the XML must be well formed. Each test works
// in its own temporary directory.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "io/hdf5_handle.hpp"
#include "io/xdmf_sidecar.hpp"
#include "tests/support/mini_xml.hpp"
#include "tests/support/synthetic_snapshots.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;
using test_support::MiniXmlError;
using test_support::MiniXmlParser;
using test_support::SyntheticLattice;
using test_support::SyntheticSnapshot;
using test_support::XmlElement;

std::string read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary);
    out << bytes;
}

std::vector<std::string> split_words(const std::string& text) {
    std::istringstream stream(text);
    return {std::istream_iterator<std::string>(stream), std::istream_iterator<std::string>()};
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream stream(path);
    while (std::getline(stream, part, '/')) {
        if (!part.empty()) parts.push_back(part);
    }
    return parts;
}

// Two snapshots: car_t is empty at the first one. Field cells are not cubes, so a swapped spacing
// would show.
const std::vector<SyntheticSnapshot> kSnapshots = {
    {.step = 0, .time_days = 0.0, .tissue_rows = 12, .car_t_rows = 0},
    {.step = 2016, .time_days = 3.5, .tissue_rows = 9, .car_t_rows = 5},
};

SyntheticLattice test_lattice() {
    SyntheticLattice lattice;
    lattice.field_cells_zyx = {3, 4, 5};
    lattice.field_cell_edge_um = 40.0;
    lattice.field_cell_depth_um = 20.0;
    return lattice;
}

// The XDMF number type each dataset of docs/OUTPUT.md must be read as.
const std::map<std::string, std::pair<std::string, std::string>> kExpectedNumberTypes = {
    {"x", {"Float", "4"}},    {"y", {"Float", "4"}},          {"z", {"Float", "4"}},
    {"id", {"Int", "8"}},     {"state", {"UChar", "1"}},      {"flags", {"UChar", "1"}},
    {"cd19", {"Float", "4"}}, {"cd22", {"Float", "4"}},       {"engaged", {"UChar", "1"}},
    {"kills", {"UInt", "2"}}, {"exhaustion", {"Float", "4"}}, {"car_level", {"Float", "4"}},
    {"ifng", {"Float", "4"}}, {"il6", {"Float", "4"}},
};

class XdmfSidecar : public ::testing::Test {
  protected:
    void SetUp() override { run_file_ = directory_ / "run.h5"; }

    // run.h5 with the two snapshots; returns the parsed sidecar.
    XmlElement write_and_parse_sidecar() {
        test_support::create_empty_hdf5_file(run_file_);
        test_support::add_synthetic_snapshots(run_file_, kSnapshots, test_lattice());
        const fs::path sidecar = write_xdmf_sidecar(run_file_);
        EXPECT_EQ(sidecar, directory_ / "run.xmf");
        EXPECT_TRUE(fs::is_regular_file(directory_ / "run.xmf"));
        EXPECT_FALSE(fs::exists(directory_ / "run.xmf.tmp"));
        return MiniXmlParser::parse(read_bytes(directory_ / "run.xmf"));
    }

    test_support::TempDirectory temp_{"cartsim-xdmf-test"};
    const fs::path directory_ = temp_.path();
    fs::path run_file_;
};

// Opens the run file read-only for the checks.
Hdf5Handle open_for_checks(const fs::path& file) {
    return Hdf5Handle(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
}

bool path_exists(hid_t file, const std::string& path) {
    std::string prefix;
    for (const std::string& part : split_path(path)) {
        prefix += "/" + part;
        if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    }
    return !prefix.empty();
}

std::string shape_text(hid_t dataset) {
    const Hdf5Handle space(H5Dget_space(dataset), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    return fmt::format("{}", fmt::join(dims, " "));
}

double time_days_of(hid_t file, const std::string& snapshot) {
    const std::string path = "/snapshots/" + snapshot;
    const Hdf5Handle attribute(
        H5Aopen_by_name(file, path.c_str(), "time_days", H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    double value = -1.0;
    EXPECT_GE(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value), 0) << path;
    return value;
}

// "run.h5:/snapshots/000001/tissue/x" -> ("run.h5", "/snapshots/000001/tissue/x").
std::pair<std::string, std::string> split_heavy_reference(const std::string& text) {
    const std::vector<std::string> words = split_words(text);
    const std::string reference = words.size() == 1 ? words[0] : text;
    const std::size_t colon = reference.find(':');
    if (colon == std::string::npos) return {"", reference};
    return {reference.substr(0, colon), reference.substr(colon + 1)};
}

TEST_F(XdmfSidecar, EveryHdfDataItemNamesADatasetWithItsShapeAndNumberType) {
    const XmlElement root = write_and_parse_sidecar();
    ASSERT_EQ(root.name, "Xdmf");
    EXPECT_EQ(root.attribute("Version"), "2.0");
    const Hdf5Handle file = open_for_checks(run_file_);
    ASSERT_TRUE(file.valid());

    std::set<std::string> referenced;
    int xml_items = 0;
    for (const XmlElement* item : root.descendants_named("DataItem")) {
        const std::string format = item->attribute("Format");
        if (format == "XML") {
            ++xml_items;
            std::size_t expected_values = 1;
            for (const std::string& extent : split_words(item->attribute("Dimensions"))) {
                expected_values *= std::stoul(extent);
            }
            EXPECT_EQ(split_words(item->text).size(), expected_values) << item->text;
            continue;
        }
        ASSERT_EQ(format, "HDF");
        const auto [file_name, path] = split_heavy_reference(item->text);
        EXPECT_EQ(file_name, "run.h5") << item->text;  // by file name, not by full path
        ASSERT_TRUE(path_exists(file.get(), path)) << path;
        EXPECT_TRUE(referenced.insert(path).second) << "referenced twice: " << path;
        const Hdf5Handle dataset(H5Dopen2(file.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
        ASSERT_TRUE(dataset.valid()) << path;
        EXPECT_EQ(item->attribute("Dimensions"), shape_text(dataset.get())) << path;
        const Hdf5Handle type(H5Dget_type(dataset.get()), H5Tclose);
        EXPECT_EQ(item->attribute("Precision"), std::to_string(H5Tget_size(type.get()))) << path;
        const std::string dataset_name = split_path(path).back();
        ASSERT_TRUE(kExpectedNumberTypes.contains(dataset_name)) << path;
        EXPECT_EQ(item->attribute("NumberType"), kExpectedNumberTypes.at(dataset_name).first)
            << path;
        EXPECT_EQ(item->attribute("Precision"), kExpectedNumberTypes.at(dataset_name).second)
            << path;
    }
    // tissue: 2 steps x (x, y, z, id, state, flags, cd19, cd22); car_t: only the non-empty step,
    // x, y, z, id, state, engaged, kills, exhaustion, car_level; fields: 2 steps x (ifng, il6).
    EXPECT_EQ(referenced.size(), 2u * 8u + 9u + 2u * 2u);
    EXPECT_EQ(xml_items, 2 * 2);  // origin and spacing of each field grid
    for (const std::string snapshot : {"000000", "000001"}) {
        for (const std::string name : {"x", "y", "z", "state", "cd19"}) {
            EXPECT_TRUE(referenced.contains("/snapshots/" + snapshot + "/tissue/" + name));
        }
        for (const std::string name : {"ifng", "il6"}) {
            EXPECT_TRUE(referenced.contains("/snapshots/" + snapshot + "/fields/" + name));
        }
    }
    EXPECT_FALSE(referenced.contains("/snapshots/000000/car_t/x"));  // empty population
    EXPECT_TRUE(referenced.contains("/snapshots/000001/car_t/kills"));
}

TEST_F(XdmfSidecar, EachStepHasItsSnapshotsTimeAndOnlyItsSnapshotsData) {
    const XmlElement root = write_and_parse_sidecar();
    const Hdf5Handle file = open_for_checks(run_file_);
    ASSERT_TRUE(file.valid());
    std::set<double> times_seen;
    int steps = 0;
    for (const XmlElement* grid : root.descendants_named("Grid")) {
        if (grid->attribute("GridType") != "Uniform") continue;
        ++steps;
        const std::vector<const XmlElement*> times = grid->children_named("Time");
        ASSERT_EQ(times.size(), 1u) << grid->attribute("Name");
        std::set<std::string> snapshots;
        for (const XmlElement* item : grid->descendants_named("DataItem")) {
            if (item->attribute("Format") != "HDF") continue;
            snapshots.insert(split_path(split_heavy_reference(item->text).second).at(1));
        }
        ASSERT_EQ(snapshots.size(), 1u) << grid->attribute("Name");
        const double time = std::strtod(times[0]->attribute("Value").c_str(), nullptr);
        EXPECT_EQ(time, time_days_of(file.get(), *snapshots.begin())) << grid->attribute("Name");
        times_seen.insert(time);
    }
    EXPECT_EQ(steps, 2 + 1 + 2);
    EXPECT_EQ(times_seen, (std::set<double>{0.0, 3.5}));
}

TEST_F(XdmfSidecar, PopulationsArePolyvertexSetsAndFieldsCellCentredCoRectMeshes) {
    const XmlElement root = write_and_parse_sidecar();
    const std::vector<const XmlElement*> domains = root.children_named("Domain");
    ASSERT_EQ(domains.size(), 1u);
    const std::vector<const XmlElement*> collections = domains[0]->children_named("Grid");
    std::vector<std::string> names;
    for (const XmlElement* collection : collections) {
        names.push_back(collection->attribute("Name"));
        EXPECT_EQ(collection->attribute("GridType"), "Collection");
        EXPECT_EQ(collection->attribute("CollectionType"), "Temporal");
    }
    ASSERT_EQ(names, (std::vector<std::string>{"tissue", "car_t", "fields"}));

    // Points: one Polyvertex element per row, X_Y_Z geometry, one Node scalar per other column.
    const std::map<std::string, std::vector<std::string>> rows_per_step = {{"tissue", {"12", "9"}},
                                                                           {"car_t", {"5"}}};
    for (std::size_t c = 0; c < 2; ++c) {
        const std::vector<const XmlElement*> steps = collections[c]->children_named("Grid");
        ASSERT_EQ(steps.size(), rows_per_step.at(names[c]).size()) << names[c];
        for (std::size_t s = 0; s < steps.size(); ++s) {
            const XmlElement* topology = steps[s]->children_named("Topology").at(0);
            EXPECT_EQ(topology->attribute("TopologyType"), "Polyvertex");
            EXPECT_EQ(topology->attribute("NumberOfElements"), rows_per_step.at(names[c])[s]);
            const XmlElement* geometry = steps[s]->children_named("Geometry").at(0);
            EXPECT_EQ(geometry->attribute("GeometryType"), "X_Y_Z");
            EXPECT_EQ(geometry->children_named("DataItem").size(), 3u);
            std::set<std::string> attributes;
            for (const XmlElement* attribute : steps[s]->children_named("Attribute")) {
                EXPECT_EQ(attribute->attribute("Center"), "Node");
                EXPECT_EQ(attribute->attribute("AttributeType"), "Scalar");
                attributes.insert(attribute->attribute("Name"));
            }
            const std::set<std::string> expected =
                names[c] == "tissue" ? std::set<std::string>{"id", "state", "flags", "cd19", "cd22"}
                                     : std::set<std::string>{"id",    "state",      "engaged",
                                                             "kills", "exhaustion", "car_level"};
            EXPECT_EQ(attributes, expected) << names[c];
        }
    }

    // Fields: 3 x 4 x 5 cells are 4 x 5 x 6 points; spacing z, y, x.
    const std::vector<const XmlElement*> field_steps = collections[2]->children_named("Grid");
    ASSERT_EQ(field_steps.size(), 2u);
    for (const XmlElement* step : field_steps) {
        const XmlElement* topology = step->children_named("Topology").at(0);
        EXPECT_EQ(topology->attribute("TopologyType"), "3DCoRectMesh");
        EXPECT_EQ(topology->attribute("Dimensions"), "4 5 6");
        const XmlElement* geometry = step->children_named("Geometry").at(0);
        EXPECT_EQ(geometry->attribute("GeometryType"), "ORIGIN_DXDYDZ");
        const std::vector<const XmlElement*> items = geometry->children_named("DataItem");
        ASSERT_EQ(items.size(), 2u);
        EXPECT_EQ(split_words(items[0]->text), (std::vector<std::string>{"0", "0", "0"}));
        EXPECT_EQ(split_words(items[1]->text), (std::vector<std::string>{"20", "40", "40"}));
        std::set<std::string> attributes;
        for (const XmlElement* attribute : step->children_named("Attribute")) {
            EXPECT_EQ(attribute->attribute("Center"), "Cell");
            EXPECT_EQ(attribute->children_named("DataItem").at(0)->attribute("Dimensions"),
                      "3 4 5");
            attributes.insert(attribute->attribute("Name"));
        }
        EXPECT_EQ(attributes, (std::set<std::string>{"ifng", "il6"}));
    }
}

TEST_F(XdmfSidecar, XmllintAcceptsTheSidecar) {
    if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "xmllint (Debian libxml2-utils) is not installed";
    }
    (void)write_and_parse_sidecar();
    const std::string command =
        fmt::format("xmllint --noout '{}' 2>&1", (directory_ / "run.xmf").string());
    const int status = std::system(command.c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(XdmfSidecar, AFileWithoutSnapshotsGetsNoSidecar) {
    test_support::create_empty_hdf5_file(run_file_);
    test_support::set_root_string_attribute(run_file_, "cartsim_version", "0.1.0-test");
    EXPECT_EQ(write_xdmf_sidecar(run_file_), fs::path());

    // A /snapshots group with no snapshot in it (a run with output.snapshot_every_days = 0).
    test_support::add_synthetic_snapshots(run_file_, {});
    EXPECT_EQ(write_xdmf_sidecar(run_file_), fs::path());
    EXPECT_FALSE(fs::exists(directory_ / "run.xmf"));
    EXPECT_FALSE(fs::exists(directory_ / "run.xmf.tmp"));
}

TEST_F(XdmfSidecar, ReplacesAStaleSidecar) {
    write_bytes(directory_ / "run.xmf", "stale");
    const XmlElement root = write_and_parse_sidecar();
    EXPECT_EQ(root.name, "Xdmf");
}

TEST_F(XdmfSidecar, MissingOrForeignFileIsAnIoErrorNamingIt) {
    const fs::path missing = directory_ / "missing.h5";
    const fs::path text = directory_ / "text.h5";
    write_bytes(text, "not HDF5\n");
    for (const fs::path& file : {missing, text}) {
        try {
            (void)write_xdmf_sidecar(file);
            ADD_FAILURE() << "expected an IoError for " << file;
        } catch (const IoError& error) {
            EXPECT_NE(std::string(error.what()).find(file.string()), std::string::npos)
                << error.what();
        }
    }
    EXPECT_FALSE(fs::exists(directory_ / "missing.xmf"));
    EXPECT_FALSE(fs::exists(directory_ / "text.xmf"));
}

TEST_F(XdmfSidecar, UnwritableSidecarIsAnIoErrorNamingItAndLeavesNoTemporary) {
    test_support::create_empty_hdf5_file(run_file_);
    test_support::add_synthetic_snapshots(run_file_, kSnapshots, test_lattice());
    // A non-empty directory where the sidecar should go: the rename fails even for root.
    fs::create_directory(directory_ / "run.xmf");
    write_bytes(directory_ / "run.xmf" / "keep", "x");
    try {
        (void)write_xdmf_sidecar(run_file_);
        ADD_FAILURE() << "expected an IoError";
    } catch (const IoError& error) {
        EXPECT_NE(std::string(error.what()).find((directory_ / "run.xmf").string()),
                  std::string::npos)
            << error.what();
    }
    EXPECT_FALSE(fs::exists(directory_ / "run.xmf.tmp"));
    EXPECT_TRUE(fs::exists(directory_ / "run.xmf" / "keep"));
}

// The checks above rely on the parser refusing broken XML.
TEST(MiniXmlParser, RejectsUnbalancedOrTruncatedXml) {
    EXPECT_NO_THROW(MiniXmlParser::parse(R"(<?xml version="1.0" ?><a x="1"><b/>t</a>)"));
    EXPECT_THROW(MiniXmlParser::parse("<a><b></a></b>"), MiniXmlError);
    EXPECT_THROW(MiniXmlParser::parse("<a><b></b>"), MiniXmlError);
    EXPECT_THROW(MiniXmlParser::parse("<a></a><c/>"), MiniXmlError);
    EXPECT_THROW(MiniXmlParser::parse(R"(<a x="1></a>)"), MiniXmlError);
    EXPECT_THROW(MiniXmlParser::parse("<a>&bogus;</a>"), MiniXmlError);
}

}  // namespace
}  // namespace cartsim::io
