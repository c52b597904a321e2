#pragma once
// The thin layer between io/ and the HDF5 C API: IoError (the one exception io/ throws), an RAII
// owner for hid_t, a scope that keeps HDF5 from printing its error stack to stderr, and checks
// that turn a failed HDF5 call into an IoError naming the operation, the file and HDF5's reason.

#include <hdf5.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace cartsim::io {

// Every failure in io/ (HDF5, the file system, misuse of a writer) is an IoError whose message
// names the operation and the file.
class IoError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Owns one HDF5 identifier and releases it with the matching H5*close function.
class Hdf5Handle {
  public:
    using CloseFunction = herr_t (*)(hid_t);

    Hdf5Handle() = default;
    Hdf5Handle(hid_t id, CloseFunction close_function) noexcept
        : id_(id), close_function_(close_function) {}
    ~Hdf5Handle() { reset(); }

    Hdf5Handle(const Hdf5Handle&) = delete;
    Hdf5Handle& operator=(const Hdf5Handle&) = delete;
    Hdf5Handle(Hdf5Handle&& other) noexcept
        : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_function_(other.close_function_) {}
    Hdf5Handle& operator=(Hdf5Handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
            close_function_ = other.close_function_;
        }
        return *this;
    }

    hid_t get() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }

    // Closes now and returns HDF5's status, for callers that must know the close worked (a file's
    // close is where HDF5 writes its last metadata).
    herr_t close() noexcept {
        herr_t status = 0;
        if (valid()) {
            status = close_function_(id_);
            id_ = H5I_INVALID_HID;
        }
        return status;
    }
    void reset() noexcept { (void)close(); }

  private:
    hid_t id_ = H5I_INVALID_HID;
    CloseFunction close_function_ = nullptr;
};

// Call first thing in main(): HDF5 then registers no exit handler. Its handler closes files left
// open, and after a failed write (a full disk) it crashed closing the broken file (HDF5 1.10),
// turning a clean "exit 3" into a segfault. Everything cartsim writes is closed explicitly.
inline void skip_hdf5_cleanup_at_exit() noexcept {
    (void)H5dont_atexit();
}

// HDF5 prints its error stack to stderr by default. io/ reports errors as exceptions instead, so
// each public entry point turns the printing off while it runs and restores whatever handler was
// installed before (an application that wants HDF5's own printing elsewhere keeps it).
class ScopedHdf5ErrorSilence {
  public:
    ScopedHdf5ErrorSilence() noexcept {
        if (H5Eget_auto2(H5E_DEFAULT, &saved_function_, &saved_data_) < 0) {
            saved_function_ = nullptr;
            saved_data_ = nullptr;
        }
        (void)H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
    ~ScopedHdf5ErrorSilence() { (void)H5Eset_auto2(H5E_DEFAULT, saved_function_, saved_data_); }
    ScopedHdf5ErrorSilence(const ScopedHdf5ErrorSilence&) = delete;
    ScopedHdf5ErrorSilence& operator=(const ScopedHdf5ErrorSilence&) = delete;

  private:
    H5E_auto2_t saved_function_ = nullptr;
    void* saved_data_ = nullptr;
};

// The outermost and innermost entries of HDF5's current error stack ("H5Fcreate(): unable to
// create file <- H5FD_sec2_open(): ... File exists"). Must be called right after the failing call:
// the next HDF5 API call clears the stack.
inline std::string hdf5_error_stack_text() {
    struct Ends {
        std::string outermost;
        std::string innermost;
    } ends;
    const H5E_walk2_t record = [](unsigned position, const H5E_error2_t* error,
                                  void* data) -> herr_t {
        auto& collected = *static_cast<Ends*>(data);
        std::string entry = std::string(error->func_name != nullptr ? error->func_name : "?") +
                            "(): " + (error->desc != nullptr ? error->desc : "");
        if (position == 0) {
            collected.outermost = entry;
        }
        collected.innermost = std::move(entry);
        return 0;
    };
    if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, record, &ends) < 0 || ends.outermost.empty()) {
        return "no HDF5 error details";
    }
    if (ends.innermost == ends.outermost) {
        return ends.outermost;
    }
    return ends.outermost + " <- " + ends.innermost;
}

// "HDF5 file '<file>': cannot <operation> (<HDF5's reason>)", the reason taken from HDF5's error
// stack.
inline IoError hdf5_failure(std::string_view operation, const std::filesystem::path& file) {
    return IoError("HDF5 file '" + file.string() + "': cannot " + std::string(operation) + " (" +
                   hdf5_error_stack_text() + ")");
}

// Returns id if it is a valid identifier, throws hdf5_failure otherwise.
inline hid_t check_hdf5_id(hid_t id, std::string_view operation,
                           const std::filesystem::path& file) {
    if (id < 0) {
        throw hdf5_failure(operation, file);
    }
    return id;
}

inline void check_hdf5_status(herr_t status, std::string_view operation,
                              const std::filesystem::path& file) {
    if (status < 0) {
        throw hdf5_failure(operation, file);
    }
}

// For HDF5's tri-state answers (true, false, or negative on error).
inline bool check_hdf5_bool(htri_t answer, std::string_view operation,
                            const std::filesystem::path& file) {
    if (answer < 0) {
        throw hdf5_failure(operation, file);
    }
    return answer > 0;
}

}  // namespace cartsim::io
