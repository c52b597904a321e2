#pragma once
// One HDF5 file written by every rank of an MPI job together (parallel HDF5, the mpi preset):
// the file opened with the MPI-IO driver, and rows of agents put in one order across the ranks
// so that each rank writes one contiguous run of every dataset (issue 18). Built only with
// CARTSIM_MPI; see io/array_group.hpp write_array_group_collectively for the writes.

#include <mpi.h>

#include <filesystem>
#include <string_view>

#include "io/array_group.hpp"
#include "io/hdf5_handle.hpp"

namespace cartsim::io {

/// Opens an existing HDF5 file for writing by every rank of `communicator` at once (MPI-IO
/// driver, no file locking, as RunFileWriter opens its .partial). Collective: every rank calls
/// it with the same path. Throws IoError naming the file.
Hdf5Handle open_file_collectively(const std::filesystem::path& file, MPI_Comm communicator);

/// Puts the rows of `group` in the order of its uint64 array `key` across every rank of
/// `communicator` (a sample sort): every array of the group is 1-D with one value per row, and
/// each rank's rows come in ascending key order, keys unique across the ranks. Afterwards
/// this rank holds rows [first_row, first_row + its rows) of the whole, in key order, and every
/// array owns its values. Collective. Throws IoError naming the group when an array is not one
/// value per row or the keys are not ascending.
RowShare sort_rows_across_ranks(ArrayGroup& group, std::string_view key, MPI_Comm communicator);

}  // namespace cartsim::io
