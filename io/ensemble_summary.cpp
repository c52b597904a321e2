#include "io/ensemble_summary.hpp"

#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "io/atomic_file.hpp"
#include "io/exclusive_file.hpp"
#include "io/hdf5_handle.hpp"
#include "io/run_file_reader.hpp"

namespace cartsim::io {
namespace fs = std::filesystem;
namespace {

std::string number_text(double value) {
    if (std::isnan(value)) return "nan";
    return fmt::format("{}", value);
}

/// CSV cell: quoted when it holds a comma, quote or line break.
std::string csv_cell(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
    std::string quoted = "\"";
    for (const char c : text) {
        quoted += c;
        if (c == '"') quoted += '"';
    }
    return quoted + "\"";
}

void append_cell(std::string& line, const std::string& cell) {
    line += ',';
    line += cell;
}

}  // namespace

RunFileState read_run_file_state(const fs::path& path) {
    RunFileState state;
    std::error_code error;
    if (!fs::exists(path, error)) return state;
    try {
        const ScopedHdf5ErrorSilence silence;
        const RunFileReader reader(path);
        state.status = reader.root_text_attribute("run_status").value_or("unreadable");
        state.seed = reader.run_metadata().seed;
        if (reader.has_root_member("summary")) {
            for (const auto& [name, value] : reader.summary().values) {
                state.endpoints.emplace(name, value);
            }
        }
    } catch (const std::exception&) {
        state.status = "unreadable";
    }
    return state;
}

std::string summary_csv_text(const EnsembleTable& table) {
    std::string text = "index,seed";
    for (const std::string& key : table.input_keys) append_cell(text, csv_cell(key));
    text += ",status";
    for (const std::string& name : table.endpoint_names) append_cell(text, csv_cell(name));
    text += "\n";
    for (const EnsembleRow& row : table.rows) {
        text += fmt::format("{},{}", row.index, row.seed);
        for (const std::string& input : row.input_texts) append_cell(text, csv_cell(input));
        append_cell(text, csv_cell(row.status));
        for (const double value : row.endpoints) append_cell(text, number_text(value));
        text += "\n";
    }
    return text;
}

void write_summary_csv(const fs::path& path, const EnsembleTable& table) {
    write_text_atomically(path, summary_csv_text(table), "the ensemble summary");
}

const std::vector<std::string>& run_status_labels() {
    static const std::vector<std::string> labels{"complete", "checkpoint", "interrupted",
                                                 "failed",   "missing",    "unreadable"};
    return labels;
}

void write_summary_h5(const fs::path& path, const EnsembleTable& table,
                      const std::vector<NamedAttribute>& root_attributes,
                      const std::vector<ArrayGroup>& extra_groups) {
    const fs::path temporary = temporary_path_of(path);
    remove_stale_file(temporary);  // then an exclusive create: never through a stale symlink
    {
        Hdf5Handle file(
            check_hdf5_id(H5Fcreate(temporary.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT),
                          "create the ensemble summary", temporary),
            H5Fclose);
        ArrayGroup root{"", root_attributes, {}};
        ArrayGroup runs;
        runs.path = "runs";
        const std::size_t n = table.rows.size();
        std::vector<std::uint64_t> index(n);
        std::vector<std::uint64_t> seed(n);
        std::vector<std::uint8_t> status(n);
        const std::vector<std::string>& labels = run_status_labels();
        for (std::size_t i = 0; i < n; ++i) {
            index[i] = table.rows[i].index;
            seed[i] = table.rows[i].seed;
            const auto found = std::find(labels.begin(), labels.end(), table.rows[i].status);
            status[i] = static_cast<std::uint8_t>(found - labels.begin());
        }
        runs.arrays.push_back({"index", index, {}, ""});
        runs.arrays.push_back({"seed", seed, {}, ""});
        runs.arrays.push_back({"status", status, {}, ""});
        std::string joined_labels;
        for (const std::string& label : labels) {
            if (!joined_labels.empty()) joined_labels += ',';
            joined_labels += label;
        }
        runs.attributes.push_back({"status_labels", joined_labels});
        for (std::size_t k = 0; k < table.input_keys.size(); ++k) {
            std::vector<double> column(n);
            for (std::size_t i = 0; i < n; ++i) column[i] = table.rows[i].inputs[k];
            runs.arrays.push_back({table.input_keys[k], std::move(column), {}, ""});
        }
        for (std::size_t k = 0; k < table.endpoint_names.size(); ++k) {
            std::vector<double> column(n);
            for (std::size_t i = 0; i < n; ++i) column[i] = table.rows[i].endpoints[k];
            runs.arrays.push_back(
                {table.endpoint_names[k], std::move(column), {}, table.endpoint_units[k]});
        }
        const ArrayStorage storage{};
        write_array_group(file.get(), root, storage, temporary);
        write_array_group(file.get(), runs, storage, temporary);
        for (const ArrayGroup& group : extra_groups) {
            write_array_group(file.get(), group, storage, temporary);
        }
        check_hdf5_status(file.close(), "close the ensemble summary", temporary);
    }
    publish_atomically(temporary, path, "the ensemble summary");
}

}  // namespace cartsim::io
