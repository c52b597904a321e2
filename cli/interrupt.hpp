#pragma once
// SIGTERM and SIGINT (a batch system's time limit, Ctrl-C) ask a run to stop cleanly: the run
// loop checks interrupt_requested() after every fine step, writes a checkpoint and exits with
// kExitInterrupted. A second signal while that happens ends the process at once (the output
// under its final name is then the previous checkpoint, never a broken file).

namespace cartsim::cli {

/// Installs the handlers for SIGTERM and SIGINT and unblocks both (idempotent).
void install_interrupt_handlers();
/// True once a signal arrived (or request_interrupt() was called).
bool interrupt_requested();
/// The signal that asked to stop (0 if none, or if asked by request_interrupt(0)).
int interrupt_signal();
/// What a handler does, callable from code (tests).
void request_interrupt(int signal_number);
/// Forgets a request (tests, and a library user running several runs in one process).
void clear_interrupt();

}  // namespace cartsim::cli
