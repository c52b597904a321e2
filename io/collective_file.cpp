#include "io/collective_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <type_traits>
#include <vector>

namespace cartsim::io {
namespace {

// MPI counts are ints.
int mpi_count(std::size_t n, std::string_view what) {
    if (n > static_cast<std::size_t>(INT_MAX)) {
        throw IoError(fmt::format("{}: {} elements are more than one MPI message holds", what, n));
    }
    return static_cast<int>(n);
}

std::span<const std::uint64_t> keys_of(const NamedArray& array, const std::string& group_path) {
    if (const auto* v = std::get_if<std::vector<std::uint64_t>>(&array.values)) return *v;
    if (const auto* s = std::get_if<std::span<const std::uint64_t>>(&array.values)) return *s;
    throw IoError(fmt::format("'/{}/{}' is not uint64, so its rows cannot be ordered by it",
                              group_path, array.name));
}

// Rows of `values` sent to each rank (`send_counts`, in rank order, contiguous), received from
// each (`receive_counts`), as one vector of the received rows in source-rank order.
template <class T>
std::vector<T> exchange_rows(std::span<const T> values, const std::vector<int>& send_counts,
                             const std::vector<int>& receive_counts, MPI_Comm communicator) {
    MPI_Datatype element = MPI_DATATYPE_NULL;
    MPI_Type_contiguous(static_cast<int>(sizeof(T)), MPI_BYTE, &element);
    MPI_Type_commit(&element);
    const auto offsets = [](const std::vector<int>& counts) {
        std::vector<int> displacements(counts.size(), 0);
        std::exclusive_scan(counts.begin(), counts.end(), displacements.begin(), 0);
        return displacements;
    };
    const std::vector<int> send_offsets = offsets(send_counts);
    const std::vector<int> receive_offsets = offsets(receive_counts);
    std::vector<T> received(static_cast<std::size_t>(
        std::accumulate(receive_counts.begin(), receive_counts.end(), std::int64_t{0})));
    MPI_Alltoallv(values.data(), send_counts.data(), send_offsets.data(), element, received.data(),
                  receive_counts.data(), receive_offsets.data(), element, communicator);
    MPI_Type_free(&element);
    return received;
}

}  // namespace

Hdf5Handle open_file_collectively(const std::filesystem::path& file, MPI_Comm communicator) {
    Hdf5Handle access(
        check_hdf5_id(H5Pcreate(H5P_FILE_ACCESS), "create file access properties", file), H5Pclose);
    check_hdf5_status(H5Pset_fapl_mpio(access.get(), communicator, MPI_INFO_NULL),
                      "use the MPI-IO driver", file);
#if (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7) || H5_VERSION_GE(1, 12, 1)
    // As RunFileWriter's .partial: readers may open it while the run goes on.
    check_hdf5_status(H5Pset_file_locking(access.get(), false, true), "disable file locking", file);
#endif
    const ScopedHdf5ErrorSilence silence;
    return Hdf5Handle(check_hdf5_id(H5Fopen(file.c_str(), H5F_ACC_RDWR, access.get()),
                                    "open the file on every MPI rank", file),
                      H5Fclose);
}

RowShare sort_rows_across_ranks(ArrayGroup& group, std::string_view key, MPI_Comm communicator) {
    int rank_count = 1;
    MPI_Comm_size(communicator, &rank_count);
    const auto ranks = static_cast<std::size_t>(rank_count);
    const std::span<const std::uint64_t> keys = keys_of(group.array(key), group.path);
    const std::size_t n = keys.size();
    for (const NamedArray& array : group.arrays) {
        if (!array.shape.empty() || array.size() != n) {
            throw IoError(fmt::format("'/{}/{}' is not one value per row of '{}'", group.path,
                                      array.name, key));
        }
    }
    if (!std::is_sorted(keys.begin(), keys.end()) ||
        std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
        throw IoError(
            fmt::format("'/{}/{}' is not strictly ascending on this rank", group.path, key));
    }

    // Regular samples of every rank's keys; a rank without rows sends the largest key, so the
    // splitters only move towards the last rank (an uneven split, never a wrong one).
    std::vector<std::uint64_t> samples(ranks - 1, std::numeric_limits<std::uint64_t>::max());
    for (std::size_t k = 0; k + 1 < ranks && n > 0; ++k) samples[k] = keys[(k + 1) * n / ranks];
    std::vector<std::uint64_t> all_samples(ranks * (ranks - 1));
    MPI_Allgather(samples.data(), mpi_count(samples.size(), "key samples"), MPI_UINT64_T,
                  all_samples.data(), mpi_count(samples.size(), "key samples"), MPI_UINT64_T,
                  communicator);
    std::sort(all_samples.begin(), all_samples.end());
    // Rank d receives the keys in (splitter[d-1], splitter[d]]; the last rank the rest.
    std::vector<int> send_counts(ranks, 0);
    std::size_t begin = 0;
    for (std::size_t d = 0; d < ranks; ++d) {
        std::size_t end = n;
        if (d + 1 < ranks) {
            const std::uint64_t splitter = all_samples[(d + 1) * all_samples.size() / ranks];
            end = static_cast<std::size_t>(
                std::upper_bound(keys.begin() + static_cast<std::ptrdiff_t>(begin), keys.end(),
                                 splitter) -
                keys.begin());
        }
        send_counts[d] = mpi_count(end - begin, "rows sent to one rank");
        begin = end;
    }
    std::vector<int> receive_counts(ranks, 0);
    MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, communicator);

    // The received keys come as one ascending run per source rank; their merged order.
    const std::vector<std::uint64_t> received_keys =
        exchange_rows(keys, send_counts, receive_counts, communicator);
    std::vector<std::size_t> order(received_keys.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return received_keys[a] < received_keys[b]; });
    for (NamedArray& array : group.arrays) {
        array.values = std::visit(
            [&](const auto& values) -> ArrayValues {
                using T = std::remove_cvref_t<decltype(values[0])>;
                const std::vector<T> received = exchange_rows(
                    std::span<const T>(values), send_counts, receive_counts, communicator);
                std::vector<T> sorted(received.size());
                for (std::size_t k = 0; k < order.size(); ++k) sorted[k] = received[order[k]];
                return sorted;
            },
            array.values);
    }

    const auto mine = static_cast<std::uint64_t>(received_keys.size());
    RowShare share;
    MPI_Exscan(&mine, &share.first_row, 1, MPI_UINT64_T, MPI_SUM, communicator);
    int rank = 0;
    MPI_Comm_rank(communicator, &rank);
    if (rank == 0) share.first_row = 0;  // MPI_Exscan leaves rank 0's result undefined
    MPI_Allreduce(&mine, &share.total_rows, 1, MPI_UINT64_T, MPI_SUM, communicator);
    return share;
}

}  // namespace cartsim::io
