// Micro-benchmark: writing one snapshot (docs/OUTPUT.md, /snapshots/NNNNNN) of the marrow model
// into an HDF5 file, as the run loop does: io::snapshot_groups (gather every cell by id into
// arrays) and io::write_array_group (datasets, contiguous at deflate level 0, chunked with byte
// shuffle + deflate at level >= 1).
//
// Model: the baseline marrow of 100^3 sites at day 0 (~9.8e5 tissue cells, 30 raw bytes each;
// CAR-T cells in the marrow are < 1% of the rows at any day, so the tissue arrays dominate).
// Each write goes to a new file in $TMPDIR (or /tmp), closed inside the timed region, so the time
// includes HDF5's metadata and the copy into the page cache, not a sync to disk (the run loop
// does not sync snapshots either).
//
// Counters: MB_per_s (raw array bytes, 1e6 B, per second of wall time), raw_MB (per snapshot),
// compression (raw bytes / file bytes).

#include <benchmark/benchmark.h>
#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "agents/marrow_model.hpp"
#include "benchmarks/bench_support.hpp"
#include "io/array_group.hpp"
#include "io/model_snapshot.hpp"

namespace {

namespace fs = std::filesystem;
using cartsim::agents::MarrowModel;
using cartsim::io::ArrayGroup;

const MarrowModel& snapshot_model() {
    static const std::unique_ptr<MarrowModel> model = [] {
        std::unique_ptr<MarrowModel> built;
        cartsim::engine::run_with_threads(2, [&] {
            built = std::make_unique<MarrowModel>(
                cartsim::bench::marrow_parameters(100, 100, 100, 1.0e8));
        });
        return built;
    }();
    return *model;
}

double raw_bytes(const std::vector<ArrayGroup>& groups) {
    double bytes = 0.0;
    for (const ArrayGroup& group : groups) {
        for (const auto& array : group.arrays) {
            bytes += static_cast<double>(
                std::visit([](const auto& values) { return values.size() * sizeof(values[0]); },
                           array.values));
        }
    }
    return bytes;
}

fs::path scratch_file() {
    return fs::temp_directory_path() /
           ("cartsim_bench_snapshot_" + std::to_string(::getpid()) + ".h5");
}

/// Writes `groups` into a new file at `path` and returns the file's size in bytes.
double write_file(const fs::path& path, const std::vector<ArrayGroup>& groups, int deflate_level) {
    const cartsim::io::ArrayStorage storage{.chunk_elements = 1U << 16,
                                            .deflate_level = deflate_level};
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) throw std::runtime_error("cannot create " + path.string());
    for (const ArrayGroup& group : groups) {
        cartsim::io::write_array_group(file, group, storage, path);
    }
    if (H5Fclose(file) < 0) throw std::runtime_error("cannot close " + path.string());
    return static_cast<double>(fs::file_size(path));
}

void set_counters(benchmark::State& state, double bytes_per_snapshot, double file_bytes) {
    const double iterations = static_cast<double>(state.iterations());
    state.counters["MB_per_s"] =
        benchmark::Counter(bytes_per_snapshot * iterations / 1e6, benchmark::Counter::kIsRate);
    state.counters["raw_MB"] = bytes_per_snapshot / 1e6;
    if (file_bytes > 0.0) state.counters["compression"] = bytes_per_snapshot / file_bytes;
}

/// Gathering the model into snapshot arrays only (no file).
void BM_SnapshotGroups(benchmark::State& state) {
    const MarrowModel& model = snapshot_model();
    double bytes = 0.0;
    for (auto _ : state) {
        const std::vector<ArrayGroup> groups = cartsim::io::snapshot_groups(model, 0);
        bytes = raw_bytes(groups);
        benchmark::DoNotOptimize(groups.data());
    }
    set_counters(state, bytes, 0.0);
}
BENCHMARK(BM_SnapshotGroups)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Writing prepared snapshot arrays into a new file, at deflate level range(0).
void BM_SnapshotWrite(benchmark::State& state) {
    const int level = static_cast<int>(state.range(0));
    std::vector<ArrayGroup> groups = cartsim::io::snapshot_groups(snapshot_model(), 0);
    groups.push_back(cartsim::io::snapshot_index_group(snapshot_model(), 1));
    const double bytes = raw_bytes(groups);
    const fs::path path = scratch_file();
    double file_bytes = 0.0;
    for (auto _ : state) file_bytes = write_file(path, groups, level);
    fs::remove(path);
    set_counters(state, bytes, file_bytes);
}
BENCHMARK(BM_SnapshotWrite)
    ->ArgName("deflate")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// What the run loop pays per snapshot: gather plus write, at deflate level range(0).
void BM_SnapshotGatherAndWrite(benchmark::State& state) {
    const int level = static_cast<int>(state.range(0));
    const MarrowModel& model = snapshot_model();
    const fs::path path = scratch_file();
    double bytes = 0.0;
    double file_bytes = 0.0;
    for (auto _ : state) {
        std::vector<ArrayGroup> groups = cartsim::io::snapshot_groups(model, 0);
        groups.push_back(cartsim::io::snapshot_index_group(model, 1));
        bytes = raw_bytes(groups);
        file_bytes = write_file(path, groups, level);
    }
    fs::remove(path);
    set_counters(state, bytes, file_bytes);
}
BENCHMARK(BM_SnapshotGatherAndWrite)
    ->ArgName("deflate")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
