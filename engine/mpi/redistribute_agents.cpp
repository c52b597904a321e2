#include "engine/mpi/redistribute_agents.hpp"

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace cartsim::engine {
namespace {

// Rows of one population bound for each rank, and how many each rank sends here.
struct RowRoutes {
    std::vector<std::vector<std::size_t>> rows_to;  // per destination rank: row indices
    std::vector<int> send_counts;
    std::vector<int> send_offsets;
    std::vector<int> receive_counts;
    std::vector<int> receive_offsets;
    std::size_t received = 0;
};

int as_count(std::size_t n, const std::string& population) {
    if (n > static_cast<std::size_t>(INT_MAX)) {
        throw std::invalid_argument("redistribute_agents: population '" + population +
                                    "' would move " + std::to_string(n) +
                                    " rows in one message, more than an MPI count holds; run on "
                                    "more ranks");
    }
    return static_cast<int>(n);
}

// For each tile, the ranks that hold some of its sites (its owner and the ranks it is a ghost
// of): a row's site is looked up on those few ranks only.
std::vector<std::vector<std::size_t>> holders_by_tile(std::span<const Domain* const> domains) {
    const TileGrid& grid = domains.front()->grid();
    std::vector<std::vector<std::size_t>> holders(grid.tile_count());
    for (std::size_t r = 0; r < domains.size(); ++r) {
        for (TileIndex tile = 0; tile < grid.tile_count(); ++tile) {
            if (domains[r]->holds(tile)) holders[tile].push_back(r);
        }
    }
    return holders;
}

RowRoutes route_rows(const SavedPopulation& population, std::span<const Domain* const> domains,
                     const std::vector<std::vector<std::size_t>>& holders, MPI_Comm communicator) {
    const std::size_t ranks = domains.size();
    const TileGrid& grid = domains.front()->grid();
    RowRoutes routes;
    routes.rows_to.resize(ranks);
    const std::uint64_t site_count = grid.lattice().site_count();
    for (std::size_t row = 0; row < population.sites.size(); ++row) {
        const SiteIndex site = population.sites[row];
        if (site >= site_count) {
            throw std::invalid_argument("redistribute_agents: population '" + population.name +
                                        "' has site " + std::to_string(site) + " of a lattice of " +
                                        std::to_string(site_count) + " sites");
        }
        for (const std::size_t r : holders[grid.tile_of(site)]) {
            if (domains[r]->holds_site(site)) routes.rows_to[r].push_back(row);
        }
    }
    routes.send_counts.resize(ranks);
    routes.send_offsets.resize(ranks);
    std::size_t sent = 0;
    for (std::size_t r = 0; r < ranks; ++r) {
        routes.send_offsets[r] = as_count(sent, population.name);
        routes.send_counts[r] = as_count(routes.rows_to[r].size(), population.name);
        sent += routes.rows_to[r].size();
    }
    as_count(sent, population.name);
    routes.receive_counts.resize(ranks);
    MPI_Alltoall(routes.send_counts.data(), 1, MPI_INT, routes.receive_counts.data(), 1, MPI_INT,
                 communicator);
    routes.receive_offsets.resize(ranks);
    for (std::size_t r = 0; r < ranks; ++r) {
        routes.receive_offsets[r] = as_count(routes.received, population.name);
        routes.received += static_cast<std::size_t>(routes.receive_counts[r]);
    }
    as_count(routes.received, population.name);
    return routes;
}

// One array's rows sent along `routes`; returns what this rank receives, in sender order.
template <class T>
std::vector<T> exchange_rows(const std::vector<T>& values, const RowRoutes& routes,
                             MPI_Comm communicator) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::vector<T> outgoing;
    outgoing.reserve(
        static_cast<std::size_t>(routes.send_offsets.back() + routes.send_counts.back()));
    for (const std::vector<std::size_t>& rows : routes.rows_to) {
        for (const std::size_t row : rows) outgoing.push_back(values[row]);
    }
    std::vector<T> incoming(routes.received);
    // One element of T as one MPI item, so counts are rows, as routes counts them.
    MPI_Datatype row_type = MPI_DATATYPE_NULL;
    MPI_Type_contiguous(static_cast<int>(sizeof(T)), MPI_BYTE, &row_type);
    MPI_Type_commit(&row_type);
    MPI_Alltoallv(outgoing.data(), routes.send_counts.data(), routes.send_offsets.data(), row_type,
                  incoming.data(), routes.receive_counts.data(), routes.receive_offsets.data(),
                  row_type, communicator);
    MPI_Type_free(&row_type);
    return incoming;
}

template <class T>
void permute(std::vector<T>& values, const std::vector<std::size_t>& order) {
    std::vector<T> sorted(values.size());
    for (std::size_t k = 0; k < order.size(); ++k) sorted[k] = values[order[k]];
    values = std::move(sorted);
}

}  // namespace

void redistribute_agents(SavedState& state, std::span<const Domain* const> domains,
                         MPI_Comm communicator) {
    int rank_count = 0;
    MPI_Comm_size(communicator, &rank_count);
    if (domains.size() != static_cast<std::size_t>(rank_count)) {
        throw std::invalid_argument("redistribute_agents: " + std::to_string(domains.size()) +
                                    " domains for " + std::to_string(rank_count) + " ranks");
    }
    const std::vector<std::vector<std::size_t>> holders = holders_by_tile(domains);
    for (SavedPopulation& population : state.populations) {
        const RowRoutes routes = route_rows(population, domains, holders, communicator);
        population.ids = exchange_rows(population.ids, routes, communicator);
        population.sites = exchange_rows(population.sites, routes, communicator);
        for (auto& column : population.columns) {
            std::visit([&](auto& values) { values = exchange_rows(values, routes, communicator); },
                       column.second);
        }
        // Each sender's rows come in id order; senders' id ranges interleave when the rows were
        // each rank's own agents (a recut) rather than slices of one id-ordered list (a read).
        if (std::is_sorted(population.ids.begin(), population.ids.end())) continue;
        std::vector<std::size_t> order(population.ids.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return population.ids[a] < population.ids[b];
        });
        permute(population.ids, order);
        permute(population.sites, order);
        for (auto& column : population.columns) {
            std::visit([&](auto& values) { permute(values, order); }, column.second);
        }
    }
}

}  // namespace cartsim::engine
