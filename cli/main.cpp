// cartsim: command line entry point.

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <string>

#include "cli/version.hpp"

int main(int argc, char** argv) {
    CLI::App app{
        "cartsim: agent-based simulation of CD19 CAR-T cell therapy in relapsed/"
        "refractory B-cell acute lymphoblastic leukemia"};
    app.set_version_flag("--version", std::string("cartsim ") + cartsim::kVersion + " (" +
                                          cartsim::kGitCommit + ")");
    app.footer(
        "The simulation commands (run, resume, validate, info) arrive with the model; until then\n"
        "`cartsim-toy-demo` runs the engine's reference walker model.");
    CLI11_PARSE(app, argc, argv);
    if (argc == 1) {
        spdlog::info("nothing to do; see cartsim --help");
    }
    return 0;
}
