#include "io/output_paths.hpp"

#include <fmt/format.h>

#include <system_error>

#include "io/atomic_file.hpp"
#include "io/hdf5_handle.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

fs::path with_suffix(const fs::path& path, const char* suffix) {
    fs::path result = path;
    result += suffix;
    return result;
}

}  // namespace

fs::path sidecar_path_of(const fs::path& run_file) {
    fs::path sidecar = run_file;
    sidecar.replace_extension(".xmf");
    return sidecar;
}

std::vector<OutputPath> output_paths_of(const fs::path& run_file) {
    const fs::path sidecar = sidecar_path_of(run_file);
    return {{run_file, "the run file"},
            {with_suffix(run_file, ".partial"), "the run file's .partial"},
            {temporary_path_of(run_file), "the checkpoint copy"},
            {sidecar, "the XDMF sidecar"},
            {temporary_path_of(sidecar), "the XDMF sidecar's temporary"},
            {with_suffix(run_file, ".lock"), "the run file's lock"}};
}

void check_output_paths(const fs::path& run_file) {
    const std::vector<OutputPath> paths = output_paths_of(run_file);
    std::error_code error;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const fs::path absolute = fs::absolute(paths[i].path, error).lexically_normal();
        for (std::size_t j = 0; j < i; ++j) {
            if (absolute == fs::absolute(paths[j].path, error).lexically_normal()) {
                throw IoError(fmt::format(
                    "cannot write output '{}': {} would be the same file as {} ('{}'); choose "
                    "another output name (e.g. ending in .h5)",
                    run_file.string(), paths[i].role, paths[j].role, paths[i].path.string()));
            }
        }
        // A directory under a name a run renames over or creates fails only when it gets there.
        if (i > 0 && fs::is_directory(fs::symlink_status(paths[i].path, error))) {
            throw IoError(fmt::format(
                "cannot write output '{}': {} '{}' is a directory; move it out of the way",
                run_file.string(), paths[i].role, paths[i].path.string()));
        }
    }
}

}  // namespace cartsim::io
