#pragma once
// Cubic lattice of sites in 2-D (nz == 1) or 3-D with Moore and von Neumann neighborhoods.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/fast_divide.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// What happens at the faces of the box.
///  reflective: there is no site beyond a face; a walker that tries to step out stays where it
///              is (a mirror at the face maps the step back onto its own site), and the
///              diffusion field sees a zero-flux wall.
///  periodic:   the box wraps around (a torus).
enum class Boundary : std::uint8_t { reflective, periodic };

enum class Neighborhood : std::uint8_t {
    von_neumann,  ///< face neighbours: 4 in 2-D, 6 in 3-D
    moore,        ///< face, edge and corner neighbours: 8 in 2-D, 26 in 3-D
};

struct SiteCoord {
    std::int32_t x = 0;
    std::int32_t y = 0;
    std::int32_t z = 0;
    friend bool operator==(const SiteCoord&, const SiteCoord&) = default;
};

struct Offset {
    std::int8_t dx = 0;
    std::int8_t dy = 0;
    std::int8_t dz = 0;
};

class Lattice {
  public:
    /// Throws std::invalid_argument for a non-positive extent or more than 2^32 - 1 sites.
    Lattice(std::int32_t nx, std::int32_t ny, std::int32_t nz, Boundary boundary);

    std::int32_t nx() const { return nx_; }
    std::int32_t ny() const { return ny_; }
    std::int32_t nz() const { return nz_; }
    Boundary boundary() const { return boundary_; }
    /// 2 when nz == 1, otherwise 3.
    int dimension() const { return nz_ == 1 ? 2 : 3; }
    std::uint64_t site_count() const { return site_count_; }

    bool contains(SiteCoord c) const {
        return c.x >= 0 && c.x < nx_ && c.y >= 0 && c.y < ny_ && c.z >= 0 && c.z < nz_;
    }
    /// Site of an in-box coordinate (no checks).
    SiteIndex site_of(SiteCoord c) const {
        return static_cast<SiteIndex>(c.x) +
               static_cast<SiteIndex>(nx_) *
                   (static_cast<SiteIndex>(c.y) +
                    static_cast<SiteIndex>(ny_) * static_cast<SiteIndex>(c.z));
    }
    SiteCoord coord_of(SiteIndex s) const {
        // Divisions by multiplication (engine/fast_divide.hpp): this runs on every agent step.
        const SiteIndex z = plane_divider_.divide(s);
        const SiteIndex rest = s - z * plane_divider_.divisor();
        const SiteIndex y = row_divider_.divide(rest);
        const SiteIndex x = rest - y * row_divider_.divisor();
        return {static_cast<std::int32_t>(x), static_cast<std::int32_t>(y),
                static_cast<std::int32_t>(z)};
    }
    /// Site of any coordinate, applying the boundary: periodic wraps, reflective gives kNoSite
    /// for coordinates outside the box.
    SiteIndex site_at(SiteCoord c) const {
        if (boundary_ == Boundary::periodic) {
            c.x = wrap(c.x, nx_);
            c.y = wrap(c.y, ny_);
            c.z = wrap(c.z, nz_);
            return site_of(c);
        }
        return contains(c) ? site_of(c) : kNoSite;
    }
    /// Moves `c` by `offset` under the boundary rule: true and `c` updated (wrapped on periodic
    /// axes), or false and `c` unchanged beyond a reflective face. Cheaper than neighbor() in
    /// loops that keep the coordinate (no divisions).
    bool shift(SiteCoord& c, Offset offset) const {
        SiteCoord n{c.x + offset.dx, c.y + offset.dy, c.z + offset.dz};
        if (boundary_ == Boundary::periodic) {
            n.x = n.x < 0 ? n.x + nx_ : (n.x >= nx_ ? n.x - nx_ : n.x);
            n.y = n.y < 0 ? n.y + ny_ : (n.y >= ny_ ? n.y - ny_ : n.y);
            n.z = n.z < 0 ? n.z + nz_ : (n.z >= nz_ ? n.z - nz_ : n.z);
        } else if (!contains(n)) {
            return false;
        }
        c = n;
        return true;
    }
    /// Site at `offset` from coordinate `c`, or kNoSite beyond a reflective face.
    SiteIndex neighbor_of(SiteCoord c, Offset offset) const {
        return shift(c, offset) ? site_of(c) : kNoSite;
    }
    /// Neighbour of `site` at `offset`, or kNoSite beyond a reflective face.
    SiteIndex neighbor(SiteIndex site, Offset offset) const {
        const SiteCoord c = coord_of(site);
        return site_at({c.x + offset.dx, c.y + offset.dy, c.z + offset.dz});
    }
    /// Offsets of a neighbourhood in a fixed order (part of the determinism contract).
    std::span<const Offset> offsets(Neighborhood kind) const;

    /// Writes the existing neighbours of `site` into `out` (in offsets() order) and returns how
    /// many were written; `out` must hold at least 26 entries.
    int neighbors(SiteIndex site, Neighborhood kind, std::span<SiteIndex> out) const {
        return neighbors(coord_of(site), kind, out);
    }
    int neighbors(SiteCoord c, Neighborhood kind, std::span<SiteIndex> out) const;

    std::string describe() const;

  private:
    static std::int32_t wrap(std::int32_t v, std::int32_t n) {
        const std::int32_t r = v % n;
        return r < 0 ? r + n : r;
    }

    std::int32_t nx_;
    std::int32_t ny_;
    std::int32_t nz_;
    Boundary boundary_;
    std::uint64_t site_count_;
    FastDivider row_divider_;    // by nx
    FastDivider plane_divider_;  // by nx * ny
    std::vector<Offset> moore_;
    std::vector<Offset> von_neumann_;
    // The offsets as steps of the site index, for sites away from every face.
    std::vector<std::int64_t> moore_deltas_;
    std::vector<std::int64_t> von_neumann_deltas_;
};

}  // namespace cartsim::engine
