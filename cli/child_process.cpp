#include "cli/child_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <fstream>
#include <string_view>
#include <utility>

#include "io/hdf5_handle.hpp"

namespace cartsim::cli {

pid_t spawn_child(const std::filesystem::path& executable,
                  const std::vector<std::string>& arguments, const std::filesystem::path& log_file,
                  const RunLock& lock) {
    // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
    std::vector<std::string> storage;
    storage.push_back(executable.string());
    storage.insert(storage.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (std::string& argument : storage) argv.push_back(argument.data());
    argv.push_back(nullptr);
    // The environment, plus the descriptor that holds the run's lock (the child adopts it).
    std::vector<std::string> environment_storage;
    const std::string lock_prefix = std::string(kInheritedLockVariable) + "=";
    for (char** entry = environ; *entry != nullptr; ++entry) {
        if (std::string_view(*entry).starts_with(lock_prefix)) continue;
        environment_storage.emplace_back(*entry);
    }
    environment_storage.push_back(lock_prefix + std::to_string(lock.fd()));
    std::vector<char*> envp;
    for (std::string& entry : environment_storage) envp.push_back(entry.data());
    envp.push_back(nullptr);
    const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        throw io::IoError(
            fmt::format("cannot open the log '{}': {}", log_file.string(), std::strerror(errno)));
    }
    const pid_t parent = ::getpid();
    // SIGTERM and SIGINT are blocked from before the fork until the run has installed its
    // handlers (install_interrupt_handlers unblocks them after exec), so a signal forwarded right
    // after the start is a checkpoint request: never swallowed by this process's handler in the
    // child before exec, never the default action that kills the run.
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigset_t previous;
    ::sigprocmask(SIG_BLOCK, &blocked, &previous);
    const pid_t pid = ::fork();
    if (pid != 0) ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    if (pid < 0) {
        const int error = errno;
        ::close(log_fd);
        throw io::IoError(fmt::format("cannot start a run: fork failed: {}", std::strerror(error)));
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(127);  // the ensemble died before prctl
        ::dup2(log_fd, STDOUT_FILENO);
        ::dup2(log_fd, STDERR_FILENO);
        ::fcntl(lock.fd(), F_SETFD, 0);  // inherited across exec: locked while the run lives
        ::sigprocmask(SIG_SETMASK, &blocked, nullptr);  // only these two, across exec
        ::execve(argv[0], argv.data(), envp.data());
        static constexpr char kMessage[] = "cartsim ensemble: cannot execute the cartsim binary\n";
        (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
        ::_exit(127);
    }
    ::close(log_fd);
    return pid;
}

std::optional<int> poll_child(pid_t pid) {
    int status = 0;
    pid_t done = 0;
    do {
        done = ::waitpid(pid, &status, WNOHANG);
    } while (done < 0 && errno == EINTR);
    if (done == 0) return std::nullopt;
    if (done < 0) return 1;  // not our child any more: count it as failed
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

std::string tail_of_file(const std::filesystem::path& path, std::size_t lines) {
    std::ifstream file(path);
    std::deque<std::string> last;
    for (std::string line; std::getline(file, line);) {
        last.push_back(std::move(line));
        if (last.size() > lines) last.pop_front();
    }
    std::string text;
    for (const std::string& line : last) text += line + "\n";
    return text;
}

}  // namespace cartsim::cli
