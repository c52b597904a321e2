#include "cli/run_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "io/hdf5_handle.hpp"
#include "io/run_file_writer.hpp"

namespace cartsim::cli {
namespace {

namespace fs = std::filesystem;

bool same_file(int fd, const fs::path& path) {
    struct stat open_file {};
    struct stat named_file {};
    return ::fstat(fd, &open_file) == 0 && ::lstat(path.c_str(), &named_file) == 0 &&
           open_file.st_dev == named_file.st_dev && open_file.st_ino == named_file.st_ino;
}

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
    return name;
}

}  // namespace

std::optional<RunLock> RunLock::acquire(const fs::path& path, bool wait) {
    // A holder that releases a lock removes its file first, so a lock taken on a file that is no
    // longer under `path` is worthless: try again on the new one.
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
            const int error = errno;
            if (error == ENOENT || error == EACCES || error == EROFS) {
                throw io::IoError(fmt::format(
                    "cannot create the lock file '{}': directory '{}' {} ({})", path.string(),
                    path.parent_path().string(),
                    error == ENOENT ? "does not exist" : "is not writable", std::strerror(error)));
            }
            throw io::IoError(fmt::format("cannot create the lock file '{}': {}", path.string(),
                                          std::strerror(error)));
        }
        int locked = 0;
        do {
            locked = ::flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB);
        } while (locked != 0 && errno == EINTR);
        if (locked != 0) {
            const int error = errno;
            ::close(fd);
            if (error == EWOULDBLOCK) return std::nullopt;
            throw io::IoError(
                fmt::format("cannot lock '{}': {}", path.string(), std::strerror(error)));
        }
        if (same_file(fd, path)) return RunLock(fd, path);
        ::close(fd);
    }
    throw io::IoError(fmt::format("cannot lock '{}': it keeps being replaced", path.string()));
}

std::optional<RunLock> RunLock::try_acquire(const fs::path& path) {
    return acquire(path, false);
}

RunLock RunLock::acquire_waiting(const fs::path& path) {
    return std::move(*acquire(path, true));
}

std::string RunLock::holder_of(const fs::path& path) {
    // A holder that has just taken the lock writes its name a moment later: wait up to ~0.2 s.
    for (int attempt = 0; attempt < 20; ++attempt) {
        char text[512] = {};
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) break;
        const ssize_t length = ::pread(fd, text, sizeof text - 1, 0);
        ::close(fd);
        std::string holder(text, length > 0 ? static_cast<std::size_t>(length) : 0);
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) {
            holder.pop_back();
        }
        if (!holder.empty()) return holder;
        ::usleep(10'000);
    }
    return "another process";
}

void RunLock::record_holder() const {
    const std::string text = fmt::format("pid {} on host {} since {}\n", ::getpid(), host_name(),
                                         io::current_utc_iso8601());
    // Written over the old text, then cut to length: a reader never sees an empty file here.
    if (::pwrite(fd_, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size())) {
        (void)!::ftruncate(fd_, static_cast<off_t>(text.size()));
    }
}

RunLock::RunLock(RunLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
    if (this != &other) {
        RunLock released(std::move(*this));
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

RunLock::~RunLock() {
    if (fd_ < 0) return;
    if (same_file(fd_, path_)) ::unlink(path_.c_str());
    ::close(fd_);
}

fs::path lock_path_of(const fs::path& run_file) {
    fs::path lock = run_file;
    lock += ".lock";
    return lock;
}

RunLock hold_run_file(const fs::path& run_file) {
    const fs::path path = lock_path_of(run_file);
    // Started by `cartsim ensemble`, which locked the run for us: adopt its descriptor (the lock
    // belongs to the open file, which parent and child share).
    if (const char* inherited = std::getenv(kInheritedLockVariable)) {
        int fd = -1;
        const std::string_view text(inherited);
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), fd);
        ::unsetenv(kInheritedLockVariable);
        if (error == std::errc() && end == text.data() + text.size() && fd > 2 &&
            same_file(fd, path) && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
            ::fcntl(fd, F_SETFD, FD_CLOEXEC);
            RunLock lock(fd, path);
            lock.record_holder();
            return lock;
        }
    }
    std::optional<RunLock> lock = RunLock::try_acquire(path);
    if (!lock) {
        throw io::IoError(fmt::format(
            "'{}' is in use by another cartsim process ({}; lock file '{}'): one process at a "
            "time runs or resumes a run file; wait for it to end (or stop it) and try again",
            run_file.string(), RunLock::holder_of(path), path.string()));
    }
    lock->record_holder();
    return std::move(*lock);
}

}  // namespace cartsim::cli
