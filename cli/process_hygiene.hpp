#pragma once
// What `cartsim` does first, before it opens any file: a process started by a batch system, a
// pipeline or a careless wrapper may have its standard descriptors closed or connected to a
// reader that goes away, and neither may cost a run.

namespace cartsim::cli {

/// Opens /dev/null on each of descriptors 0, 1 and 2 that is closed, so no file the run opens
/// (the HDF5 .partial) can become "stderr" and receive log text.
void make_standard_descriptors_safe();

/// Ignores SIGPIPE: a log piped into a reader that exits (`cartsim run ... 2>&1 | head`) makes
/// writes to it fail with EPIPE, which the logger and the progress line drop, instead of killing
/// the run. The run goes on and writes its file as usual; its exit status is the run's.
void survive_broken_pipes();

}  // namespace cartsim::cli
