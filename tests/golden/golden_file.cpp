#include "golden_file.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cartsim::golden {
namespace {

std::string shortest(double value) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::vector<std::string> split(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> tokens;
    for (std::string token; in >> token;) tokens.push_back(token);
    return tokens;
}

template <class T>
T parse(const std::string& token, const std::filesystem::path& path, std::size_t line, int base) {
    T value{};
    const char* end = token.data() + token.size();
    std::from_chars_result result;
    if constexpr (std::is_floating_point_v<T>) {
        if (token == "nan") return std::numeric_limits<T>::quiet_NaN();
        result = std::from_chars(token.data(), end, value);
    } else {
        result = std::from_chars(token.data(), end, value, base);
    }
    if (result.ec != std::errc() || result.ptr != end) {
        throw std::runtime_error(
            fmt::format("{}:{}: '{}' is not a number", path.string(), line, token));
    }
    return value;
}

}  // namespace

void write_golden(const std::filesystem::path& path, const GoldenRecord& record) {
    std::ofstream out(path);
    out << "# " << record.title << "\n";
    out << "# Golden record of cartsim (tests/golden): rewrite with `make update-golden` only "
           "when\n"
           "# a change is meant to change results, and say so in the commit message.\n";
    out << "step state_hash";
    for (const std::string& name : record.names) out << ' ' << name;
    out << '\n';
    for (const GoldenRow& row : record.rows) {
        out << row.step << ' ' << fmt::format("{:016x}", row.state_hash);
        for (const double v : row.values) out << ' ' << (std::isnan(v) ? "nan" : shortest(v));
        out << '\n';
    }
    if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

GoldenRecord read_golden(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    GoldenRecord record;
    bool have_header = false;
    std::size_t number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        if (line.empty()) continue;
        if (line[0] == '#') {
            if (record.title.empty())
                record.title = line.substr(std::min<std::size_t>(2, line.size()));
            continue;
        }
        const std::vector<std::string> tokens = split(line);
        if (!have_header) {
            if (tokens.size() < 2 || tokens[0] != "step" || tokens[1] != "state_hash") {
                throw std::runtime_error(fmt::format(
                    "{}:{}: expected the header 'step state_hash ...'", path.string(), number));
            }
            record.names.assign(tokens.begin() + 2, tokens.end());
            have_header = true;
            continue;
        }
        if (tokens.size() != record.names.size() + 2) {
            throw std::runtime_error(fmt::format("{}:{}: {} values, the header names {}",
                                                 path.string(), number, tokens.size(),
                                                 record.names.size() + 2));
        }
        GoldenRow row;
        row.step = parse<std::uint64_t>(tokens[0], path, number, 10);
        row.state_hash = parse<std::uint64_t>(tokens[1], path, number, 16);
        for (std::size_t k = 2; k < tokens.size(); ++k) {
            row.values.push_back(parse<double>(tokens[k], path, number, 10));
        }
        record.rows.push_back(std::move(row));
    }
    if (!have_header) throw std::runtime_error(path.string() + ": no header line");
    return record;
}

std::vector<std::string> golden_differences(const GoldenRecord& stored, const GoldenRecord& fresh,
                                            bool compare_hashes, double relative_tolerance,
                                            std::size_t limit) {
    std::vector<std::string> out;
    auto note = [&](std::string text) {
        if (out.size() < limit) out.push_back(std::move(text));
    };
    if (stored.names != fresh.names) {
        note(fmt::format("columns differ: stored [{}], now [{}]", fmt::join(stored.names, " "),
                         fmt::join(fresh.names, " ")));
        return out;
    }
    if (stored.rows.size() != fresh.rows.size()) {
        note(fmt::format("{} rows stored, {} now", stored.rows.size(), fresh.rows.size()));
    }
    const std::size_t rows = std::min(stored.rows.size(), fresh.rows.size());
    for (std::size_t r = 0; r < rows; ++r) {
        const GoldenRow& a = stored.rows[r];
        const GoldenRow& b = fresh.rows[r];
        if (a.step != b.step) {
            note(fmt::format("row {}: step {} stored, {} now", r, a.step, b.step));
            continue;
        }
        if (compare_hashes && a.state_hash != b.state_hash) {
            note(fmt::format("step {}: state hash {:016x} stored, {:016x} now", a.step,
                             a.state_hash, b.state_hash));
        }
        for (std::size_t k = 0; k < a.values.size(); ++k) {
            const double x = a.values[k];
            const double y = b.values[k];
            if (std::isnan(x) && std::isnan(y)) continue;
            const bool equal =
                relative_tolerance == 0.0
                    ? x == y
                    : std::abs(x - y) <= relative_tolerance * std::max(std::abs(x), std::abs(y));
            if (!equal) {
                note(fmt::format("step {}: {} = {} stored, {} now", a.step, stored.names[k],
                                 shortest(x), shortest(y)));
            }
        }
    }
    return out;
}

}  // namespace cartsim::golden
