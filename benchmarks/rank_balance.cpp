// How evenly MPI ranks would share a run's work at its checkpoint, without running the ranks:
// for each rank count, the worst colour's busiest rank over the mean (engine/load_balance.hpp)
// with the even cuts a run starts with and with the cuts by work it rebalances to at a
// checkpoint (engine::bisect_tile_grid weighted by agents::agents_per_tile, as cli/mpi_ranks.cpp
// does). Issue 18's target: <= 1.2 at the CAR-T peak after one rebalance. Takes the machine's
// memory of one process (the whole model is restored once), not of N ranks.
//
//   rank_balance RUN.h5 [RANKS ...]      (default 2 4 8 16; one JSON object per line)

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "agents/marrow/agents_per_tile.hpp"
#include "agents/marrow_model.hpp"
#include "engine/domain.hpp"
#include "io/model_checkpoint.hpp"
#include "io/run_file_reader.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_loader.hpp"

int main(int argc, char** argv) {
    using namespace cartsim;
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s RUN.h5 [RANKS ...]\n", argv[0]);
        return 2;
    }
    try {
        const std::string file = argv[1];
        std::vector<int> rank_counts;
        for (int k = 2; k < argc; ++k) rank_counts.push_back(std::stoi(argv[k]));
        if (rank_counts.empty()) rank_counts = {2, 4, 8, 16};

        const io::RunFileReader reader(file);
        const scenarios::ParameterTable& table = scenarios::model_parameter_table();
        const agents::Parameters parameters =
            scenarios::to_model_parameters(scenarios::load_scenario_text(
                reader.scenario_toml(), file + ":/config/scenario_toml", table));
        io::CheckpointContents checkpoint = io::read_checkpoint(file);
        agents::MarrowModel model(parameters);
        model.restore_state(std::move(checkpoint.state));
        const engine::TileGrid& grid = model.domain().grid();
        const std::vector<std::uint64_t> work = agents::agents_per_tile(model);
        std::uint64_t agents = 0;
        for (const std::uint64_t w : work) agents += w;
        for (const int ranks : rank_counts) {
            try {
                const auto even = engine::bisect_tile_grid(grid, ranks);
                const auto by_work = engine::bisect_tile_grid(grid, ranks, work);
                std::printf(
                    "%s\n",
                    fmt::format(
                        "{{\"file\": \"{}\", \"day\": {:g}, \"agents\": {}, \"car_t\": {}, "
                        "\"tiles\": {}, \"ranks\": {}, \"even_cuts_max_over_mean\": {:.4f}, "
                        "\"rebalanced_max_over_mean\": {:.4f}}}",
                        file, model.time_days(), agents, model.car_t().live_count(),
                        grid.tile_count(), ranks,
                        engine::worst_color_work_over_mean(grid, even, work),
                        engine::worst_color_work_over_mean(grid, by_work, work))
                        .c_str());
            } catch (const std::invalid_argument& error) {
                std::fprintf(stderr, "rank_balance: %d ranks: %s\n", ranks, error.what());
            }
        }
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "rank_balance: error: %s\n", error.what());
        return 1;
    }
}
