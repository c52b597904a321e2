#pragma once
// Compressed datasets written with the chunks filtered in parallel: HDF5 runs its filter
// pipeline (shuffle, deflate) on one thread, which capped snapshot writing at ~130 MB/s. Here
// each chunk is shuffled and deflated exactly as HDF5's own filters would (so any HDF5 reader
// decodes it), on all threads, and stored with H5Dwrite_chunk in chunk order.

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace cartsim::io {

/// Writes `count` elements of `element_bytes` each from `data` into `dataset`, which must be
/// chunked along its slowest axis only (`chunk_elements` elements per chunk, the last chunk
/// padded with zeros) with the shuffle and deflate(level) filters in that order. Throws
/// IoError naming `where` and `file_name` on failure.
void write_deflated_chunks(hid_t dataset, const void* data, std::size_t count,
                           std::size_t element_bytes, std::size_t chunk_elements,
                           const std::vector<hsize_t>& dims, std::size_t rows_per_chunk, int level,
                           const std::string& where, const std::filesystem::path& file_name);

/// The shuffle filter's byte order: all first bytes of the elements, then all second bytes, ...
/// (a no-op for 1-byte elements). Exposed for tests.
std::vector<std::uint8_t> shuffle_bytes(const std::uint8_t* bytes, std::size_t count,
                                        std::size_t element_bytes);

}  // namespace cartsim::io
