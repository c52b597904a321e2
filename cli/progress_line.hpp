#pragma once
// The progress line of `cartsim run` and `cartsim resume` on stderr: simulated day, blasts,
// CAR-T cells, speed and ETA. On a terminal one line is redrawn in place; otherwise (a batch log)
// a new line every tenth of the simulated time or every 30 s.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <utility>

#include "agents/readouts/observables.hpp"

namespace cartsim::cli {

/// "1h02m", "3m05s", "12s"; "?" for a negative or non-finite time.
std::string format_duration(double seconds);

class ProgressLine {
  public:
    /// A run (or a resumed one) going from first_step to total_steps.
    ProgressLine(std::ostream* out, bool terminal, std::uint64_t first_step,
                 std::uint64_t total_steps, double total_days)
        : out_(out),
          terminal_(terminal),
          first_step_(first_step),
          total_steps_(total_steps),
          total_days_(total_days),
          start_(std::chrono::steady_clock::now()),
          last_print_(start_) {}

    /// Called after every fine step (steps_done counts from step 0 of the run, not of this
    /// process); prints when it is time to.
    void update(std::uint64_t steps_done, double day, std::uint64_t agent_updates,
                const agents::Observables& latest);

    /// Ends the terminal line.
    void finish();

    /// Text appended to each printed line (e.g. the ranks' load balance); asked for only when a
    /// line is printed, and left out when empty.
    void set_note(std::function<std::string()> note) { note_ = std::move(note); }

  private:
    using Clock = std::chrono::steady_clock;
    void print(Clock::time_point now, std::uint64_t steps_done, double day,
               std::uint64_t agent_updates, const agents::Observables& latest);

    std::ostream* out_;
    bool terminal_;
    std::uint64_t first_step_;
    std::uint64_t total_steps_;
    double total_days_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_print_;
    int next_log_mark_ = 1;
    std::size_t last_length_ = 0;
    bool printed_ = false;
    std::function<std::string()> note_;
};

}  // namespace cartsim::cli
