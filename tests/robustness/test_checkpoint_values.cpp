// Every value of a checkpoint is validated before a resumed model runs on it (issue 20, class
// 2): each dataset of /checkpoint is damaged in turn (a value out of range, a NaN, a wrong
// length, a missing dataset) and `cartsim resume` must exit 3 naming what is wrong, leave the
// file byte for byte as it was and create nothing beside it. The checks themselves are
// agents/state_checks.cpp (invariants), engine/model_state.hpp (presence, type, length) and
// engine/population.hpp (sites, ids).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
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

struct Dataset {
    std::vector<char> bytes;
    std::size_t element_size = 0;
    std::size_t size() const { return bytes.size() / element_size; }
    template <class T>
    void fill(T value) {
        ASSERT_EQ(sizeof(T), element_size);
        for (std::size_t k = 0; k < size(); ++k)
            std::memcpy(&bytes[k * sizeof(T)], &value, sizeof(T));
    }
    template <class T>
    T at(std::size_t k) const {
        T value;
        std::memcpy(&value, &bytes[k * sizeof(T)], sizeof(T));
        return value;
    }
    template <class T>
    void set(std::size_t k, T value) {
        std::memcpy(&bytes[k * sizeof(T)], &value, sizeof(T));
    }
};

// Reads `path`, lets `edit` change it (values, or the length by resizing), writes it back (a new
// dataset of the same type when the length changed).
void edit_dataset(const fs::path& file_path, const std::string& path,
                  const std::function<void(Dataset&)>& edit) {
    const io::Hdf5Handle file(H5Fopen(file_path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    ASSERT_TRUE(file.valid()) << path;
    Dataset data;
    hid_t native = -1;
    {
        const io::Hdf5Handle dataset(H5Dopen2(file.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
        ASSERT_TRUE(dataset.valid()) << path;
        const io::Hdf5Handle type(H5Dget_type(dataset.get()), H5Tclose);
        native = H5Tget_native_type(type.get(), H5T_DIR_ASCEND);
        data.element_size = H5Tget_size(native);
        const io::Hdf5Handle space(H5Dget_space(dataset.get()), H5Sclose);
        const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
        data.bytes.resize(n * data.element_size);
        ASSERT_GE(H5Dread(dataset.get(), native, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.bytes.data()),
                  0);
    }
    const std::size_t old_size = data.size();
    edit(data);
    if (data.size() == old_size) {
        const io::Hdf5Handle dataset(H5Dopen2(file.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
        ASSERT_GE(H5Dwrite(dataset.get(), native, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.bytes.data()),
                  0);
    } else {
        ASSERT_GE(H5Ldelete(file.get(), path.c_str(), H5P_DEFAULT), 0);
        const hsize_t n = data.size();
        const io::Hdf5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
        const io::Hdf5Handle dataset(H5Dcreate2(file.get(), path.c_str(), native, space.get(),
                                                H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                     H5Dclose);
        ASSERT_GE(H5Dwrite(dataset.get(), native, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.bytes.data()),
                  0);
    }
    H5Tclose(native);
}

void set_double_attribute(const fs::path& file_path, const char* object, const char* name,
                          double value) {
    const io::Hdf5Handle file(H5Fopen(file_path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    const io::Hdf5Handle group(H5Oopen(file.get(), object, H5P_DEFAULT), H5Oclose);
    ASSERT_TRUE(group.valid()) << object;
    ASSERT_GE(H5Adelete(group.get(), name), 0) << object << " " << name;
    const io::Hdf5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    const io::Hdf5Handle attribute(
        H5Acreate2(group.get(), name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
        H5Aclose);
    ASSERT_GE(H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, &value), 0);
}

void delete_link(const fs::path& file_path, const std::string& link) {
    const io::Hdf5Handle file(H5Fopen(file_path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(H5Ldelete(file.get(), link.c_str(), H5P_DEFAULT), 0);
}

struct Damage {
    std::string name;
    std::function<void(const fs::path&)> apply;
    std::string named_in_message;  ///< what the error must name
};

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

std::vector<Damage> damages() {
    auto fill = [](std::string path, auto value) {
        return [path, value](const fs::path& f) {
            edit_dataset(f, path, [&](Dataset& d) { d.fill(value); });
        };
    };
    auto shorten = [](std::string path) {
        return [path](const fs::path& f) {
            edit_dataset(f, path,
                         [](Dataset& d) { d.bytes.resize(d.bytes.size() - d.element_size); });
        };
    };
    std::vector<Damage> list = {
        {"tissue kind out of range", fill("checkpoint/tissue/column_kind", std::uint8_t{7}),
         "tissue/kind"},
        {"blast flags out of range", fill("checkpoint/tissue/column_flags", std::uint8_t{200}),
         "tissue/flags"},
        {"CD19 NaN", fill("checkpoint/tissue/column_cd19", std::numeric_limits<float>::quiet_NaN()),
         "tissue/cd19"},
        {"CD22 negative", fill("checkpoint/tissue/column_cd22", -1.0F), "tissue/cd22"},
        {"next event before the checkpoint",
         fill("checkpoint/tissue/column_next_event_tick", std::uint32_t{0}),
         "tissue/next_event_tick"},
        {"tissue site off the lattice", fill("checkpoint/tissue/sites", std::uint32_t{4000000}),
         "off the lattice"},
        {"tissue id twice",
         [](const fs::path& f) {
             edit_dataset(f, "checkpoint/tissue/ids",
                          [](Dataset& d) { d.set<std::uint64_t>(1, d.at<std::uint64_t>(0)); });
         },
         "twice"},
        {"tissue ids never issued by their tile",
         fill("checkpoint/tissue/ids_issued_by_tile", std::uint64_t{0}), "never issued"},
        {"tissue ids out of order",
         [](const fs::path& f) {
             edit_dataset(f, "checkpoint/tissue/ids", [](Dataset& d) {
                 const auto first = d.at<std::uint64_t>(0);
                 d.set<std::uint64_t>(0, d.at<std::uint64_t>(1));
                 d.set<std::uint64_t>(1, first);
             });
         },
         "in id order"},
        {"CAR-T state out of range", fill("checkpoint/car_t/column_state", std::uint8_t{9}),
         "car_t/state"},
        {"direction out of range", fill("checkpoint/car_t/column_direction", std::uint8_t{200}),
         "car_t/direction"},
        {"activation beyond the program",
         fill("checkpoint/car_t/column_activation_steps_left", std::uint32_t{4000000000U}),
         "car_t/activation_steps_left"},
        {"engaged target far away", fill("checkpoint/car_t/column_engaged_site", std::uint32_t{0}),
         "car_t/engaged_site"},
        {"exhaustion NaN",
         fill("checkpoint/car_t/column_exhaustion", std::numeric_limits<float>::quiet_NaN()),
         "car_t/exhaustion"},
        {"CAR level above 1", fill("checkpoint/car_t/column_car_level", 2.0F), "car_t/car_level"},
        {"CAR-T site off the lattice", fill("checkpoint/car_t/sites", std::uint32_t{4000000}),
         "off the lattice"},
        {"huge blood count", fill("checkpoint/patient/blood_car_t", std::uint64_t{1} << 50),
         "patient/blood_car_t"},
        {"more blasts than the rest of the marrow holds",
         fill("checkpoint/patient/rest_blasts", std::uint64_t{1} << 60), "patient/rest_blasts"},
        // Four phenotypes of 2^62 each: their uint64 sum wraps round to 0 (a fuzzer's find).
        {"blast counts whose sum wraps round",
         fill("checkpoint/patient/rest_blasts", std::uint64_t{1} << 62), "patient/rest_blasts"},
        {"lymphocytes above normal",
         [](const fs::path& f) {
             set_double_attribute(f, "checkpoint/patient", "endogenous_lymphocytes", 2.0);
         },
         "patient/endogenous_lymphocytes"},
        {"IFN-g NaN", fill("checkpoint/cytokines/ifng", kNan), "cytokines/ifng"},
        {"IL-6 negative", fill("checkpoint/cytokines/il6", -5.0), "cytokines/il6"},
        {"IL-6 release infinite",
         fill("checkpoint/cytokines/il6_release", std::numeric_limits<double>::infinity()),
         "cytokines/il6_release"},
        {"serum IL-6 NaN",
         [](const fs::path& f) {
             set_double_attribute(f, "checkpoint/cytokines", "serum_il6_pg_per_ml", kNan);
         },
         "serum_il6_pg_per_ml"},
    };
    for (const char* path :
         {"checkpoint/tissue/column_kind", "checkpoint/tissue/sites",
          "checkpoint/car_t/column_state", "checkpoint/car_t/ids",
          "checkpoint/tissue/ids_issued_by_tile", "checkpoint/patient/blood_car_t",
          "checkpoint/cytokines/il6", "checkpoint/cytokines/il6_release"}) {
        list.push_back({std::string(path) + " one value short", shorten(path), ""});
        list.push_back({std::string(path) + " missing",
                        [path](const fs::path& f) { delete_link(f, path); }, ""});
    }
    return list;
}

TEST(CheckpointValues, EveryDamagedDatasetIsRefusedWithExit3AndNothingWritten) {
    const test_support::TempDirectory temp("cartsim-checkpoint-values");
    const fs::path scenario =
        test_support::write_small_scenario(temp.path() / "small.toml", {.snapshot_every_days = 0});
    const fs::path good = temp.path() / "good.h5";
    ASSERT_EQ(test_support::run_cartsim_once(
                  {{"run", scenario.string(), "-o", good.string(), "--days", "0.5", "--quiet"},
                   temp.path() / "err.txt"})
                  .exit_status,
              0);
    // The undamaged file resumes: the damages below are what makes resume fail.
    {
        const fs::path copy = temp.path() / "undamaged.h5";
        fs::copy_file(good, copy);
        EXPECT_EQ(
            test_support::run_cartsim_once(
                {{"resume", copy.string(), "--days", "0.6", "--quiet"}, temp.path() / "err.txt"})
                .exit_status,
            0);
    }
    int case_number = 0;
    for (const Damage& damage : damages()) {
        const fs::path directory = temp.path() / std::to_string(case_number++);
        fs::create_directories(directory);
        const fs::path file = directory / "run.h5";
        fs::copy_file(good, file);
        damage.apply(file);
        const std::string before = read_bytes(file);
        const test_support::CartsimExit resumed = test_support::run_cartsim_once(
            {{"resume", file.string(), "--days", "0.6", "--quiet"}, temp.path() / "err.txt"});
        EXPECT_EQ(resumed.exit_status, cli::kExitOutputProblem)
            << damage.name << ": " << resumed.err;
        EXPECT_NE(resumed.err.find(file.string()), std::string::npos)
            << damage.name << ": " << resumed.err;
        if (!damage.named_in_message.empty()) {
            EXPECT_NE(resumed.err.find(damage.named_in_message), std::string::npos)
                << damage.name << ": " << resumed.err;
        }
        EXPECT_TRUE(read_bytes(file) == before) << damage.name << ": the run file changed";
        std::size_t entries = 0;
        for (const auto& entry : fs::directory_iterator(directory)) {
            const std::string name = entry.path().filename().string();
            if (name != "run.h5" && name != "run.h5.lock")
                ADD_FAILURE() << damage.name << ": left " << name;
            ++entries;
        }
        EXPECT_GE(entries, 1U);
    }
}

}  // namespace
}  // namespace cartsim
