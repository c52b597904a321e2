#pragma once
// Locks that keep one process per run file (and per ensemble directory): an flock'ed lock file.
// The kernel drops an flock when the last descriptor of its open file goes, so a lock is held
// for the life of its process (and of children that inherited it) and never outlives a crash.
//
// A run file OUT.h5 is locked through "OUT.h5.lock" for as long as `cartsim run` or `resume`
// works on it; the lock file names its holder (pid, host, start time) for the message a second
// process gets. `cartsim ensemble` takes the same lock before it touches a run and hands it to
// the run it starts (the child adopts the inherited descriptor, see kInheritedLockVariable), so
// an ensemble, its runs and a `cartsim resume` typed by hand never write one run file together.

#include <filesystem>
#include <optional>
#include <string>
#include <utility>

namespace cartsim::cli {

/// Environment variable through which `cartsim ensemble` tells a child which inherited
/// descriptor already holds the lock of its run file.
inline constexpr const char* kInheritedLockVariable = "CARTSIM_RUN_LOCK_FD";

/// An open, exclusively flock'ed lock file. On destruction the file is removed, while still
/// locked and only if it is still the one under its name (a child that shared the lock may have
/// removed it, and another process made a new one), then closed, and so unlocked. Acquiring
/// checks that the file it locked is still under its name, so a removed file is never trusted.
class RunLock {
  public:
    /// Tries once; nullopt when another process holds the lock. Throws io::IoError when the file
    /// cannot be created (or is a symlink: lock files are never followed).
    static std::optional<RunLock> try_acquire(const std::filesystem::path& path);
    /// Waits until the lock is free. Throws io::IoError like try_acquire.
    static RunLock acquire_waiting(const std::filesystem::path& path);
    /// The holder recorded in a lock file ("pid 123 on host node7 since 2026-11-30T03:39:04Z"),
    /// or "another process" when it recorded none.
    static std::string holder_of(const std::filesystem::path& path);

    RunLock(RunLock&& other) noexcept;
    RunLock& operator=(RunLock&& other) noexcept;
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    ~RunLock();

    int fd() const { return fd_; }
    /// Writes this process as the holder into the lock file (best effort: a full disk must not
    /// stop a run from starting).
    void record_holder() const;

  private:
    RunLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
    static std::optional<RunLock> acquire(const std::filesystem::path& path, bool wait);
    friend RunLock hold_run_file(const std::filesystem::path& run_file);
    int fd_ = -1;
    std::filesystem::path path_;
};

/// "<run file>.lock".
std::filesystem::path lock_path_of(const std::filesystem::path& run_file);

/// The lock of `run_file` for this process: the one inherited from `cartsim ensemble` (see
/// kInheritedLockVariable) when it is this file's, else a fresh one. Throws io::IoError naming
/// the holder when another process holds it, or when the lock file cannot be created.
RunLock hold_run_file(const std::filesystem::path& run_file);

}  // namespace cartsim::cli
