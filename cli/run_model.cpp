#include "cli/run_model.hpp"

#include <utility>
#include <variant>
#include <vector>

#include "io/model_snapshot.hpp"

namespace cartsim::cli {

double RunModel::write_snapshot(io::RunFileWriter& writer, std::size_t ordinal,
                                const io::ArrayStorage& storage) {
    std::vector<io::ArrayGroup> groups = io::snapshot_groups(whole(), ordinal);
    groups.push_back(io::snapshot_index_group(whole(), ordinal + 1));
    writer.write_groups(groups, storage);
    double raw_bytes = 0.0;
    for (const io::ArrayGroup& group : groups) {
        for (const io::NamedArray& array : group.arrays) {
            raw_bytes += static_cast<double>(
                std::visit([](const auto& v) { return v.size() * sizeof(v[0]); }, array.values));
        }
    }
    return raw_bytes;
}

void RunModel::restore_checkpoint(const std::filesystem::path& file) {
    restore_state(io::read_checkpoint(file).state);
}

void RunModel::publish_checkpoint(io::RunFileWriter& writer, const io::CheckpointProgress& progress,
                                  std::string_view status) {
    writer.publish_checkpoint(io::checkpoint_groups(whole(), progress), status);
}

void RunModel::finish_run_file(io::RunFileWriter& writer, const io::CheckpointProgress& progress,
                               std::string_view status) {
    writer.finish(io::checkpoint_groups(whole(), progress), status);
}

namespace {

// A one-rank model that owns its model state.
class OwnedOneRankModel final : public RunModel {
  public:
    explicit OwnedOneRankModel(const agents::Parameters& parameters)
        : model_(parameters), view_(model_) {}
    void step() override { view_.step(); }
    engine::Step current_step() const override { return view_.current_step(); }
    double time_days() const override { return view_.time_days(); }
    void restore_state(engine::SavedState state) override { view_.restore_state(std::move(state)); }
    agents::MarrowModel& whole() override { return model_; }
    std::uint64_t live_car_t() const override { return view_.live_car_t(); }
    std::uint64_t live_tissue() const override { return view_.live_tissue(); }
    const engine::Scheduler* stepping_scheduler() const override {
        return view_.stepping_scheduler();
    }

  private:
    agents::MarrowModel model_;
    OneRankModel view_;
};

// Agents of a population on the tiles their rank owns, over all ranks.
template <class PopulationOf>
std::uint64_t owned_agents(const agents::VirtualRankModel& ranks, PopulationOf population_of) {
    std::uint64_t count = 0;
    for (const agents::MarrowModel* rank : ranks.ranks()) {
        const auto& population = population_of(*rank);
        for (engine::AgentSlot slot = 0; slot < population.slot_count(); ++slot) {
            if (population.alive(slot) && rank->domain().owns_site(population.site(slot))) {
                ++count;
            }
        }
    }
    return count;
}

}  // namespace

VirtualRankRunModel::VirtualRankRunModel(const agents::Parameters& parameters, int rank_count)
    : ranks_(parameters, rank_count), whole_(parameters) {}

void VirtualRankRunModel::restore_state(engine::SavedState state) {
    ranks_.restore_state(state);
    merged_at_step_ = ~engine::Step{0};
}

agents::MarrowModel& VirtualRankRunModel::whole() {
    if (merged_at_step_ != ranks_.current_step()) {
        whole_.restore_state(ranks_.save_state());
        merged_at_step_ = ranks_.current_step();
    }
    return whole_;
}

std::uint64_t VirtualRankRunModel::live_car_t() const {
    return owned_agents(
        ranks_, [](const agents::MarrowModel& m) -> const auto& { return m.car_t(); });
}

std::uint64_t VirtualRankRunModel::live_tissue() const {
    return owned_agents(
        ranks_, [](const agents::MarrowModel& m) -> const auto& { return m.tissue(); });
}

std::unique_ptr<RunModel> make_run_model(const agents::Parameters& parameters, int virtual_ranks) {
    if (virtual_ranks == 1) return std::make_unique<OwnedOneRankModel>(parameters);
    return std::make_unique<VirtualRankRunModel>(parameters, virtual_ranks);
}

}  // namespace cartsim::cli
