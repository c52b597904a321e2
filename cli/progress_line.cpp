#include "cli/progress_line.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cartsim::cli {
namespace {

using Clock = std::chrono::steady_clock;

// A terminal line is redrawn at most this often; a log line (not a terminal) is written every
// tenth of the simulated time or after this long, whichever comes first.
constexpr double kTerminalRedrawSeconds = 0.5;
constexpr double kLogLineSeconds = 30.0;
constexpr int kLogLinesPerRun = 10;

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

}  // namespace

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0.0) return "?";
    const auto total = static_cast<long long>(std::llround(seconds));
    const long long hours = total / 3600;
    const long long minutes = (total % 3600) / 60;
    const long long secs = total % 60;
    if (hours > 0) return fmt::format("{}h{:02}m", hours, minutes);
    if (minutes > 0) return fmt::format("{}m{:02}s", minutes, secs);
    return fmt::format("{}s", secs);
}

void ProgressLine::update(std::uint64_t steps_done, double day, std::uint64_t agent_updates,
                          const agents::Observables& latest) {
    if (out_ == nullptr) return;
    const Clock::time_point now = Clock::now();
    const double since_print = seconds_between(last_print_, now);
    bool due = false;
    if (terminal_) {
        due = since_print >= kTerminalRedrawSeconds;
    } else {
        const auto next_mark = static_cast<double>(next_log_mark_) / kLogLinesPerRun;
        due = static_cast<double>(steps_done) >= next_mark * static_cast<double>(total_steps_) ||
              since_print >= kLogLineSeconds;
    }
    if (due || steps_done == total_steps_) print(now, steps_done, day, agent_updates, latest);
}

void ProgressLine::finish() {
    if (out_ != nullptr && terminal_ && printed_) *out_ << '\n' << std::flush;
}

void ProgressLine::print(Clock::time_point now, std::uint64_t steps_done, double day,
                         std::uint64_t agent_updates, const agents::Observables& latest) {
    const double elapsed = std::max(seconds_between(start_, now), 1e-9);
    // Speed of this process: a resumed run counts from where it took up.
    const double steps_per_second = static_cast<double>(steps_done - first_step_) / elapsed;
    const double updates_per_second = static_cast<double>(agent_updates) / elapsed;
    const double eta = steps_per_second > 0.0
                           ? static_cast<double>(total_steps_ - steps_done) / steps_per_second
                           : std::nan("");
    std::string line = fmt::format(
        "day {:.2f}/{:g} | blasts {:.0f} ({:.2f}%) | CAR-T marrow {:.0f}, blood {:.3g}/uL | "
        "{:.3g} agent-updates/s, {:.0f} steps/s | {} {}",
        day, total_days_, latest.blasts, 100.0 * latest.blast_fraction, latest.cart_marrow,
        latest.cart_blood_per_ul, updates_per_second, steps_per_second,
        steps_done == total_steps_ ? "took" : "ETA",
        format_duration(steps_done == total_steps_ ? elapsed : eta));
    if (note_) {
        const std::string note = note_();
        if (!note.empty()) line += " | " + note;
    }
    if (terminal_) {
        // Pad over the rest of a longer previous line.
        *out_ << '\r' << line;
        if (line.size() < last_length_) *out_ << std::string(last_length_ - line.size(), ' ');
        *out_ << std::flush;
        last_length_ = line.size();
    } else {
        *out_ << line << '\n' << std::flush;
        while (static_cast<double>(next_log_mark_) / kLogLinesPerRun *
                   static_cast<double>(total_steps_) <=
               static_cast<double>(steps_done)) {
            ++next_log_mark_;
        }
    }
    printed_ = true;
    last_print_ = now;
}

}  // namespace cartsim::cli
