#pragma once
// Every file a run writes for its run file OUT.h5, named in one place, and the check that they
// can all be written: done before simulating, so a name that cannot work is refused at once
// rather than at the first checkpoint hours later.

#include <filesystem>
#include <string>
#include <vector>

namespace cartsim::io {

/// One file a run writes, with what it is (for messages).
struct OutputPath {
    std::filesystem::path path;
    std::string role;  ///< e.g. "the XDMF sidecar"
};

/// The run file, its .partial, its checkpoint copy (.tmp), the XDMF sidecar (.xmf) and its
/// temporary, and its lock file (.lock).
std::vector<OutputPath> output_paths_of(const std::filesystem::path& run_file);

/// "<stem>.xmf" beside the run file.
std::filesystem::path sidecar_path_of(const std::filesystem::path& run_file);

/// Throws IoError naming the files and their roles if two of output_paths_of(run_file) are the
/// same file (e.g. `-o X.xmf`, whose sidecar would overwrite it), or if a directory stands under
/// one of their names.
void check_output_paths(const std::filesystem::path& run_file);

}  // namespace cartsim::io
