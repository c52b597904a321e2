#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "io/exclusive_file.hpp"
#include "io/hdf5_handle.hpp"

namespace cartsim::io {
namespace fs = std::filesystem;
namespace {

std::string errno_text(int error_number) {
    return std::generic_category().message(error_number);
}

IoError failure(const fs::path& target, const fs::path& temporary, std::string_view what,
                std::string_view operation, int error_number) {
    ::unlink(temporary.c_str());
    return IoError(fmt::format("cannot write {} '{}': {} failed ({})", what, target.string(),
                               operation, errno_text(error_number)));
}

}  // namespace

fs::path temporary_path_of(const fs::path& target) {
    fs::path temporary = target;
    temporary += ".tmp";
    return temporary;
}

void write_text_atomically(const fs::path& target, const std::string& text, std::string_view what) {
    const fs::path temporary = temporary_path_of(target);
    int descriptor = -1;
    try {
        descriptor = create_exclusively(temporary);  // never through a stale symlink
    } catch (const IoError& error) {
        throw IoError(fmt::format("cannot write {} '{}': {}", what, target.string(), error.what()));
    }
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t count = ::write(descriptor, text.data() + written, text.size() - written);
        if (count < 0) {
            if (errno == EINTR) continue;
            const int error_number = errno;
            ::close(descriptor);
            throw failure(target, temporary, what, "write", error_number);
        }
        written += static_cast<std::size_t>(count);
    }
    if (::fsync(descriptor) != 0) {
        const int error_number = errno;
        ::close(descriptor);
        throw failure(target, temporary, what, "fsync", error_number);
    }
    if (::close(descriptor) != 0) throw failure(target, temporary, what, "close", errno);
    if (std::rename(temporary.c_str(), target.c_str()) != 0) {
        throw failure(target, temporary, what, "rename", errno);
    }
}

void publish_atomically(const fs::path& temporary, const fs::path& target, std::string_view what) {
    const int descriptor = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor < 0) throw failure(target, temporary, what, "open", errno);
    if (::fsync(descriptor) != 0) {
        const int error_number = errno;
        ::close(descriptor);
        throw failure(target, temporary, what, "fsync", error_number);
    }
    ::close(descriptor);
    if (std::rename(temporary.c_str(), target.c_str()) != 0) {
        throw failure(target, temporary, what, "rename", errno);
    }
}

}  // namespace cartsim::io
