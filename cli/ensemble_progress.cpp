#include "cli/ensemble_progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "cli/progress_line.hpp"

namespace cartsim::cli {
namespace {
constexpr double kLogEverySeconds = 30.0;
constexpr double kTerminalEverySeconds = 0.5;
}  // namespace

void EnsembleProgress::finished(bool ok) {
    if (running_ > 0) --running_;
    ++done_;
    ++finished_here_;
    if (!ok) ++failed_;
    dirty_ = true;
}

void EnsembleProgress::update(bool force) {
    if (out_ == nullptr) return;
    const Clock::time_point now = Clock::now();
    const double since = std::chrono::duration<double>(now - last_print_).count();
    // A log gets a line when a run ended (dirty) or every 30 s; a terminal at most twice a second.
    const bool due =
        terminal_ ? since >= kTerminalEverySeconds : (dirty_ || since >= kLogEverySeconds);
    if (!force && !due) return;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const std::size_t remaining = total_ - std::min(total_, done_);
    // Wall time per finished run so far, with up to jobs runs at once.
    const double eta_seconds =
        remaining == 0 ? 0.0
        : finished_here_ == 0
            ? -1.0
            : elapsed / static_cast<double>(finished_here_) * static_cast<double>(remaining);
    const std::string eta = format_duration(eta_seconds);
    std::string line = fmt::format(
        "ensemble: {}/{} runs done ({} skipped), {} running, {} failed; {} elapsed, ETA {}", done_,
        total_, skipped_, running_, failed_, format_duration(elapsed), eta);
    if (terminal_) {
        const std::size_t length = line.size();
        if (length < last_length_) line.append(last_length_ - length, ' ');
        last_length_ = length;
        *out_ << '\r' << line << std::flush;
    } else {
        *out_ << line << '\n' << std::flush;
    }
    last_print_ = now;
    dirty_ = false;
}

void EnsembleProgress::finish() {
    if (out_ != nullptr && terminal_ && last_length_ > 0) *out_ << '\n' << std::flush;
}

}  // namespace cartsim::cli
