#pragma once
// Files published atomically: written under "<target>.tmp", fsynced and renamed over the target,
// so a reader (or a crash) sees the old file or the new one, never half of one.

#include <filesystem>
#include <string>
#include <string_view>

namespace cartsim::io {

/// "<target>.tmp".
std::filesystem::path temporary_path_of(const std::filesystem::path& target);

/// Writes `text` atomically. `what` names the file in errors ("the XDMF sidecar"). Throws
/// IoError.
void write_text_atomically(const std::filesystem::path& target, const std::string& text,
                           std::string_view what);

/// fsyncs a finished temporary file and renames it over `target`. Throws IoError (and removes
/// the temporary) on failure.
void publish_atomically(const std::filesystem::path& temporary, const std::filesystem::path& target,
                        std::string_view what);

}  // namespace cartsim::io
