#pragma once
// Child processes of `cartsim ensemble`: each run is `cartsim run` (or `resume`) started by
// fork + exec of the cartsim binary, with stdout and stderr appended to a log file.
//
// A child gets its own process group, so a Ctrl-C at the terminal reaches only the ensemble,
// which forwards one SIGTERM to each child (a second signal would make a run stop without its
// checkpoint). If the ensemble dies (kill -9), the kernel sends each child SIGTERM
// (PR_SET_PDEATHSIG): the run writes its checkpoint and exits 4, and a rerun resumes it.
//
// Each run is guarded by the lock of its run file (cli/run_lock.hpp), which the child inherits
// and adopts: it stays locked until the child exits, even when the ensemble that started it is
// gone, so a rerun (or a `cartsim resume` by hand) never writes a run that an orphaned child is
// still checkpointing.

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/run_lock.hpp"

namespace cartsim::cli {

/// Starts `executable arguments...` with stdout and stderr appended to `log_file` and `lock`
/// inherited and named in the child's environment (kInheritedLockVariable), so the run adopts
/// it and stays locked while the child lives. Returns the child's pid. Throws
/// io::IoError when the log cannot be opened or fork fails; an exec failure shows as exit 127.
pid_t spawn_child(const std::filesystem::path& executable,
                  const std::vector<std::string>& arguments, const std::filesystem::path& log_file,
                  const RunLock& lock);

/// The child's exit status if it has ended (128 + signal number if a signal ended it), without
/// waiting; nullopt while it runs.
std::optional<int> poll_child(pid_t pid);

/// The last `lines` lines of a text file ("" if it cannot be read).
std::string tail_of_file(const std::filesystem::path& path, std::size_t lines);

}  // namespace cartsim::cli
