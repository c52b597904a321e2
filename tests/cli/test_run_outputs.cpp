// End to end on a real run file (not a synthetic one): h5dump, h5ls and h5py read every dataset;
// the snapshots hold what docs/OUTPUT.md promises; every HDF path and shape in the XDMF sidecar
// exists in the file; plot_run.py writes non-trivial PNGs.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/run_simulation.hpp"
#include "io/hdf5_handle.hpp"
#include "tests/support/mini_xml.hpp"

namespace cartsim::cli {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& file) {
    std::ifstream stream(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

int shell(const std::string& command) {
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class RunOutputs : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        directory_ = fs::temp_directory_path() / fmt::format("cartsim_outputs_{}", ::getpid());
        fs::remove_all(directory_);
        fs::create_directories(directory_);
        const fs::path scenario = directory_ / "outputs.toml";
        std::ofstream(scenario) << "[scenario]\nname = \"outputs\"\n[time]\ndays = 2.0\n"
                                   "[output]\nsnapshot_every_days = 0.5\n"
                                   "[space]\nnx = 40\nny = 30\nnz = 6\n"
                                   "total_marrow_volume_ml = 10.0\n[car_t]\ndose_cells = 1e9\n";
        RunOptions options;
        options.scenario_path = scenario;
        options.output_path = directory_ / "outputs.h5";
        options.threads = 2;
        options.quiet = true;
        status_ = run_simulation(options).exit_status;
    }
    static void TearDownTestSuite() {
        std::error_code ignored;
        fs::remove_all(directory_, ignored);
    }
    void SetUp() override { ASSERT_EQ(status_, kExitSuccess); }

    static fs::path directory_;
    static int status_;
};

fs::path RunOutputs::directory_;
int RunOutputs::status_ = -1;

TEST_F(RunOutputs, H5dumpAndH5lsReadEverything) {
    const fs::path file = directory_ / "outputs.h5";
    EXPECT_EQ(shell(fmt::format("h5dump '{}' > /dev/null 2>&1", file.string())), 0);
    EXPECT_EQ(shell(fmt::format("h5ls -r '{}' > /dev/null 2>&1", file.string())), 0);
}

TEST_F(RunOutputs, H5pyReadsEveryDatasetAndSnapshotsFollowTheLayout) {
    const fs::path script = directory_ / "check.py";
    std::ofstream(script) << R"(
import sys
import h5py
import numpy as np

f = h5py.File(sys.argv[1], "r")
count = 0
def read_all(name, obj):
    global count
    if isinstance(obj, h5py.Dataset):
        obj[()]
        count += 1
f.visititems(read_all)
assert count > 100, count
assert f.attrs["run_status"] == "complete"
snaps = f["snapshots"]
nx, ny, nz = snaps.attrs["lattice_shape"]
edge = snaps.attrs["site_edge_um"]
assert snaps.attrs["count"] == 5 and sorted(snaps.keys()) == ["%06d" % k for k in range(5)]
for k in range(5):
    s = snaps["%06d" % k]
    assert abs(s.attrs["time_days"] - 0.5 * k) < 1e-9 and s.attrs["step"] == 720 * k
    for population, states in (("tissue", 3), ("car_t", 4)):
        g = s[population]
        n = g.attrs["count"]
        ids = g["id"][()]
        assert len(ids) == n and np.all(ids[1:] > ids[:-1]), population
        for axis, extent in (("x", nx), ("y", ny), ("z", nz)):
            v = g[axis][()]
            assert v.shape == (n,) and g[axis].attrs["units"] == "um"
            if n:
                assert v.min() >= 0.5 * edge and v.max() <= (extent - 0.5) * edge, (population, axis)
        assert n == 0 or g["state"][()].max() < states
    tissue = s["tissue"]
    blasts = tissue["state"][()] == 0
    assert (k > 0 or blasts.sum() > 0) and np.all(tissue["cd19"][()][blasts] >= 0)
    ts_blasts = f["timeseries/blasts"][()][2 * k]
    assert ts_blasts == blasts.sum(), (ts_blasts, blasts.sum())
    fields = s["fields"]
    assert fields["il6"].shape == fields["ifng"].shape and fields["il6"].ndim == 3
    assert fields["il6"].attrs["units"] == "pg/mL"
assert snaps["000004/car_t"].attrs["count"] > 0, "CAR-T cells reached the marrow"
print("h5py ok")
)";
    const fs::path output = directory_ / "h5py.out";
    EXPECT_EQ(shell(fmt::format("/usr/bin/python3 '{}' '{}' > '{}' 2>&1", script.string(),
                                (directory_ / "outputs.h5").string(), output.string())),
              0)
        << read_bytes(output);
    EXPECT_NE(read_bytes(output).find("h5py ok"), std::string::npos) << read_bytes(output);
}

TEST_F(RunOutputs, XdmfSidecarNamesOnlyDatasetsOfTheFileWithTheirShapes) {
    const fs::path sidecar = directory_ / "outputs.xmf";
    ASSERT_TRUE(fs::exists(sidecar));
    const test_support::XmlElement root = test_support::MiniXmlParser::parse(read_bytes(sidecar));
    const io::Hdf5Handle file(
        H5Fopen((directory_ / "outputs.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    ASSERT_TRUE(file.valid());
    int checked = 0;
    for (const test_support::XmlElement* item : root.descendants_named("DataItem")) {
        if (item->attribute("Format") != "HDF") continue;
        std::string text = item->text;
        text.erase(0, text.find_first_not_of(" \n\t"));
        text.erase(text.find_last_not_of(" \n\t") + 1);
        ASSERT_EQ(text.rfind("outputs.h5:", 0), 0U) << text;
        const std::string path = text.substr(std::string("outputs.h5:").size());
        const io::Hdf5Handle dataset(H5Dopen2(file.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
        ASSERT_TRUE(dataset.valid()) << path;
        const io::Hdf5Handle space(H5Dget_space(dataset.get()), H5Sclose);
        std::vector<hsize_t> dims(
            static_cast<std::size_t>(H5Sget_simple_extent_ndims(space.get())));
        H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
        std::string shape;
        for (const hsize_t d : dims) shape += fmt::format("{}{}", shape.empty() ? "" : " ", d);
        EXPECT_EQ(item->attribute("Dimensions"), shape) << path;
        ++checked;
    }
    EXPECT_GT(checked, 5 * (3 + 2));  // at least x, y, z and two fields per snapshot
}

TEST_F(RunOutputs, PlotRunWritesFourNonTrivialPngs) {
    const fs::path plots = directory_ / "plots";
    const fs::path log = directory_ / "plot.out";
    ASSERT_EQ(shell(fmt::format("/usr/bin/python3 '{}/analysis/plot_run.py' '{}' -o '{}' > '{}' "
                                "2>&1",
                                CARTSIM_SOURCE_DIR, (directory_ / "outputs.h5").string(),
                                plots.string(), log.string())),
              0)
        << read_bytes(log);
    for (const char* name :
         {"blast_fraction.png", "cart_states.png", "cytokines.png", "snapshot_slice.png"}) {
        const fs::path png = plots / name;
        ASSERT_TRUE(fs::exists(png)) << name;
        EXPECT_GT(fs::file_size(png), 10000u) << name;
        EXPECT_EQ(read_bytes(png).substr(1, 3), "PNG") << name;
    }
}

}  // namespace
}  // namespace cartsim::cli
