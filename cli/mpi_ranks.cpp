#include "cli/mpi_ranks.hpp"

#include <stdexcept>

#ifdef CARTSIM_WITH_MPI

#include <fmt/format.h>
#include <mpi.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "agents/marrow/work_per_tile.hpp"
#include "cli/interrupt.hpp"
#include "cli/run_simulation.hpp"
#include "engine/load_balance.hpp"
#include "engine/mpi/mpi_exchange.hpp"
#include "engine/mpi/redistribute_agents.hpp"
#include "engine/mpi/state_hash_mpi.hpp"
#include "engine/parallelism.hpp"
#include "engine/saved_state_across_ranks.hpp"
#include "engine/saved_state_bytes.hpp"
#include "io/collective_file.hpp"
#include "io/model_checkpoint.hpp"
#include "io/model_snapshot.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::cli::mpi_ranks {

namespace {

enum class Command : std::int64_t {
    build = 1,
    step,
    gather,
    count,
    restore,
    stop,
    balance,
    rebalance,
    observe,
    snapshot,
    checkpoint,
    work,
    read_checkpoint,
    hash
};

// Command::count's argument: which population to count.
constexpr std::int64_t kCarT = 0;
constexpr std::int64_t kTissue = 1;

// A rebalance must even the worst colour's load by at least this factor to be worth a rebuild.
constexpr double kRebalanceGain = 0.97;

bool g_initialized = false;
bool g_followers_released = false;

// Messages of any size, in pieces MPI's int counts can hold.
constexpr std::size_t kPieceBytes = std::size_t{1} << 30;

void broadcast_command(Command command, std::int64_t argument) {
    std::array<std::int64_t, 2> message{static_cast<std::int64_t>(command), argument};
    MPI_Bcast(message.data(), 2, MPI_INT64_T, 0, MPI_COMM_WORLD);
}

std::pair<Command, std::int64_t> receive_command() {
    std::array<std::int64_t, 2> message{};
    MPI_Bcast(message.data(), 2, MPI_INT64_T, 0, MPI_COMM_WORLD);
    return {static_cast<Command>(message[0]), message[1]};
}

// Rank 0's bytes on every rank (`bytes` sized by the caller to the length rank 0 announced).
void broadcast_bytes(std::span<std::byte> bytes) {
    for (std::size_t at = 0; at < bytes.size(); at += kPieceBytes) {
        const std::size_t n = std::min(kPieceBytes, bytes.size() - at);
        MPI_Bcast(bytes.data() + at, static_cast<int>(n), MPI_BYTE, 0, MPI_COMM_WORLD);
    }
}

void send_bytes(std::span<const std::byte> bytes) {
    const auto size = static_cast<std::uint64_t>(bytes.size());
    MPI_Send(&size, 1, MPI_UINT64_T, 0, 0, MPI_COMM_WORLD);
    for (std::size_t at = 0; at < bytes.size(); at += kPieceBytes) {
        const std::size_t n = std::min(kPieceBytes, bytes.size() - at);
        MPI_Send(bytes.data() + at, static_cast<int>(n), MPI_BYTE, 0, 1, MPI_COMM_WORLD);
    }
}

std::vector<std::byte> receive_bytes(int from) {
    std::uint64_t size = 0;
    MPI_Recv(&size, 1, MPI_UINT64_T, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    std::vector<std::byte> bytes(static_cast<std::size_t>(size));
    for (std::size_t at = 0; at < bytes.size(); at += kPieceBytes) {
        const std::size_t n = std::min(kPieceBytes, bytes.size() - at);
        MPI_Recv(bytes.data() + at, static_cast<int>(n), MPI_BYTE, from, 1, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    }
    return bytes;
}

// What failed on one or more ranks in a step every rank takes (0: nothing), agreed by every rank:
// the failure and message of the lowest rank that failed.
struct RankFailure {
    std::int64_t kind = 0;
    std::string message;
};

RankFailure agree_on_failure(RankFailure mine) {
    int my_rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
    const int candidate = mine.kind != 0 ? my_rank : INT_MAX;
    int first = INT_MAX;
    MPI_Allreduce(&candidate, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == INT_MAX) return {};
    std::array<std::int64_t, 2> header{mine.kind, static_cast<std::int64_t>(mine.message.size())};
    MPI_Bcast(header.data(), 2, MPI_INT64_T, first, MPI_COMM_WORLD);
    mine.message.resize(static_cast<std::size_t>(header[1]));
    MPI_Bcast(mine.message.data(), static_cast<int>(header[1]), MPI_CHAR, first, MPI_COMM_WORLD);
    mine.kind = header[0];
    return mine;
}

// RankFailure kinds of a checkpoint read by every rank.
constexpr std::int64_t kReadFailed = 1;      // io::IoError: the file
constexpr std::int64_t kRestoreRefused = 2;  // std::invalid_argument: the model refused it

agents::Parameters parameters_of(const std::string& resolved_toml) {
    const scenarios::ParameterTable& table = scenarios::model_parameter_table();
    return scenarios::to_model_parameters(
        scenarios::load_scenario_text(resolved_toml, "(the scenario rank 0 sent)", table));
}

// Only the agents on sites of `domain`'s own tiles (a rank part's saved state also holds the
// ghosts around its box).
void keep_owned_agents(engine::SavedPopulation& population, const engine::Domain& domain) {
    std::vector<std::size_t> kept;
    kept.reserve(population.ids.size());
    for (std::size_t k = 0; k < population.ids.size(); ++k) {
        if (domain.owns_site(population.sites[k])) kept.push_back(k);
    }
    const auto keep = [&](auto& values) {
        for (std::size_t k = 0; k < kept.size(); ++k) values[k] = values[kept[k]];
        values.resize(kept.size());
    };
    keep(population.ids);
    keep(population.sites);
    for (auto& column : population.columns) {
        std::visit(keep, column.second);
    }
}

// A checkpoint's agents all on the lattice of `site_count` sites (else an IoError naming the
// file and dataset): checked before they are sent to the ranks that hold their sites.
void check_sites_on_lattice(const engine::SavedState& state, std::uint64_t site_count,
                            const std::filesystem::path& file) {
    for (const engine::SavedPopulation& population : state.populations) {
        for (const engine::SiteIndex site : population.sites) {
            if (site < site_count) continue;
            throw io::IoError(fmt::format(
                "'{}': /checkpoint/{}/sites: site {} is not on this scenario's lattice of {} sites",
                file.string(), population.name, site, site_count));
        }
    }
}

// One rank's part of the run: its model state on its box, connected to the others.
struct RankPart {
    engine::MpiExchange exchange{MPI_COMM_WORLD};
    agents::MarrowModel model;

    // `boxes`: every rank's box; empty for the even cuts.
    explicit RankPart(const agents::Parameters& parameters,
                      std::span<const engine::TileBox> boxes = {})
        : model(parameters, agents::ModelExtensions{},
                engine::RankPlacement{exchange.rank_count(), exchange.rank(), &exchange, boxes}) {}

    // Live agents of one population (kCarT or kTissue) on this rank's owned tiles: counted
    // apart, since the CAR-T count is wanted every fine step and the tissue's (millions of
    // slots) only every tissue period.
    std::uint64_t owned_count(std::int64_t population_index) const {
        const auto count = [&](const auto& population) {
            std::uint64_t n = 0;
            for (engine::AgentSlot slot = 0; slot < population.slot_count(); ++slot) {
                if (population.alive(slot) && model.domain().owns_site(population.site(slot))) ++n;
            }
            return n;
        };
        return population_index == kCarT ? count(model.car_t()) : count(model.tissue());
    }

    // Work on this rank's owned tiles (tissue cells, and CAR-T cells weighed by what a CAR-T
    // cell costs), by the tile's colour: each colour's share of the sweeps' work on this rank.
    std::vector<std::uint64_t> owned_by_color() const {
        const engine::TileGrid& grid = model.domain().grid();
        const std::vector<std::uint64_t> work = agents::work_per_tile(model);
        std::vector<std::uint64_t> by_color(static_cast<std::size_t>(grid.color_count()), 0);
        for (const engine::TileIndex tile : model.domain().owned_tiles()) {
            by_color[static_cast<std::size_t>(grid.color_of(tile))] += work[tile];
        }
        return by_color;
    }

    // The window's tallies summed over every rank: integers reduced to rank 0, the exact sum
    // through the exchange (every rank gets it). Exact, so rank 0's total is the whole window's.
    agents::WindowTallies window_tallies_on_rank0() {
        agents::WindowTallies mine = model.owned_window_tallies();
        const std::array<std::uint64_t, agents::WindowTallies::kIntegers> integers =
            mine.integers();
        std::array<std::uint64_t, agents::WindowTallies::kIntegers> total{};
        MPI_Reduce(integers.data(), total.data(), static_cast<int>(integers.size()), MPI_UINT64_T,
                   MPI_SUM, 0, MPI_COMM_WORLD);
        model.domain().sum_across_ranks(mine.blast_cd19_molecules);
        mine.set_integers(total);
        return mine;
    }

    // Snapshot `ordinal` written by every rank into `file` at once (parallel HDF5): each rank
    // its own agents, put in id order across the ranks first, and rank 0 the fields and
    // attributes, which every rank holds alike. Returns the snapshot's raw bytes on rank 0.
    double write_snapshot(const std::filesystem::path& file, std::size_t ordinal,
                          const io::ArrayStorage& storage) {
        std::vector<io::ArrayGroup> groups =
            io::snapshot_groups(model, ordinal, io::AgentsShown::owned_sites);
        groups.push_back(io::snapshot_index_group(model, ordinal + 1));
        const bool writes_whole = exchange.rank() == 0;
        double raw_bytes = 0.0;
        io::Hdf5Handle handle = io::open_file_collectively(file, MPI_COMM_WORLD);
        for (io::ArrayGroup& group : groups) {
            std::optional<io::RowShare> share;
            if (io::holds_agent_rows(group)) {
                share = io::sort_rows_across_ranks(group, "id", MPI_COMM_WORLD);
                for (io::NamedAttribute& attribute : group.attributes) {
                    if (attribute.name == "count") attribute.value = share->total_rows;
                }
            }
            io::write_array_group_collectively(handle.get(), group, storage, share, writes_whole,
                                               file);
            if (!share && !writes_whole) continue;
            for (const io::NamedArray& array : group.arrays) {
                raw_bytes += static_cast<double>(std::visit(
                    [](const auto& v) { return v.size() * sizeof(v[0]); }, array.values));
            }
        }
        if (handle.close() < 0) {
            throw io::IoError("cannot close '" + file.string() + "' after writing a snapshot");
        }
        double total = 0.0;
        MPI_Reduce(&raw_bytes, &total, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        return total;
    }

    // The /checkpoint groups written by every rank into `file` at once, as write_snapshot
    // does: each rank its own agents of every population (in id order across the ranks), the
    // per-tile id counters from each tile's owner, and rank 0 the rest, which every rank holds
    // alike (engine::gather_saved_states merges the same way).
    void write_checkpoint(const std::filesystem::path& file,
                          const io::CheckpointProgress& progress) {
        const engine::SavedState state = owned_state();
        const std::vector<io::ArrayGroup> groups = io::checkpoint_groups(state, progress);
        const bool writes_whole = exchange.rank() == 0;
        const io::ArrayStorage contiguous{};  // checkpoints are written uncompressed
        io::Hdf5Handle handle = io::open_file_collectively(file, MPI_COMM_WORLD);
        for (const io::ArrayGroup& group : groups) {
            const bool population =
                std::any_of(group.arrays.begin(), group.arrays.end(),
                            [](const io::NamedArray& a) { return a.name == io::kCheckpointIds; });
            if (!population) {
                io::write_array_group_collectively(handle.get(), group, contiguous, std::nullopt,
                                                   writes_whole, file);
                continue;
            }
            // The agents' rows split among the ranks; the per-tile counters, whole.
            io::ArrayGroup rows{group.path, group.attributes, {}};
            io::ArrayGroup tiles{group.path, {}, {}};
            for (const io::NamedArray& array : group.arrays) {
                (array.name == io::kCheckpointIdsIssuedByTile ? tiles : rows)
                    .arrays.push_back(array);
            }
            const io::RowShare share =
                io::sort_rows_across_ranks(rows, io::kCheckpointIds, MPI_COMM_WORLD);
            io::write_array_group_collectively(handle.get(), rows, contiguous, share, writes_whole,
                                               file);
            io::write_array_group_collectively(handle.get(), tiles, contiguous, std::nullopt,
                                               writes_whole, file);
        }
        if (handle.close() < 0) {
            throw io::IoError("cannot close '" + file.string() + "' after writing a checkpoint");
        }
    }

    // This rank's own agents (those on the tiles it owns) with every tile's id counter from
    // the tile's owner, and the rest of the state, which every rank holds alike: the ranks'
    // owned states together are the whole state, each agent in one of them. Collective.
    engine::SavedState owned_state() const {
        engine::SavedState state = model.save_state();
        const engine::Domain& domain = model.domain();
        for (engine::SavedPopulation& population : state.populations) {
            keep_owned_agents(population, domain);
            for (engine::TileIndex t = 0; t < population.ids_issued_by_tile.size(); ++t) {
                if (!domain.owns(t)) population.ids_issued_by_tile[t] = 0;
            }
            MPI_Allreduce(MPI_IN_PLACE, population.ids_issued_by_tile.data(),
                          static_cast<int>(population.ids_issued_by_tile.size()), MPI_UINT64_T,
                          MPI_SUM, MPI_COMM_WORLD);
        }
        return state;
    }

    // The checkpoint of `file` as this part's state: every rank reads its share of the agents
    // (io::CheckpointShare), sends each to the ranks that hold its site, and restores what it
    // receives; the rest of the state every rank reads whole. Collective; what failed, agreed
    // by every rank (each rank's state is then unspecified and the run must stop).
    RankFailure restore_checkpoint(const std::filesystem::path& file) {
        engine::SavedState state;
        RankFailure failure;
        try {
            const auto share =
                io::CheckpointShare{static_cast<std::uint64_t>(exchange.rank()),
                                    static_cast<std::uint64_t>(exchange.rank_count())};
            state = io::read_checkpoint(file, share).state;
            check_sites_on_lattice(state, model.lattice().site_count(), file);
        } catch (const io::IoError& error) {
            failure = {kReadFailed, error.what()};
        }
        if (failure = agree_on_failure(std::move(failure)); failure.kind != 0) return failure;
        engine::redistribute_agents(state, exchange.domains(), MPI_COMM_WORLD);
        try {
            model.restore_state(std::move(state));
        } catch (const std::invalid_argument& error) {
            failure = {kRestoreRefused, error.what()};
        }
        return agree_on_failure(std::move(failure));
    }

    // Work on each tile this rank owns (0 on the others), as agents::work_per_tile counts it.
    std::vector<std::uint64_t> owned_work_per_tile() const {
        std::vector<std::uint64_t> work = agents::work_per_tile(model);
        for (engine::TileIndex t = 0; t < work.size(); ++t) {
            if (!model.domain().owns(t)) work[t] = 0;
        }
        return work;
    }

    // Every rank's colours reduced to rank 0: sums and single-rank maxima.
    void reduce_by_color(std::vector<std::uint64_t>* sum, std::vector<std::uint64_t>* max) const {
        const std::vector<std::uint64_t> mine = owned_by_color();
        const int n = static_cast<int>(mine.size());
        MPI_Reduce(mine.data(), sum != nullptr ? sum->data() : nullptr, n, MPI_UINT64_T, MPI_SUM, 0,
                   MPI_COMM_WORLD);
        MPI_Reduce(mine.data(), max != nullptr ? max->data() : nullptr, n, MPI_UINT64_T, MPI_MAX, 0,
                   MPI_COMM_WORLD);
    }
};

// Every rank's box, sent from rank 0 (`boxes` holds rank_count() of them on rank 0).
std::vector<engine::TileBox> broadcast_boxes(std::vector<engine::TileBox> boxes) {
    std::vector<std::int32_t> flat(static_cast<std::size_t>(rank_count()) * 6, 0);
    for (std::size_t b = 0; b < boxes.size(); ++b) {
        for (std::size_t a = 0; a < 3; ++a) {
            flat[b * 6 + a] = boxes[b].begin[a];
            flat[b * 6 + 3 + a] = boxes[b].end[a];
        }
    }
    MPI_Bcast(flat.data(), static_cast<int>(flat.size()), MPI_INT32_T, 0, MPI_COMM_WORLD);
    boxes.assign(static_cast<std::size_t>(rank_count()), engine::TileBox{});
    for (std::size_t b = 0; b < boxes.size(); ++b) {
        for (std::size_t a = 0; a < 3; ++a) {
            boxes[b].begin[a] = flat[b * 6 + a];
            boxes[b].end[a] = flat[b * 6 + 3 + a];
        }
    }
    return boxes;
}

// The rank's part rebuilt on new boxes with the same state: each rank's own agents go to the
// ranks that hold their sites on the new boxes, so no rank gathers the whole state. Collective.
std::unique_ptr<RankPart> recut(std::unique_ptr<RankPart> part,
                                const agents::Parameters& parameters,
                                std::span<const engine::TileBox> boxes) {
    engine::SavedState state = part->owned_state();
    const std::vector<double> phase_seconds = part->model.scheduler().phase_seconds();
    part.reset();
    auto recut_part = std::make_unique<RankPart>(parameters, boxes);
    engine::redistribute_agents(state, recut_part->exchange.domains(), MPI_COMM_WORLD);
    recut_part->model.restore_state(std::move(state));
    recut_part->model.scheduler().add_phase_seconds(phase_seconds);
    return recut_part;
}

// The file of a snapshot or checkpoint and its storage, sent from rank 0 (`file` and
// `storage` set on rank 0 only).
void broadcast_output_request(std::filesystem::path& file, io::ArrayStorage& storage) {
    std::string path = file.string();
    std::array<std::int64_t, 3> numbers{static_cast<std::int64_t>(path.size()),
                                        static_cast<std::int64_t>(storage.chunk_elements),
                                        storage.deflate_level};
    MPI_Bcast(numbers.data(), 3, MPI_INT64_T, 0, MPI_COMM_WORLD);
    path.resize(static_cast<std::size_t>(numbers[0]));
    broadcast_bytes(std::as_writable_bytes(std::span<char>(path)));
    file = path;
    storage.chunk_elements = static_cast<std::size_t>(numbers[1]);
    storage.deflate_level = static_cast<int>(numbers[2]);
}

// Where a checkpoint's outputs stood, sent from rank 0.
void broadcast_progress(io::CheckpointProgress& progress) {
    std::array<double, 3> numbers{progress.time_days, static_cast<double>(progress.timeseries_rows),
                                  static_cast<double>(progress.snapshot_count)};
    MPI_Bcast(numbers.data(), 3, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    progress.time_days = numbers[0];
    progress.timeseries_rows = static_cast<std::size_t>(numbers[1]);
    progress.snapshot_count = static_cast<std::size_t>(numbers[2]);
}

// A failure on one rank while the others may be inside a collective: nothing can unwind them
// in step, so the whole job ends here, with this rank's message (the .partial output is left
// looking unfinished, the last published checkpoint stays resumable).
[[noreturn]] void abort_job(const char* what) {
    spdlog::error("MPI rank {} of {}: {}; ending every rank", rank(), rank_count(), what);
    MPI_Abort(MPI_COMM_WORLD, kExitFailure);
    std::abort();
}

class LeaderModel final : public RunModel {
  public:
    LeaderModel(const agents::Parameters& parameters, int threads, const std::string& resolved_toml)
        : parameters_(parameters) {
        std::string text = resolved_toml;
        broadcast_command(Command::build, threads);
        std::int64_t length = static_cast<std::int64_t>(text.size());
        MPI_Bcast(&length, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
        broadcast_bytes(std::as_writable_bytes(std::span<char>(text)));
        part_ = std::make_unique<RankPart>(parameters);
    }

    ~LeaderModel() override {
        // --verbose: where rank 0's time went (benchmarks/mpi_scaling.sh reads these lines).
        spdlog::debug("MPI rank 0 sent {} bytes to the other ranks' ghosts ({} ranks)",
                      earlier_bytes_sent_ + part_->exchange.bytes_sent(), rank_count());
        spdlog::debug(
            "MPI rank 0 time: stepping {:.3f} s, of it {:.3f} s at sync points and {:.3f} s of "
            "that waiting for the other ranks; gathering the whole state for outputs {:.3f} s; "
            "writing snapshots from every rank {:.3f} s, checkpoints {:.3f} s; reading the "
            "checkpoint resumed from {:.3f} s; rebalancing {:.3f} s ({} times)",
            step_seconds_, earlier_sync_seconds_ + part_->exchange.sync_seconds(),
            earlier_wait_seconds_ + part_->exchange.wait_seconds(), gather_seconds_,
            snapshot_seconds_, checkpoint_seconds_, read_checkpoint_seconds_, rebalance_seconds_,
            rebalances_);
    }
    LeaderModel(const LeaderModel&) = delete;
    LeaderModel& operator=(const LeaderModel&) = delete;

    void step() override {
        try {
            const auto start = std::chrono::steady_clock::now();
            broadcast_command(Command::step, 0);
            part_->model.step();
            step_seconds_ += seconds_since(start);
        } catch (const std::exception& error) {
            abort_job(error.what());
        }
    }
    engine::Step current_step() const override { return part_->model.current_step(); }
    double time_days() const override { return part_->model.time_days(); }
    const engine::Scheduler* stepping_scheduler() const override {
        return &part_->model.scheduler();
    }

    void restore_state(engine::SavedState state) override {
        std::vector<std::byte> bytes = engine::encode_saved_state(state);
        broadcast_command(Command::restore, static_cast<std::int64_t>(bytes.size()));
        broadcast_bytes(bytes);
        // Every rank restores the same state, so every rank refuses it alike (the followers
        // end the job; rank 0 reports why).
        part_->model.restore_state(std::move(state));
        merged_at_step_ = ~engine::Step{0};
        // A checkpoint resumed on other ranks, or one whose work has drifted: cut the boxes by
        // its work before stepping on.
        if (const std::string note = rebalance(); !note.empty()) spdlog::info("{}", note);
    }

    void restore_checkpoint(const std::filesystem::path& file) override {
        RankFailure failure;
        const auto start = std::chrono::steady_clock::now();
        try {
            broadcast_command(Command::read_checkpoint, 0);
            std::filesystem::path sent = file;
            io::ArrayStorage unused;
            broadcast_output_request(sent, unused);
            failure = part_->restore_checkpoint(sent);
        } catch (const std::exception& error) {
            abort_job(error.what());
        }
        // Every rank knows; the followers wait for the next command (rank 0 stops them).
        if (failure.kind == kReadFailed) throw io::IoError(failure.message);
        if (failure.kind == kRestoreRefused) throw std::invalid_argument(failure.message);
        read_checkpoint_seconds_ += seconds_since(start);
        merged_at_step_ = ~engine::Step{0};
        if (const std::string note = rebalance(); !note.empty()) spdlog::info("{}", note);
    }

    const agents::MarrowModel& layout_model() override { return part_->model; }

    std::uint64_t state_hash() override {
        try {
            broadcast_command(Command::hash, 0);
            return engine::state_hash_across_mpi_ranks(part_->model, MPI_COMM_WORLD);
        } catch (const std::exception& error) {
            abort_job(error.what());
        }
    }

    // Nothing in `run` or `resume` asks for it (outputs, readouts and the state hash are made
    // by the ranks together), so rank 0 holds no whole model unless a caller does.
    agents::MarrowModel& whole() override {
        if (merged_at_step_ == part_->model.current_step()) return *whole_;
        const auto start = std::chrono::steady_clock::now();
        if (!whole_) whole_ = std::make_unique<agents::MarrowModel>(parameters_);
        broadcast_command(Command::gather, 0);
        std::vector<engine::SavedState> parts;
        parts.push_back(part_->model.save_state());
        for (int r = 1; r < rank_count(); ++r) {
            parts.push_back(engine::decode_saved_state(receive_bytes(r)));
        }
        whole_->restore_state(engine::gather_saved_states(parts, part_->exchange.domains()));
        merged_at_step_ = part_->model.current_step();
        gather_seconds_ += seconds_since(start);
        return *whole_;
    }

    agents::Observables observe() override {
        // A whole state already merged at this step (a snapshot's or checkpoint's) reads the
        // same; otherwise the ranks count their own tiles instead of sending their states.
        if (merged_at_step_ == part_->model.current_step()) return whole_->observe();
        try {
            broadcast_command(Command::observe, 0);
            return part_->model.observe(part_->window_tallies_on_rank0());
        } catch (const std::exception& error) {
            abort_job(error.what());
        }
    }

    double write_snapshot(io::RunFileWriter& writer, std::size_t ordinal,
                          const io::ArrayStorage& storage) override {
        double raw_bytes = 0.0;
        try {
            const auto start = std::chrono::steady_clock::now();
            writer.write_groups_with([&](const std::filesystem::path& partial) {
                broadcast_command(Command::snapshot, static_cast<std::int64_t>(ordinal));
                std::filesystem::path file = partial;
                io::ArrayStorage sent = storage;
                broadcast_output_request(file, sent);
                raw_bytes = part_->write_snapshot(file, ordinal, sent);
            });
            snapshot_seconds_ += seconds_since(start);
        } catch (const std::exception& error) {
            abort_job(error.what());
        }
        return raw_bytes;
    }

    void publish_checkpoint(io::RunFileWriter& writer, const io::CheckpointProgress& progress,
                            std::string_view status) override {
        try {
            writer.publish_checkpoint(
                [&](const std::filesystem::path& copy) { write_checkpoint(copy, progress); },
                status);
        } catch (const std::exception& error) {
            abort_job(error.what());
        }
    }

    void finish_run_file(io::RunFileWriter& writer, const io::CheckpointProgress& progress,
                         std::string_view status) override {
        try {
            writer.finish(
                [&](const std::filesystem::path& partial) { write_checkpoint(partial, progress); },
                status);
        } catch (const std::exception& error) {
            abort_job(error.what());
        }
    }

    std::uint64_t live_car_t() const override { return count(kCarT); }
    std::uint64_t live_tissue() const override { return count(kTissue); }

    std::string balance_note() override {
        broadcast_command(Command::balance, 0);
        const auto colors = static_cast<std::size_t>(part_->model.domain().grid().color_count());
        std::vector<std::uint64_t> sum(colors, 0);
        std::vector<std::uint64_t> max(colors, 0);
        part_->reduce_by_color(&sum, &max);
        const engine::ColorImbalance worst = engine::worst_color_imbalance(sum, max, rank_count());
        if (worst.color < 0) return fmt::format("{} ranks", rank_count());
        return fmt::format("{} ranks, work max/mean {:.2f} (colour {})", rank_count(),
                           worst.max_over_mean, worst.color);
    }

    std::string rebalance() override {
        if (rank_count() < 2) return {};
        const auto start = std::chrono::steady_clock::now();
        double before = 1.0;
        double after = 1.0;
        try {
            const engine::TileGrid& grid = part_->model.domain().grid();
            const std::vector<std::uint64_t> work = work_per_tile();
            const std::span<const engine::TileBox> current = part_->model.domain().boxes();
            std::vector<engine::TileBox> boxes = engine::bisect_tile_grid(grid, rank_count(), work);
            before = engine::worst_color_work_over_mean(grid, current, work);
            after = engine::worst_color_work_over_mean(grid, boxes, work);
            if (!(after < before * kRebalanceGain)) {
                spdlog::debug("ranks kept: work max/mean {:.3f}, recut boxes would give {:.3f}",
                              before, after);
                return {};
            }
            broadcast_command(Command::rebalance, 0);
            boxes = broadcast_boxes(std::move(boxes));
            earlier_bytes_sent_ += part_->exchange.bytes_sent();
            earlier_sync_seconds_ += part_->exchange.sync_seconds();
            earlier_wait_seconds_ += part_->exchange.wait_seconds();
            // Every rank drops its part and builds one on its new box with the same state (the
            // whole model on rank 0, when merged at this step, stays current).
            part_ = recut(std::move(part_), parameters_, boxes);
        } catch (const std::exception& error) {
            abort_job(error.what());
        }
        ++rebalances_;
        rebalance_seconds_ += seconds_since(start);
        return fmt::format(
            "rebalanced {} ranks at day {:g}: work max/mean {:.2f} -> {:.2f} (new boxes, same "
            "results)",
            rank_count(), part_->model.time_days(), before, after);
    }

  private:
    // Every rank writes the checkpoint's groups into `file` (closed by the writer).
    void write_checkpoint(const std::filesystem::path& file,
                          const io::CheckpointProgress& progress) {
        const auto start = std::chrono::steady_clock::now();
        broadcast_command(Command::checkpoint, 0);
        std::filesystem::path sent_file = file;
        io::ArrayStorage unused;
        broadcast_output_request(sent_file, unused);
        io::CheckpointProgress sent = progress;
        broadcast_progress(sent);
        part_->write_checkpoint(sent_file, sent);
        checkpoint_seconds_ += seconds_since(start);
    }

    // Work per tile of the whole lattice: the whole model's when it is merged at this step,
    // else the ranks' own tiles summed on rank 0 (no state moves).
    std::vector<std::uint64_t> work_per_tile() {
        if (merged_at_step_ == part_->model.current_step()) return agents::work_per_tile(*whole_);
        broadcast_command(Command::work, 0);
        const std::vector<std::uint64_t> mine = part_->owned_work_per_tile();
        std::vector<std::uint64_t> total(mine.size(), 0);
        MPI_Reduce(mine.data(), total.data(), static_cast<int>(mine.size()), MPI_UINT64_T, MPI_SUM,
                   0, MPI_COMM_WORLD);
        return total;
    }

    std::uint64_t count(std::int64_t population_index) const {
        const auto i = static_cast<std::size_t>(population_index);
        if (counted_at_step_[i] == part_->model.current_step()) return counts_[i];
        broadcast_command(Command::count, population_index);
        const std::uint64_t owned = part_->owned_count(population_index);
        MPI_Reduce(&owned, &counts_[i], 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
        counted_at_step_[i] = part_->model.current_step();
        return counts_[i];
    }

    static double seconds_since(std::chrono::steady_clock::time_point start) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    agents::Parameters parameters_;
    std::unique_ptr<RankPart> part_;
    std::unique_ptr<agents::MarrowModel> whole_;  // made by the first whole()
    double step_seconds_ = 0.0;
    double rebalance_seconds_ = 0.0;
    int rebalances_ = 0;
    // What the parts replaced by rebalancing had counted.
    std::uint64_t earlier_bytes_sent_ = 0;
    double earlier_sync_seconds_ = 0.0;
    double earlier_wait_seconds_ = 0.0;
    double gather_seconds_ = 0.0;
    double snapshot_seconds_ = 0.0;
    double checkpoint_seconds_ = 0.0;
    double read_checkpoint_seconds_ = 0.0;
    // The step whole_ holds the merged state of (none yet: ~0). A restore or a step moves the
    // parts on without it.
    engine::Step merged_at_step_ = ~engine::Step{0};
    // Per population (kCarT, kTissue): the step its count is of, and the count.
    mutable std::array<engine::Step, 2> counted_at_step_{~engine::Step{0}, ~engine::Step{0}};
    mutable std::array<std::uint64_t, 2> counts_{0, 0};
};

// The followers' side of each command, on a built rank part (replaced when rank 0 rebalances).
int serve(std::unique_ptr<RankPart>& owned_part, const agents::Parameters& parameters) {
    for (;;) {
        RankPart& part = *owned_part;
        const auto [command, argument] = receive_command();
        switch (command) {
            case Command::step:
                part.model.step();
                break;
            case Command::gather:
                send_bytes(engine::encode_saved_state(part.model.save_state()));
                break;
            case Command::count: {
                const std::uint64_t owned = part.owned_count(argument);
                MPI_Reduce(&owned, nullptr, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
                break;
            }
            case Command::restore: {
                std::vector<std::byte> bytes(static_cast<std::size_t>(argument));
                broadcast_bytes(bytes);
                part.model.restore_state(engine::decode_saved_state(bytes));
                break;
            }
            case Command::balance:
                part.reduce_by_color(nullptr, nullptr);
                break;
            case Command::observe:
                static_cast<void>(part.window_tallies_on_rank0());
                break;
            case Command::rebalance: {
                const std::vector<engine::TileBox> boxes = broadcast_boxes({});
                owned_part = recut(std::move(owned_part), parameters, boxes);
                break;
            }
            case Command::read_checkpoint: {
                std::filesystem::path file;
                io::ArrayStorage unused;
                broadcast_output_request(file, unused);
                // A failure is rank 0's to report; it stops every rank.
                static_cast<void>(part.restore_checkpoint(file));
                break;
            }
            case Command::snapshot: {
                std::filesystem::path file;
                io::ArrayStorage storage;
                broadcast_output_request(file, storage);
                static_cast<void>(
                    part.write_snapshot(file, static_cast<std::size_t>(argument), storage));
                break;
            }
            case Command::checkpoint: {
                std::filesystem::path file;
                io::ArrayStorage unused;
                broadcast_output_request(file, unused);
                io::CheckpointProgress progress;
                broadcast_progress(progress);
                part.write_checkpoint(file, progress);
                break;
            }
            case Command::hash:
                static_cast<void>(engine::state_hash_across_mpi_ranks(part.model, MPI_COMM_WORLD));
                break;
            case Command::work: {
                const std::vector<std::uint64_t> mine = part.owned_work_per_tile();
                MPI_Reduce(mine.data(), nullptr, static_cast<int>(mine.size()), MPI_UINT64_T,
                           MPI_SUM, 0, MPI_COMM_WORLD);
                break;
            }
            case Command::stop:
                return static_cast<int>(argument);
            case Command::build:
                throw std::logic_error("a second model was sent to a rank that has one");
        }
    }
}

}  // namespace

void initialize(int& argc, char**& argv) {
    // Only under a launcher: a cartsim started by hand stays a plain process.
    const bool launched = std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr ||
                          std::getenv("PMIX_RANK") != nullptr || std::getenv("PMI_SIZE") != nullptr;
    if (!launched) return;
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    g_initialized = true;
}

bool active() {
    return rank_count() > 1;
}

int rank() {
    if (!g_initialized) return 0;
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int rank_count() {
    if (!g_initialized) return 1;
    int n = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

std::unique_ptr<RunModel> make_leader_model(const agents::Parameters& parameters,
                                            const std::string& resolved_toml, int threads) {
    return std::make_unique<LeaderModel>(parameters, threads, resolved_toml);
}

int follow() {
    // mpiexec forwards SIGTERM and SIGINT to every rank: rank 0 acts on them (it checkpoints
    // and stops every rank); here they must not end the process.
    install_interrupt_handlers();
    try {
        for (;;) {
            const auto [command, argument] = receive_command();
            if (command == Command::stop) return finish(static_cast<int>(argument));
            if (command != Command::build) {
                throw std::logic_error("rank 0 sent a command before the model");
            }
            std::int64_t length = 0;
            MPI_Bcast(&length, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
            std::string text(static_cast<std::size_t>(length), '\0');
            broadcast_bytes(std::as_writable_bytes(std::span<char>(text)));
            const agents::Parameters parameters = parameters_of(text);
            int status = 0;
            engine::run_with_threads(static_cast<int>(argument), [&] {
                auto part = std::make_unique<RankPart>(parameters);
                status = serve(part, parameters);
            });
            return finish(status);
        }
    } catch (const std::exception& error) {
        abort_job(error.what());
    }
}

int finish(int exit_status) {
    if (!g_initialized) return exit_status;
    if (rank() == 0 && active() && !g_followers_released) {
        broadcast_command(Command::stop, exit_status);
        g_followers_released = true;
    }
    MPI_Finalize();
    g_initialized = false;
    return exit_status;
}

}  // namespace cartsim::cli::mpi_ranks

#else  // the serial build

namespace cartsim::cli::mpi_ranks {

void initialize(int&, char**&) {}
bool active() {
    return false;
}
int rank() {
    return 0;
}
int rank_count() {
    return 1;
}
std::unique_ptr<RunModel> make_leader_model(const agents::Parameters&, const std::string&, int) {
    throw std::logic_error("this cartsim was built without MPI (build the mpi preset)");
}
int follow() {
    return 0;
}
int finish(int exit_status) {
    return exit_status;
}

}  // namespace cartsim::cli::mpi_ranks

#endif
