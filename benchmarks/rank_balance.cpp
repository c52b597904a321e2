// How evenly MPI ranks would share a run's work at its checkpoint, without running the ranks:
// for each rank count, the worst colour's busiest rank over the mean (engine/load_balance.hpp)
// with the even cuts a run starts with and with the cuts by work it rebalances to at a
// checkpoint (engine::bisect_tile_grid weighted by agents::work_per_tile, as cli/mpi_ranks.cpp
// does). Issue 18's target: <= 1.2 at the CAR-T peak after one rebalance. Takes the machine's
// memory of one process (the whole model is restored once), not of N ranks.
//
//   rank_balance RUN.h5 [--tile-edge N] [RANKS ...]   (default 2 4 8 16; a JSON object a line;
//   exit 2 for a bad command line, 3 for a file that is not a run file with a checkpoint)
//
// --tile-edge N scores the same state on tiles of N sites (space.tile_edge_sites, widened as the
// model would): the colours of a sweep are even per box only where an axis has an even number of
// tiles, so the tile edge bounds the balance (bench_3d: 200 sites / 8 = 25 tiles an axis).

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "agents/marrow/work_per_tile.hpp"
#include "agents/marrow_model.hpp"
#include "engine/domain.hpp"
#include "io/hdf5_handle.hpp"
#include "io/model_checkpoint.hpp"
#include "io/run_file_reader.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_loader.hpp"

int main(int argc, char** argv) {
    using namespace cartsim;
    CLI::App app{"the ranks' load balance on a run file's checkpoint: even cuts vs cuts by work"};
    std::string file;
    int tile_edge = 0;
    std::vector<int> rank_counts{2, 4, 8, 16};
    app.add_option("run_file", file, "a cartsim run file with /checkpoint")
        ->required()
        ->check(CLI::ExistingFile);
    app.add_option("ranks", rank_counts, "rank counts to score (default 2 4 8 16)")
        ->check(CLI::Range(1, 1 << 20));
    app.add_option("--tile-edge", tile_edge,
                   "score the state on tiles of this many sites (default: the scenario's)")
        ->check(CLI::Range(1, 1 << 20));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);  // prints the help, or the error naming the option
        return code == 0 ? 0 : 2;          // as cartsim: 2 for a bad command line
    }
    try {
        const io::RunFileReader reader(file);
        const scenarios::ParameterTable& table = scenarios::model_parameter_table();
        const agents::Parameters parameters =
            scenarios::to_model_parameters(scenarios::load_scenario_text(
                reader.scenario_toml(), file + ":/config/scenario_toml", table));
        io::CheckpointContents checkpoint = io::read_checkpoint(file);
        agents::MarrowModel model(parameters);
        model.restore_state(std::move(checkpoint.state));
        const engine::TileGrid& model_grid = model.domain().grid();
        const engine::TileGrid grid =
            tile_edge > 0 ? engine::TileGrid(model_grid.lattice(), model_grid.reach(), tile_edge)
                          : model_grid;
        const std::vector<std::uint64_t> work = agents::work_per_tile(model, grid);
        std::uint64_t total_work = 0;
        for (const std::uint64_t w : work) total_work += w;
        for (const int ranks : rank_counts) {
            try {
                const auto even = engine::bisect_tile_grid(grid, ranks);
                const auto by_work = engine::bisect_tile_grid(grid, ranks, work);
                std::printf(
                    "%s\n",
                    fmt::format("{{\"file\": \"{}\", \"day\": {:g}, \"work\": {}, \"car_t\": {}, "
                                "\"tiles\": {}, \"tile_edge\": {}, \"ranks\": {}, "
                                "\"even_cuts_max_over_mean\": "
                                "{:.4f}, "
                                "\"rebalanced_max_over_mean\": {:.4f}}}",
                                file, model.time_days(), total_work, model.car_t().live_count(),
                                grid.tile_count(), grid.tile_edge()[0], ranks,
                                engine::worst_color_work_over_mean(grid, even, work),
                                engine::worst_color_work_over_mean(grid, by_work, work))
                        .c_str());
            } catch (const std::invalid_argument& error) {
                std::fprintf(stderr, "rank_balance: %d ranks: %s\n", ranks, error.what());
            }
        }
        return 0;
    } catch (const io::IoError& error) {  // missing, corrupt or not a run file with a checkpoint
        std::fprintf(stderr, "rank_balance: error: %s\n", error.what());
        return 3;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "rank_balance: error: %s\n", error.what());
        return 1;
    }
}
