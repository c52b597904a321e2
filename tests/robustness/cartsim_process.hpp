#pragma once
// Test support for tests/robustness: the cartsim binary (CARTSIM_BINARY) started as child
// processes, several at once released together (a start barrier), with the standard streams and
// limits a hostile environment gives them.

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace cartsim::test_support {

inline std::string read_bytes(const std::filesystem::path& file) {
    std::ifstream stream(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

/// The clocks and size of write_small_scenario's file.
struct SmallScenario {
    double days = 1.0;
    double snapshot_every_days = 0.5;
    double checkpoint_every_days = 0.5;
    int edge_sites = 40;
};

/// Writes a small 2-D scenario for process tests to `path` (returned): an edge x edge marrow in
/// a 10 mL patient marrow, so that a 1e9 dose brings in thousands of CAR-T cells.
inline std::filesystem::path write_small_scenario(const std::filesystem::path& path,
                                                  const SmallScenario& s = {}) {
    std::ofstream(path) << "[scenario]\nname = \"small\"\n[time]\ndays = " << s.days
                        << "\n[output]\nsnapshot_every_days = " << s.snapshot_every_days
                        << "\ncheckpoint_every_days = " << s.checkpoint_every_days
                        << "\n[space]\nnx = " << s.edge_sites << "\nny = " << s.edge_sites
                        << "\nnz = 1\ntotal_marrow_volume_ml = 10.0\n[car_t]\ndose_cells = 1e9\n";
    return path;
}

/// How one cartsim process is started.
struct CartsimLaunch {
    std::vector<std::string> arguments;
    /// Where stderr goes (a file, truncated); ignored when `stderr_fd` >= 0 or `close_stderr`.
    std::filesystem::path stderr_file;
    /// A descriptor to use as stderr (e.g. the write end of a pipe whose reader is gone).
    int stderr_fd = -1;
    /// Start with descriptors 1 and 2 closed.
    bool close_stdout_and_stderr = false;
    /// RLIMIT_FSIZE in bytes (0 = none): writes beyond it fail with EFBIG, as on a full disk.
    rlim_t file_size_limit = 0;
};

/// What a process ended with.
struct CartsimExit {
    int exit_status = -1;  ///< -1 when a signal ended it
    int signal = 0;        ///< the signal that ended it, 0 if it exited
    std::string err;       ///< its stderr (from stderr_file)
};

/// Starts every launch, all released at once through a pipe they wait on before exec, and waits
/// for all of them.
inline std::vector<CartsimExit> run_cartsim_together(const std::vector<CartsimLaunch>& launches) {
    int barrier[2];
    if (::pipe(barrier) != 0) std::abort();
    std::vector<pid_t> pids;
    for (const CartsimLaunch& launch : launches) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(barrier[1]);
            char byte = 0;
            (void)!::read(barrier[0], &byte, 1);  // returns at EOF: when the parent closes it
            ::close(barrier[0]);
            if (launch.file_size_limit > 0) {
                ::signal(SIGXFSZ, SIG_IGN);
                const rlimit limit{launch.file_size_limit, launch.file_size_limit};
                ::setrlimit(RLIMIT_FSIZE, &limit);
            }
            ::signal(SIGPIPE, SIG_DFL);  // what a shell gives a command
            if (launch.close_stdout_and_stderr) {
                ::close(STDOUT_FILENO);
                ::close(STDERR_FILENO);
            } else {
                if (launch.stderr_fd >= 0) {
                    ::dup2(launch.stderr_fd, STDERR_FILENO);
                } else if (std::freopen(launch.stderr_file.c_str(), "w", stderr) == nullptr) {
                    std::_Exit(126);
                }
                if (std::freopen("/dev/null", "w", stdout) == nullptr) std::_Exit(126);
            }
            std::vector<char*> argv;
            argv.push_back(const_cast<char*>(CARTSIM_BINARY));
            for (const std::string& a : launch.arguments)
                argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(CARTSIM_BINARY, argv.data());
            std::_Exit(127);
        }
        pids.push_back(pid);
    }
    ::close(barrier[0]);
    ::close(barrier[1]);
    std::vector<CartsimExit> exits;
    for (std::size_t i = 0; i < pids.size(); ++i) {
        int status = 0;
        ::waitpid(pids[i], &status, 0);
        CartsimExit exit;
        if (WIFEXITED(status)) exit.exit_status = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
        if (!launches[i].stderr_file.empty()) exit.err = read_bytes(launches[i].stderr_file);
        exits.push_back(std::move(exit));
    }
    return exits;
}

inline CartsimExit run_cartsim_once(const CartsimLaunch& launch) {
    return run_cartsim_together({launch}).front();
}

}  // namespace cartsim::test_support
