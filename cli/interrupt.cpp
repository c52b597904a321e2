#include "cli/interrupt.hpp"

#include <csignal>

namespace cartsim::cli {
namespace {

// Only lock-free atomics and sig_atomic_t may be touched in a signal handler.
volatile std::sig_atomic_t g_requested = 0;
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_interrupt_signal(int signal_number) {
    if (g_requested != 0 && signal_number != 0) {
        // Second signal: the user does not want to wait for the checkpoint.
        std::signal(signal_number, SIG_DFL);
        std::raise(signal_number);
        return;
    }
    g_signal = signal_number;
    g_requested = 1;
}

}  // namespace

void install_interrupt_handlers() {
    struct sigaction action {};
    action.sa_handler = on_interrupt_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // system calls (file writes) go on rather than fail with EINTR
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    // A run started by `cartsim ensemble` begins with both blocked (cli/child_process.cpp), so a
    // signal that came before this point is delivered now, to the handler.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigprocmask(SIG_UNBLOCK, &signals, nullptr);
}

bool interrupt_requested() {
    return g_requested != 0;
}

int interrupt_signal() {
    return g_signal;
}

void request_interrupt(int signal_number) {
    g_signal = signal_number;
    g_requested = 1;
}

void clear_interrupt() {
    g_requested = 0;
    g_signal = 0;
}

}  // namespace cartsim::cli
