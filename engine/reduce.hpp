#pragma once
// Deterministic parallel reductions for observables: integer counts and exact float sums
// (implemented in parallel_for.hpp, beside the other parallel loops, so that the TSan build can
// swap them as one).

#include "engine/parallel_for.hpp"
