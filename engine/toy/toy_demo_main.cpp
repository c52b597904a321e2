// cartsim-toy-demo: runs the engine's reference walker model and prints counts, speed and the
// state hash. Shows the engine working end to end before (and beside) the biology model.

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>

#include "engine/parallelism.hpp"
#include "engine/toy/random_walkers.hpp"

int main(int argc, char** argv) {
    using cartsim::engine::toy::RandomWalkerWorld;
    using cartsim::engine::toy::WalkerParams;

    CLI::App app{"cartsim engine demo: random walkers that bind, kill and divide on a 3-D lattice"};
    WalkerParams params;
    int steps = 200;
    int threads = cartsim::engine::hardware_threads();
    std::int32_t edge = 64;
    app.add_option("--steps", steps, "fine steps to run")->check(CLI::PositiveNumber);
    app.add_option("--threads", threads, "worker threads")->check(CLI::PositiveNumber);
    app.add_option("--edge", edge, "lattice edge (sites per axis)")->check(CLI::Range(4, 2000));
    app.add_option("--seed", params.seed, "random seed");
    CLI11_PARSE(app, argc, argv);
    params.nx = params.ny = params.nz = edge;
    const double fill = static_cast<double>(edge) * edge * edge / (64.0 * 64.0 * 64.0);
    params.initial_targets = static_cast<std::uint64_t>(100'000 * fill);
    params.initial_hunters = static_cast<std::uint64_t>(20'000 * fill);

    try {
        cartsim::engine::run_with_threads(threads, [&] {
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
