#pragma once
// What `cartsim run` steps: one model state, or the same model on K virtual ranks
// (--virtual-ranks K, agents/marrow/virtual_rank_model.hpp), whose outputs are made from the
// ranks' states merged into one model, so the run file is the one a single rank writes.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "agents/marrow/virtual_rank_model.hpp"
#include "agents/marrow_model.hpp"
#include "io/model_checkpoint.hpp"
#include "io/run_file_writer.hpp"

namespace cartsim::cli {

class RunModel {
  public:
    virtual ~RunModel() = default;
    virtual void step() = 0;
    virtual engine::Step current_step() const = 0;
    virtual double time_days() const = 0;
    /// Replaces the state by a whole model's saved state (a checkpoint); throws
    /// std::invalid_argument as MarrowModel::restore_state does.
    virtual void restore_state(engine::SavedState state) = 0;
    /// Replaces the state by the checkpoint of a run file (io::read_checkpoint); throws IoError
    /// when it cannot be read and std::invalid_argument as restore_state. With several MPI
    /// ranks every rank reads its share of the agents and sends them to the ranks that hold
    /// their sites: no rank reads or holds the whole state.
    virtual void restore_checkpoint(const std::filesystem::path& file);
    /// A model of the run's parameters for what does not depend on its state (lattice, tile
    /// grid, scheduler phases); never gathers the ranks' states.
    virtual const agents::MarrowModel& layout_model() { return whole(); }
    /// The whole model now: for observation, snapshots, checkpoints and the state hash. With
    /// several ranks, their states merged (engine/saved_state_across_ranks.hpp) once per step.
    virtual agents::MarrowModel& whole() = 0;
    /// The whole model's state hash now (MarrowModel::state_hash). With several MPI ranks,
    /// reduced from the ranks' parts instead of the state gathered.
    virtual std::uint64_t state_hash() { return whole().state_hash(); }
    /// The time-series row now: the whole model's observables. With several MPI ranks, the
    /// ranks' window tallies summed (exact) instead of the state gathered.
    virtual agents::Observables observe() { return whole().observe(); }
    /// Live CAR-T and tissue cells, each counted once (the progress line's update rate).
    virtual std::uint64_t live_car_t() const = 0;
    virtual std::uint64_t live_tissue() const = 0;
    /// How evenly the ranks share the work, for the progress line; empty for one process.
    virtual std::string balance_note() { return {}; }
    /// Right after a checkpoint (whole() is current): recuts the ranks' boxes by the work on
    /// each tile (engine::bisect_tile_grid) when that evens the worst colour's load by at least
    /// 3%, and says so in a line; empty when nothing changed or there is one process. Results do
    /// not depend on the boxes.
    virtual std::string rebalance() { return {}; }
    /// Writes snapshot `ordinal` of the model now (its groups and the /snapshots index, as
    /// io::snapshot_groups makes them) into the writer's file; returns the raw bytes of its
    /// arrays. With several MPI ranks every rank writes its own agents into the one file
    /// (parallel HDF5) instead of the state being gathered.
    virtual double write_snapshot(io::RunFileWriter& writer, std::size_t ordinal,
                                  const io::ArrayStorage& storage);
    /// Publishes the run file with a checkpoint of the model now (io::checkpoint_groups with
    /// `progress`; RunFileWriter::publish_checkpoint), and finishes it with a final one
    /// (RunFileWriter::finish). With several MPI ranks every rank writes its own agents.
    virtual void publish_checkpoint(io::RunFileWriter& writer,
                                    const io::CheckpointProgress& progress,
                                    std::string_view status);
    virtual void finish_run_file(io::RunFileWriter& writer, const io::CheckpointProgress& progress,
                                 std::string_view status);
    /// The stepping model's scheduler, whose phase_seconds() say where the stepping time went
    /// (with several ranks: rank 0's); nullptr where there is no single one.
    virtual const engine::Scheduler* stepping_scheduler() const { return nullptr; }
};

/// One model state: the model itself.
class OneRankModel final : public RunModel {
  public:
    explicit OneRankModel(agents::MarrowModel& model) : model_(&model) {}
    void step() override { model_->step(); }
    engine::Step current_step() const override { return model_->current_step(); }
    double time_days() const override { return model_->time_days(); }
    void restore_state(engine::SavedState state) override {
        model_->restore_state(std::move(state));
    }
    agents::MarrowModel& whole() override { return *model_; }
    std::uint64_t live_car_t() const override { return model_->car_t().live_count(); }
    std::uint64_t live_tissue() const override { return model_->tissue().live_count(); }
    const engine::Scheduler* stepping_scheduler() const override { return &model_->scheduler(); }

  private:
    agents::MarrowModel* model_;
};

/// K virtual ranks, and a whole model that holds their merged state for outputs.
class VirtualRankRunModel final : public RunModel {
  public:
    /// Throws std::invalid_argument when the model cannot run on `rank_count` ranks (the
    /// message says why: too few tiles, well-mixed mode, ...).
    VirtualRankRunModel(const agents::Parameters& parameters, int rank_count);
    void step() override { ranks_.step(); }
    engine::Step current_step() const override { return ranks_.current_step(); }
    double time_days() const override { return ranks_.ranks().front()->time_days(); }
    void restore_state(engine::SavedState state) override;
    agents::MarrowModel& whole() override;
    std::uint64_t live_car_t() const override;
    std::uint64_t live_tissue() const override;

  private:
    agents::VirtualRankModel ranks_;
    agents::MarrowModel whole_;
    engine::Step merged_at_step_ = ~engine::Step{0};
};

/// One rank's model, or K virtual ranks (K >= 1; 1 runs the model alone).
std::unique_ptr<RunModel> make_run_model(const agents::Parameters& parameters, int virtual_ranks);

}  // namespace cartsim::cli
