#include "io/exclusive_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "io/hdf5_handle.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int error_number) {
    return std::generic_category().message(error_number);
}

}  // namespace

void remove_stale_file(const fs::path& path) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) return;  // nothing there
    if (S_ISDIR(status.st_mode)) {
        throw IoError(fmt::format("cannot create '{}': a directory of that name is in the way",
                                  path.string()));
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        throw IoError(fmt::format("cannot replace the stale file '{}': {}", path.string(),
                                  errno_text(errno)));
    }
}

int create_exclusively(const fs::path& path) {
    remove_stale_file(path);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw IoError(fmt::format("cannot create '{}': {}", path.string(), errno_text(errno)));
    }
    return fd;
}

void copy_to_new_file(const fs::path& from, const fs::path& to) {
    const int source = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (source < 0) {
        throw IoError(fmt::format("cannot copy '{}' to '{}': cannot open it: {}", from.string(),
                                  to.string(), errno_text(errno)));
    }
    int target = -1;
    try {
        target = create_exclusively(to);
    } catch (...) {
        ::close(source);
        throw;
    }
    int error = 0;
    char buffer[1 << 16];
    for (;;) {
        const ssize_t count = ::read(source, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) {
            if (count < 0) error = errno;
            break;
        }
        for (ssize_t written = 0; written < count && error == 0;) {
            const ssize_t step = ::write(target, buffer + written, count - written);
            if (step < 0 && errno != EINTR) error = errno;
            if (step > 0) written += step;
        }
        if (error != 0) break;
    }
    ::close(source);
    if (::close(target) != 0 && error == 0) error = errno;
    if (error != 0) {
        ::unlink(to.c_str());
        throw IoError(fmt::format("cannot copy '{}' to '{}': {}", from.string(), to.string(),
                                  errno_text(error)));
    }
}

}  // namespace cartsim::io
