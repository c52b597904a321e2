#pragma once
// The scenario the split-run file tests write (virtual ranks: tests/agents, MPI ranks:
// tests/mpi): 48 x 48 x 1 sites (6 x 6 tiles of 8), one day, snapshots every 6 hours,
// checkpoints every 12; a small patient so that many CAR-T cells enter the window and cross box
// borders, and blasts home into it.

namespace cartsim::test_support {

inline constexpr const char* kSplitRunScenario =
    "[scenario]\n"
    "name = \"split\"\n"
    "[run]\n"
    "seed = 11\n"
    "[time]\n"
    "days = 1.0\n"
    "[output]\n"
    "snapshot_every_days = 0.25\n"
    "checkpoint_every_days = 0.5\n"
    "[space]\n"
    "nx = 48\n"
    "ny = 48\n"
    "nz = 1\n"
    "total_marrow_volume_ml = 10.0\n"
    "[car_t]\n"
    "dose_cells = 1e10\n";

}  // namespace cartsim::test_support
