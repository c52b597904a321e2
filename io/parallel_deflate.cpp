#include "io/parallel_deflate.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "engine/parallel_for.hpp"
#include "io/hdf5_handle.hpp"

namespace cartsim::io {

std::vector<std::uint8_t> shuffle_bytes(const std::uint8_t* bytes, std::size_t count,
                                        std::size_t element_bytes) {
    std::vector<std::uint8_t> out(count * element_bytes);
    if (element_bytes <= 1) {
        std::memcpy(out.data(), bytes, out.size());
        return out;
    }
    for (std::size_t b = 0; b < element_bytes; ++b) {
        std::uint8_t* plane = out.data() + b * count;
        for (std::size_t i = 0; i < count; ++i) plane[i] = bytes[i * element_bytes + b];
    }
    return out;
}

void write_deflated_chunks(hid_t dataset, const void* data, std::size_t count,
                           std::size_t element_bytes, std::size_t chunk_elements,
                           const std::vector<hsize_t>& dims, std::size_t rows_per_chunk, int level,
                           const std::string& where, const std::filesystem::path& file_name) {
    const std::size_t chunks = (count + chunk_elements - 1) / chunk_elements;
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    std::vector<std::vector<std::uint8_t>> compressed(chunks);
    std::vector<int> status(chunks, Z_OK);
    engine::parallel_for_index(chunks, [&](std::size_t c) {
        // Every stored chunk is full size: the part beyond the dataset's extent is zero filled
        // (HDF5's fill value), as HDF5 itself does for the edge chunk.
        std::vector<std::uint8_t> raw(chunk_elements * element_bytes, 0);
        const std::size_t first = c * chunk_elements;
        const std::size_t n = std::min(chunk_elements, count - first);
        std::memcpy(raw.data(), bytes + first * element_bytes, n * element_bytes);
        const std::vector<std::uint8_t> shuffled =
            shuffle_bytes(raw.data(), chunk_elements, element_bytes);
        uLongf size = compressBound(static_cast<uLong>(shuffled.size()));
        compressed[c].resize(size);
        status[c] = compress2(compressed[c].data(), &size, shuffled.data(),
                              static_cast<uLong>(shuffled.size()), level);
        compressed[c].resize(size);
    });
    std::vector<hsize_t> offset(dims.size(), 0);
    for (std::size_t c = 0; c < chunks; ++c) {
        if (status[c] != Z_OK) {
            throw IoError(
                fmt::format("cannot write '{}' in '{}': zlib error {} compressing chunk {}", where,
                            file_name.string(), status[c], c));
        }
        offset[0] = static_cast<hsize_t>(c * rows_per_chunk);
        check_hdf5_status(H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, offset.data(),
                                         compressed[c].size(), compressed[c].data()),
                          "write dataset '" + where + "'", file_name);
        std::vector<std::uint8_t>().swap(compressed[c]);
    }
}

}  // namespace cartsim::io
