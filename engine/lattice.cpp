#include "engine/lattice.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace cartsim::engine {

Lattice::Lattice(std::int32_t nx, std::int32_t ny, std::int32_t nz, Boundary boundary)
    : nx_(nx), ny_(ny), nz_(nz), boundary_(boundary) {
    if (nx < 1 || ny < 1 || nz < 1) {
        throw std::invalid_argument(
            fmt::format("lattice extents must be >= 1 site, got {} x {} x {}", nx, ny, nz));
    }
    site_count_ = static_cast<std::uint64_t>(nx) * static_cast<std::uint64_t>(ny) *
                  static_cast<std::uint64_t>(nz);
    if (site_count_ >= static_cast<std::uint64_t>(kNoSite)) {
        throw std::invalid_argument(
            fmt::format("lattice of {} x {} x {} = {} sites exceeds the limit of {} sites", nx, ny,
                        nz, site_count_, static_cast<std::uint64_t>(kNoSite) - 1));
    }
    row_divider_ = FastDivider(static_cast<std::uint32_t>(nx));
    plane_divider_ = FastDivider(static_cast<std::uint32_t>(nx) * static_cast<std::uint32_t>(ny));
    const int zr = nz_ == 1 ? 0 : 1;
    // Fixed order: z, then y, then x ascending. Von Neumann keeps the same relative order.
    for (int dz = -zr; dz <= zr; ++dz) {
        for (int dy = -1; dy <= 1; ++dy) {
            for (int dx = -1; dx <= 1; ++dx) {
                const int manhattan = std::abs(dx) + std::abs(dy) + std::abs(dz);
                if (manhattan == 0) continue;
                const Offset o{static_cast<std::int8_t>(dx), static_cast<std::int8_t>(dy),
                               static_cast<std::int8_t>(dz)};
                moore_.push_back(o);
                const std::int64_t delta =
                    dx + static_cast<std::int64_t>(nx) * (dy + static_cast<std::int64_t>(ny) * dz);
                moore_deltas_.push_back(delta);
                if (manhattan == 1) {
                    von_neumann_.push_back(o);
                    von_neumann_deltas_.push_back(delta);
                }
            }
        }
    }
}

std::span<const Offset> Lattice::offsets(Neighborhood kind) const {
    return kind == Neighborhood::moore ? std::span<const Offset>(moore_)
                                       : std::span<const Offset>(von_neumann_);
}

int Lattice::neighbors(SiteCoord c, Neighborhood kind, std::span<SiteIndex> out) const {
    // Away from the faces every neighbour exists and is the site plus a fixed index step: the
    // same sites in the same order as the general loop below, without its per-offset boundary
    // tests (wrapping is a division per axis on periodic lattices).
    if (c.x >= 1 && c.x < nx_ - 1 && c.y >= 1 && c.y < ny_ - 1 &&
        (nz_ == 1 || (c.z >= 1 && c.z < nz_ - 1))) {
        const auto& deltas = kind == Neighborhood::moore ? moore_deltas_ : von_neumann_deltas_;
        const auto site = static_cast<std::int64_t>(site_of(c));
        const int n = static_cast<int>(deltas.size());
        for (int k = 0; k < n; ++k) {
            out[static_cast<std::size_t>(k)] =
                static_cast<SiteIndex>(site + deltas[static_cast<std::size_t>(k)]);
        }
        return n;
    }
    int n = 0;
    for (const Offset& o : offsets(kind)) {
        const SiteIndex s = site_at({c.x + o.dx, c.y + o.dy, c.z + o.dz});
        if (s != kNoSite) out[static_cast<std::size_t>(n++)] = s;
    }
    return n;
}

std::string Lattice::describe() const {
    return fmt::format("{}-D lattice {} x {} x {} ({} sites), {} boundary", dimension(), nx_, ny_,
                       nz_, site_count_,
                       boundary_ == Boundary::periodic ? "periodic" : "reflective");
}

}  // namespace cartsim::engine
