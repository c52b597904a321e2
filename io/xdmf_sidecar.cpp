#include "io/xdmf_sidecar.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "io/atomic_file.hpp"
#include "io/hdf5_handle.hpp"
#include "io/hdf5_read.hpp"
#include "io/output_paths.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

// Names of docs/OUTPUT.md this file relies on; everything else is discovered.
constexpr const char* kSnapshotsGroup = "snapshots";
constexpr const char* kTimeDaysAttr = "time_days";
constexpr const char* kCellEdgeAttr = "cell_edge_um";    // x and y edge of a field cell
constexpr const char* kCellDepthAttr = "cell_depth_um";  // z edge of a field cell
constexpr std::array<const char*, 3> kCoordinateNames = {"x", "y", "z"};

// NumberType and Precision of an XDMF DataItem.
struct XdmfNumberType {
    const char* name = "Float";
    std::size_t precision_bytes = 4;
};

// The XDMF 2 number type that reads the dataset's values without loss, or nothing for types
// XDMF 2 cannot describe (strings, compounds, ...).
std::optional<XdmfNumberType> xdmf_number_type(const NumberTypeInfo& type) {
    using Kind = NumberTypeInfo::Kind;
    const std::size_t size = type.size_bytes;
    switch (type.kind) {
        case Kind::floating_point:
            if (size == 4 || size == 8) return XdmfNumberType{"Float", size};
            return std::nullopt;
        case Kind::signed_integer:
            if (size == 1) return XdmfNumberType{"Char", 1};
            if (size == 2 || size == 4 || size == 8) return XdmfNumberType{"Int", size};
            return std::nullopt;
        case Kind::unsigned_integer:
            if (size == 1) return XdmfNumberType{"UChar", 1};
            if (size == 2 || size == 4) return XdmfNumberType{"UInt", size};
            // ParaView's Xdmf 2 reader maps UInt of precision 8 to 32 bits (it would truncate);
            // Int of precision 8 is int64, exact for our ids (below 2^59: engine/agent_id.hpp).
            if (size == 8) return XdmfNumberType{"Int", 8};
            return std::nullopt;
        case Kind::other:
            return std::nullopt;
    }
    return std::nullopt;
}

// One dataset of the run file as a DataItem sees it.
struct HeavyArray {
    std::string name;       // the dataset's name: the array's name in ParaView
    std::string hdf5_path;  // "/snapshots/000003/tissue/cd19"
    std::vector<std::uint64_t> shape;
    XdmfNumberType type;
};

// One population at one snapshot.
struct PointSetStep {
    std::string snapshot;
    double time_days = 0.0;
    std::uint64_t rows = 0;
    std::array<HeavyArray, 3> coordinates;  // x, y, z
    std::vector<HeavyArray> scalars;        // per point
};

// One field group at one snapshot.
struct FieldGridStep {
    std::string snapshot;
    double time_days = 0.0;
    std::vector<std::uint64_t> cells_zyx;  // gz, gy, gx
    double cell_edge_um = 0.0;
    double cell_depth_um = 0.0;
    std::vector<HeavyArray> scalars;  // per cell
};

// The steps of one group name ("tissue", "fields") across snapshots, in snapshot order.
template <class Step>
struct TemporalCollection {
    std::string name;
    std::vector<Step> steps;
};

struct SidecarContent {
    // In order of first appearance.
    std::vector<TemporalCollection<PointSetStep>> point_sets;
    std::vector<TemporalCollection<FieldGridStep>> field_grids;
};

template <class Step>
std::vector<Step>& steps_of(std::vector<TemporalCollection<Step>>& collections,
                            const std::string& name) {
    const auto found =
        std::find_if(collections.begin(), collections.end(),
                     [&](const auto& collection) { return collection.name == name; });
    if (found != collections.end()) return found->steps;
    collections.push_back({name, {}});
    return collections.back().steps;
}

// The numeric datasets of a group in member order.
std::vector<HeavyArray> numeric_datasets(hid_t group, const std::string& group_path,
                                         const fs::path& file) {
    std::vector<HeavyArray> arrays;
    for (const std::string& name : member_names(group, file)) {
        if (!is_dataset(group, name, file)) continue;
        const std::string path = group_path + "/" + name;
        const Hdf5Handle dataset = open_dataset(group, name, path, file);
        const std::optional<XdmfNumberType> type =
            xdmf_number_type(dataset_number_type(dataset.get(), path, file));
        if (!type) continue;
        arrays.push_back({name, path, dataset_shape(dataset.get(), path, file), *type});
    }
    return arrays;
}

const HeavyArray* find_array(const std::vector<HeavyArray>& arrays, std::string_view name) {
    const auto found = std::find_if(arrays.begin(), arrays.end(),
                                    [&](const HeavyArray& array) { return array.name == name; });
    return found != arrays.end() ? &*found : nullptr;
}

bool has_coordinates(const std::vector<HeavyArray>& arrays) {
    return std::all_of(kCoordinateNames.begin(), kCoordinateNames.end(),
                       [&](const char* name) { return find_array(arrays, name) != nullptr; });
}

// A population group: x, y, z give the points; other 1-D datasets with one row per point are its
// scalars (anything else would not line up with the points, so it is left out).
PointSetStep point_set_step(const std::vector<HeavyArray>& arrays, const std::string& group_path,
                            const fs::path& file) {
    PointSetStep step;
    for (std::size_t axis = 0; axis < kCoordinateNames.size(); ++axis) {
        step.coordinates[axis] = *find_array(arrays, kCoordinateNames[axis]);
    }
    const std::vector<std::uint64_t>& x_shape = step.coordinates[0].shape;
    const bool consistent =
        x_shape.size() == 1 &&
        std::all_of(step.coordinates.begin(), step.coordinates.end(),
                    [&](const HeavyArray& coordinate) { return coordinate.shape == x_shape; });
    if (!consistent) {
        throw IoError(
            fmt::format("'{}': the coordinates x, y, z of '{}' are not 1-D datasets of one length",
                        file.string(), group_path));
    }
    step.rows = x_shape[0];
    for (const HeavyArray& array : arrays) {
        const bool coordinate =
            std::find_if(kCoordinateNames.begin(), kCoordinateNames.end(), [&](const char* name) {
                return array.name == name;
            }) != kCoordinateNames.end();
        if (!coordinate && array.shape == x_shape) step.scalars.push_back(array);
    }
    return step;
}

// A field group: every 3-D dataset with the shape of the first one is a cell scalar.
std::optional<FieldGridStep> field_grid_step(hid_t group, const std::vector<HeavyArray>& arrays,
                                             const std::string& group_path, const fs::path& file) {
    FieldGridStep step;
    step.cell_edge_um = read_double_attribute(group, kCellEdgeAttr, group_path, file);
    // 2-D files may leave the depth out; any positive depth draws the single layer.
    step.cell_depth_um = has_attribute(group, kCellDepthAttr, file)
                             ? read_double_attribute(group, kCellDepthAttr, group_path, file)
                             : step.cell_edge_um;
    for (const HeavyArray& array : arrays) {
        if (array.shape.size() != 3) continue;
        if (step.cells_zyx.empty()) step.cells_zyx = array.shape;
        if (array.shape == step.cells_zyx) step.scalars.push_back(array);
    }
    const bool any_cell =
        !step.cells_zyx.empty() && std::none_of(step.cells_zyx.begin(), step.cells_zyx.end(),
                                                [](std::uint64_t count) { return count == 0; });
    if (!any_cell) return std::nullopt;
    return step;
}

SidecarContent read_content(hid_t file_id, const fs::path& file) {
    SidecarContent content;
    if (!has_link(file_id, kSnapshotsGroup, file) || !is_group(file_id, kSnapshotsGroup, file)) {
        return content;
    }
    const std::string snapshots_path = std::string("/") + kSnapshotsGroup;
    const Hdf5Handle snapshots = open_group(file_id, kSnapshotsGroup, snapshots_path, file);
    std::vector<std::string> snapshot_names = member_names(snapshots.get(), file);
    // Zero-padded ordinals: name order is time order, whatever order the groups were created in.
    std::sort(snapshot_names.begin(), snapshot_names.end());
    for (const std::string& snapshot_name : snapshot_names) {
        if (!is_group(snapshots.get(), snapshot_name, file)) continue;
        const std::string snapshot_path = snapshots_path + "/" + snapshot_name;
        const Hdf5Handle snapshot = open_group(snapshots.get(), snapshot_name, snapshot_path, file);
        const double time_days =
            read_double_attribute(snapshot.get(), kTimeDaysAttr, snapshot_path, file);
        for (const std::string& group_name : member_names(snapshot.get(), file)) {
            if (!is_group(snapshot.get(), group_name, file)) continue;
            const std::string group_path = snapshot_path + "/" + group_name;
            const Hdf5Handle group = open_group(snapshot.get(), group_name, group_path, file);
            const std::vector<HeavyArray> arrays = numeric_datasets(group.get(), group_path, file);
            if (has_coordinates(arrays)) {
                PointSetStep step = point_set_step(arrays, group_path, file);
                step.snapshot = snapshot_name;
                step.time_days = time_days;
                // Zero points would be zero-length heavy data, which XDMF readers reject; a time
                // step without the population shows nothing for it, which is the truth.
                if (step.rows > 0) steps_of(content.point_sets, group_name).push_back(step);
            } else if (has_attribute(group.get(), kCellEdgeAttr, file)) {
                std::optional<FieldGridStep> step =
                    field_grid_step(group.get(), arrays, group_path, file);
                if (!step) continue;
                step->snapshot = snapshot_name;
                step->time_days = time_days;
                steps_of(content.field_grids, group_name).push_back(*step);
            }
        }
    }
    return content;
}

std::string xml_escaped(std::string_view text) {
    std::string escaped;
    escaped.reserve(text.size());
    for (const char character : text) {
        switch (character) {
            case '&':
                escaped += "&amp;";
                break;
            case '<':
                escaped += "&lt;";
                break;
            case '>':
                escaped += "&gt;";
                break;
            case '"':
                escaped += "&quot;";
                break;
            case '\'':
                escaped += "&apos;";
                break;
            default:
                escaped += character;
        }
    }
    return escaped;
}

// Shortest text that reads back as the same double, so times survive exactly.
std::string number_text(double value) {
    return fmt::format("{}", value);
}

std::string dimensions_text(const std::vector<std::uint64_t>& shape) {
    return fmt::format("{}", fmt::join(shape, " "));
}

// Renders the sidecar text; `h5_name` is the run file's name as DataItems refer to it.
class XdmfText {
  public:
    explicit XdmfText(std::string h5_name) : h5_name_(std::move(h5_name)) {}

    std::string render(const SidecarContent& content) {
        line(0, R"(<?xml version="1.0" ?>)");
        line(0, R"(<Xdmf Version="2.0">)");
        line(1, "<Domain>");
        for (const auto& collection : content.point_sets) point_set_collection(collection);
        for (const auto& collection : content.field_grids) field_grid_collection(collection);
        line(1, "</Domain>");
        line(0, "</Xdmf>");
        return std::move(text_);
    }

  private:
    void line(int depth, std::string_view content) {
        text_.append(static_cast<std::size_t>(depth) * 2, ' ');
        text_ += content;
        text_ += '\n';
    }

    void open_collection(const std::string& name) {
        line(2, fmt::format(R"(<Grid Name="{}" GridType="Collection" CollectionType="Temporal">)",
                            xml_escaped(name)));
    }

    void open_step(const std::string& collection, const std::string& snapshot, double time_days) {
        line(3, fmt::format(R"(<Grid Name="{}_{}" GridType="Uniform">)", xml_escaped(collection),
                            xml_escaped(snapshot)));
        line(4, fmt::format(R"(<Time Value="{}" />)", number_text(time_days)));
    }

    void heavy_data_item(int depth, const HeavyArray& array) {
        line(depth,
             fmt::format(R"(<DataItem Dimensions="{}" NumberType="{}" Precision="{}" )"
                         R"(Format="HDF">{}:{}</DataItem>)",
                         dimensions_text(array.shape), array.type.name, array.type.precision_bytes,
                         xml_escaped(h5_name_), xml_escaped(array.hdf5_path)));
    }

    void scalar_attribute(const HeavyArray& array, const char* center) {
        line(4, fmt::format(R"(<Attribute Name="{}" AttributeType="Scalar" Center="{}">)",
                            xml_escaped(array.name), center));
        heavy_data_item(5, array);
        line(4, "</Attribute>");
    }

    void point_set_collection(const TemporalCollection<PointSetStep>& collection) {
        open_collection(collection.name);
        for (const PointSetStep& step : collection.steps) {
            open_step(collection.name, step.snapshot, step.time_days);
            line(4, fmt::format(R"(<Topology TopologyType="Polyvertex" NumberOfElements="{}" )"
                                R"(NodesPerElement="1" />)",
                                step.rows));
            line(4, R"(<Geometry GeometryType="X_Y_Z">)");
            for (const HeavyArray& coordinate : step.coordinates) heavy_data_item(5, coordinate);
            line(4, "</Geometry>");
            for (const HeavyArray& scalar : step.scalars) scalar_attribute(scalar, "Node");
            line(3, "</Grid>");
        }
        line(2, "</Grid>");
    }

    void field_grid_collection(const TemporalCollection<FieldGridStep>& collection) {
        open_collection(collection.name);
        for (const FieldGridStep& step : collection.steps) {
            open_step(collection.name, step.snapshot, step.time_days);
            // A CoRectMesh counts points; cell-centred values need one point more per axis.
            std::vector<std::uint64_t> points_zyx = step.cells_zyx;
            for (std::uint64_t& count : points_zyx) ++count;
            line(4, fmt::format(R"(<Topology TopologyType="3DCoRectMesh" Dimensions="{}" />)",
                                dimensions_text(points_zyx)));
            // ORIGIN_DXDYDZ lists z, y, x (slowest axis first), like the dimensions.
            line(4, R"(<Geometry GeometryType="ORIGIN_DXDYDZ">)");
            line(5, R"(<DataItem Name="Origin" Dimensions="3" NumberType="Float" Precision="8" )"
                    R"(Format="XML">0 0 0</DataItem>)");
            line(5, fmt::format(R"(<DataItem Name="Spacing" Dimensions="3" NumberType="Float" )"
                                R"(Precision="8" Format="XML">{} {} {}</DataItem>)",
                                number_text(step.cell_depth_um), number_text(step.cell_edge_um),
                                number_text(step.cell_edge_um)));
            line(4, "</Geometry>");
            for (const HeavyArray& scalar : step.scalars) scalar_attribute(scalar, "Cell");
            line(3, "</Grid>");
        }
        line(2, "</Grid>");
    }

    std::string h5_name_;
    std::string text_;
};

}  // namespace

fs::path write_xdmf_sidecar(const fs::path& h5_path) {
    const ScopedHdf5ErrorSilence silence;
    SidecarContent content;
    {
        const Hdf5Handle file = open_hdf5_file_read_only(h5_path);
        content = read_content(file.get(), h5_path);
    }
    if (content.point_sets.empty() && content.field_grids.empty()) return {};
    const fs::path sidecar = sidecar_path_of(h5_path);
    write_text_atomically(sidecar, XdmfText(h5_path.filename().string()).render(content),
                          "the XDMF sidecar");
    return sidecar;
}

}  // namespace cartsim::io
