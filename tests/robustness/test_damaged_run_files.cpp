// A run file that is damaged or not cartsim's (edited by hand, written by another program, cut
// short) is an output problem: `cartsim resume` and `cartsim info` exit 3 naming the file, and
// resume writes nothing. (The checkpoint's own values are validated by io/model_checkpoint.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "cli/run_simulation.hpp"
#include "io/hdf5_handle.hpp"
#include "tests/robustness/cartsim_process.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim {
namespace {

namespace fs = std::filesystem;
using test_support::read_bytes;

void replace_string_attribute(const fs::path& file_path, const char* object, const char* name,
                              const std::string& text) {
    const io::Hdf5Handle file(H5Fopen(file_path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    ASSERT_TRUE(file.valid());
    const io::Hdf5Handle group(H5Oopen(file.get(), object, H5P_DEFAULT), H5Oclose);
    ASSERT_TRUE(group.valid());
    if (H5Aexists(group.get(), name) > 0) {
        ASSERT_GE(H5Adelete(group.get(), name), 0);
    }
    const io::Hdf5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    const io::Hdf5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    const io::Hdf5Handle attribute(
        H5Acreate2(group.get(), name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    const char* characters = text.c_str();
    ASSERT_GE(H5Awrite(attribute.get(), type.get(), &characters), 0);
}

// Keeps the first row of every time series (the checkpoint says there are more).
void cut_time_series_short(const fs::path& file_path) {
    const io::Hdf5Handle file(H5Fopen(file_path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    const io::Hdf5Handle group(H5Gopen2(file.get(), "/timeseries", H5P_DEFAULT), H5Gclose);
    H5G_info_t info{};
    ASSERT_GE(H5Gget_info(group.get(), &info), 0);
    for (hsize_t k = 0; k < info.nlinks; ++k) {
        char name[256] = {};
        H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, k, name, sizeof name,
                           H5P_DEFAULT);
        const io::Hdf5Handle dataset(H5Dopen2(group.get(), name, H5P_DEFAULT), H5Dclose);
        const hsize_t one_row = 1;
        ASSERT_GE(H5Dset_extent(dataset.get(), &one_row), 0) << name;
    }
}

void delete_link(const fs::path& file_path, const char* link) {
    const io::Hdf5Handle file(H5Fopen(file_path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(H5Ldelete(file.get(), link, H5P_DEFAULT), 0);
}

TEST(DamagedRunFiles, ResumeAndInfoExit3AndResumeWritesNothing) {
    const test_support::TempDirectory temp("cartsim-damaged");
    const fs::path scenario =
        test_support::write_small_scenario(temp.path() / "small.toml", {.edge_sites = 30});
    const fs::path good = temp.path() / "good.h5";
    ASSERT_EQ(test_support::run_cartsim_once(
                  {{"run", scenario.string(), "-o", good.string(), "--days", "0.5", "--quiet"},
                   temp.path() / "err.txt"})
                  .exit_status,
              0);
    const std::vector<std::pair<std::string, std::function<void(const fs::path&)>>> damages = {
        {"config_not_toml",
         [](const fs::path& f) { replace_string_attribute(f, "/config", "scenario_toml", "[x"); }},
        {"config_unknown_key",
         [](const fs::path& f) {
             replace_string_attribute(f, "/config", "scenario_toml", "bogus_key = 1\n");
         }},
        {"config_out_of_range",
         [](const fs::path& f) {
             replace_string_attribute(f, "/config", "scenario_toml", "[space]\nnx = -4\n");
         }},
        {"no_config", [](const fs::path& f) { delete_link(f, "/config"); }},
        {"no_timeseries", [](const fs::path& f) { delete_link(f, "/timeseries"); }},
        {"no_checkpoint", [](const fs::path& f) { delete_link(f, "/checkpoint"); }},
        {"time_series_cut_short", [](const fs::path& f) { cut_time_series_short(f); }},
    };
    for (const auto& [name, damage] : damages) {
        const fs::path file = temp.path() / (name + ".h5");
        fs::copy_file(good, file);
        damage(file);
        const std::string before = read_bytes(file);
        const test_support::CartsimExit resumed = test_support::run_cartsim_once(
            {{"resume", file.string(), "--days", "1", "--quiet"}, temp.path() / "err.txt"});
        EXPECT_EQ(resumed.exit_status, cli::kExitOutputProblem) << name << ": " << resumed.err;
        EXPECT_NE(resumed.err.find(file.string()), std::string::npos) << name << resumed.err;
        EXPECT_EQ(read_bytes(file), before) << name;
        EXPECT_FALSE(fs::exists(file.string() + ".partial")) << name;
        const test_support::CartsimExit info =
            test_support::run_cartsim_once({{"info", file.string()}, temp.path() / "err.txt"});
        EXPECT_TRUE(info.exit_status == 0 || info.exit_status == cli::kExitOutputProblem)
            << name << ": exit " << info.exit_status << "\n"
            << info.err;
    }
}

}  // namespace
}  // namespace cartsim
