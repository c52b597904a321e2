// cartsim-toy-demo: runs the engine's reference walker model and prints counts, speed and the
// state hash. Shows the engine working end to end before (and beside) the biology model.

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>

#include "engine/parallelism.hpp"
#include "engine/toy/random_walkers.hpp"
#include "engine/toy/virtual_rank_walkers.hpp"

namespace {

// The same run split over virtual ranks (engine/virtual_ranks.hpp): prints the counts and the
// state hash, which equal those of the single-world run.
void run_on_virtual_ranks(const cartsim::engine::toy::WalkerParams& params, int ranks, int steps) {
    cartsim::engine::toy::VirtualRankWalkers walkers(params, ranks);
    spdlog::info("{} virtual ranks; boxes of tiles:", ranks);
    for (const auto& box : walkers.ranks().front()->domain().boxes()) {
        spdlog::info("  [{}, {}) x [{}, {}) x [{}, {})", box.begin[0], box.end[0], box.begin[1],
                     box.end[1], box.begin[2], box.end[2]);
    }
    const auto start = std::chrono::steady_clock::now();
    for (int s = 0; s < steps; ++s) {
        walkers.step();
        if ((s + 1) % 20 == 0 || s + 1 == steps) {
            const auto c = walkers.counts();
            spdlog::info("step {:>5}: targets {:>8}  hunters {:>7}  bound {:>6}  kills {:>7}",
                         walkers.current_step(), c.targets, c.hunters, c.bound_hunters,
                         c.total_kills);
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto& exchanged = walkers.exchange().counts();
    spdlog::info(
        "{} steps in {:.2f} s; {} agents and {} newborns handed to another rank; "
        "state hash {:016x}",
        steps, seconds, exchanged.handed_over, exchanged.births_handed_over, walkers.state_hash());
}

}  // namespace

int main(int argc, char** argv) {
    using cartsim::engine::toy::RandomWalkerWorld;
    using cartsim::engine::toy::VirtualRankWalkers;
    using cartsim::engine::toy::WalkerParams;

    CLI::App app{"cartsim engine demo: random walkers that bind, kill and divide on a 3-D lattice"};
    WalkerParams params;
    int steps = 200;
    int threads = cartsim::engine::hardware_threads();
    std::int32_t edge = 64;
    int virtual_ranks = 1;
    app.add_option("--steps", steps, "fine steps to run")->check(CLI::PositiveNumber);
    app.add_option("--threads", threads, "worker threads")->check(CLI::PositiveNumber);
    app.add_option("--edge", edge, "lattice edge (sites per axis)")->check(CLI::Range(4, 2000));
    app.add_option("--seed", params.seed, "random seed");
    app.add_option("--virtual-ranks", virtual_ranks,
                   "split the lattice into K boxes run as K model states exchanging site records "
                   "as MPI ranks will (tests the rank protocol on one machine; results are "
                   "identical for any K)")
        ->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    params.nx = params.ny = params.nz = edge;
    const double fill = static_cast<double>(edge) * edge * edge / (64.0 * 64.0 * 64.0);
    params.initial_targets = static_cast<std::uint64_t>(100'000 * fill);
    params.initial_hunters = static_cast<std::uint64_t>(20'000 * fill);

    try {
        cartsim::engine::run_with_threads(threads, [&] {
            if (virtual_ranks > 1) {
                run_on_virtual_ranks(params, virtual_ranks, steps);
                return;
            }
            RandomWalkerWorld world(params);
            spdlog::info("{}", world.lattice().describe());
            spdlog::info("{}", world.grid().describe());
            spdlog::info("threads: {}\n{}", threads, world.scheduler().describe());
            std::uint64_t agent_updates = 0;
            const auto start = std::chrono::steady_clock::now();
            for (int s = 0; s < steps; ++s) {
                const auto before = world.counts();
                agent_updates += before.hunters;
                if (world.current_step() % params.target_period_steps == 0) {
                    agent_updates += before.targets;
                }
                world.step();
                if ((s + 1) % 20 == 0 || s + 1 == steps) {
                    const auto c = world.counts();
                    spdlog::info(
                        "step {:>5}: targets {:>8}  hunters {:>7}  bound {:>6}  kills {:>7}  "
                        "mean trait {:.4f}",
                        world.current_step(), c.targets, c.hunters, c.bound_hunters, c.total_kills,
                        c.mean_trait);
                }
            }
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            spdlog::info("{} steps in {:.2f} s: {:.3g} agent-updates/s; state hash {:016x}", steps,
                         seconds, static_cast<double>(agent_updates) / seconds, world.state_hash());
        });
    } catch (const std::exception& error) {
        spdlog::error("{}", error.what());
        return 1;
    }
    return 0;
}
