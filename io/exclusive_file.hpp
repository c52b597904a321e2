#pragma once
// Files this process creates for itself (temporaries, a run's .partial, its checkpoint copy) are
// created exclusively: whatever is already under the name (a stale file, a symlink left by
// someone, perhaps pointing at a precious file) is unlinked, never opened, so nothing is ever
// written through a link. Callers hold the run file's lock, so the name is theirs to reuse.

#include <filesystem>

namespace cartsim::io {

/// Removes `path` if it is a file or a symlink (not what it points to). Throws IoError naming
/// the path if it is a directory or cannot be removed.
void remove_stale_file(const std::filesystem::path& path);

/// remove_stale_file, then creates `path` with O_CREAT | O_EXCL | O_NOFOLLOW (mode 0644) and
/// returns its open descriptor (write only, close-on-exec). Throws IoError naming the path.
int create_exclusively(const std::filesystem::path& path);

/// Copies the file `from` to a new file `to` created with create_exclusively. Throws IoError
/// naming both (and removes the incomplete copy) on failure.
void copy_to_new_file(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace cartsim::io
