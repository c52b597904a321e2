// cartsim-gen-param-docs [OUTPUT.md]: writes the parameter reference (docs/PARAMETERS.md of the
// source tree by default) from the model's parameter table. The test
// test_scenarios_model_parameters fails when the committed file differs from the table.

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "scenarios/model_parameters.hpp"

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    if (argc > 2 ||
        (argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help"))) {
        std::fprintf(stderr, "usage: %s [OUTPUT.md]  (default: %s)\n", argv[0],
                     CARTSIM_DEFAULT_PARAMETERS_MD);
        return argc > 2 ? 2 : 0;
    }
    const fs::path output = argc == 2 ? fs::path(argv[1]) : fs::path(CARTSIM_DEFAULT_PARAMETERS_MD);
    try {
        const std::string text = cartsim::scenarios::parameter_reference_markdown();
        // Write beside the target and rename, so a failed write never leaves half a file.
        const fs::path temporary = output.string() + ".partial";
        {
            std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
            out << text;
            out.close();
            if (!out) {
                std::fprintf(stderr, "cannot write %s\n", temporary.string().c_str());
                return 1;
            }
        }
        fs::rename(temporary, output);
        std::printf("wrote %s\n", output.string().c_str());
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "%s\n", error.what());
        return 1;
    }
}
