#pragma once
// The progress line of `cartsim ensemble` on stderr: runs done / running / failed of the runs
// this invocation handles, elapsed time and ETA. On a terminal one line redrawn in place;
// otherwise a line whenever a run ends (and at most every 30 s while nothing ends).

#include <chrono>
#include <cstddef>
#include <ostream>

namespace cartsim::cli {

class EnsembleProgress {
  public:
    /// `total`: runs this invocation handles.
    EnsembleProgress(std::ostream* out, bool terminal, std::size_t total)
        : out_(out), terminal_(terminal), total_(total) {}

    /// A run was found complete already (not counted for the ETA).
    void skipped() {
        ++done_;
        ++skipped_;
    }
    void started() { ++running_; }
    /// A run ended: ok or failed (also interrupted). Shown by the next update().
    void finished(bool ok);
    /// Prints when it is time to (force: now).
    void update(bool force = false);
    void finish();

  private:
    using Clock = std::chrono::steady_clock;
    std::ostream* out_;
    bool terminal_;
    std::size_t total_;
    std::size_t done_ = 0;
    std::size_t skipped_ = 0;
    std::size_t finished_here_ = 0;
    std::size_t running_ = 0;
    std::size_t failed_ = 0;
    Clock::time_point start_ = Clock::now();
    Clock::time_point last_print_ = start_;
    std::size_t last_length_ = 0;
    bool dirty_ = true;
};

}  // namespace cartsim::cli
