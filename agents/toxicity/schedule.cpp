#include "agents/toxicity/schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace cartsim::agents {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(separator, start);
        parts.push_back(trim(text.substr(start, end - start)));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return parts;
}

double number(std::string_view text, std::string_view what, std::string_view entry) {
    double value = 0.0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() ||
        !std::isfinite(value)) {
        throw ScheduleError(fmt::format("entry '{}': {} '{}' is not a number", entry, what, text));
    }
    return value;
}

void check_day(double day, double horizon_days, std::string_view entry) {
    if (day < 0.0) {
        throw ScheduleError(
            fmt::format("entry '{}': day {:g} is negative (days count from the "
                        "first infusion, day 0)",
                        entry, day));
    }
    if (day > horizon_days) {
        throw ScheduleError(
            fmt::format("entry '{}': day {:g} is past the run's end (time.days = "
                        "{:g})",
                        entry, day, horizon_days));
    }
}

// Checked before a course is expanded, so "1..1e9/1h" is refused without allocating.
void check_dose_count(std::size_t doses_after_entry, std::string_view entry) {
    if (doses_after_entry > kMaxScheduledDoses) {
        throw ScheduleError(fmt::format("entry '{}': the schedule would hold more than {} doses",
                                        entry, kMaxScheduledDoses));
    }
}

}  // namespace

std::vector<InfusionDose> parse_infusion_schedule(std::string_view text, double horizon_days) {
    std::vector<InfusionDose> doses;
    if (trim(text).empty()) throw ScheduleError("no infusion: give at least one 'DAY:MULTIPLE'");
    for (const std::string_view entry : split(text, ',')) {
        const std::size_t colon = entry.find(':');
        if (colon == std::string_view::npos) {
            throw ScheduleError(
                fmt::format("entry '{}' is not 'DAY:MULTIPLE' (e.g. '0:0.1')", entry));
        }
        InfusionDose dose{number(trim(entry.substr(0, colon)), "day", entry),
                          number(trim(entry.substr(colon + 1)), "dose multiple", entry)};
        check_day(dose.day, horizon_days, entry);
        if (!(dose.dose_multiple > 0.0 && dose.dose_multiple <= 10.0)) {
            throw ScheduleError(
                fmt::format("entry '{}': dose multiple {:g} is outside (0, 10] "
                            "(a multiple of car_t.dose_cells)",
                            entry, dose.dose_multiple));
        }
        if (!doses.empty() && dose.day <= doses.back().day) {
            throw ScheduleError(
                fmt::format("entry '{}': day {:g} does not come after the previous "
                            "dose's day {:g} (doses overlap or are out of order)",
                            entry, dose.day, doses.back().day));
        }
        doses.push_back(dose);
    }
    return doses;
}

std::vector<DrugDose> parse_drug_schedule(std::string_view text, double horizon_days,
                                          const std::array<double, 2>& default_amount) {
    std::vector<DrugDose> doses;
    if (trim(text).empty()) return doses;
    for (const std::string_view entry : split(text, ',')) {
        const std::size_t at = entry.find('@');
        if (at == std::string_view::npos) {
            throw ScheduleError(fmt::format(
                "entry '{}' is not 'DRUG@DAY[:AMOUNT]' or 'DRUG@FIRST..LAST/EVERYh[:AMOUNT]'",
                entry));
        }
        const std::string_view name = trim(entry.substr(0, at));
        const auto found = std::find(kDrugNames.begin(), kDrugNames.end(), name);
        if (found == kDrugNames.end()) {
            throw ScheduleError(fmt::format("entry '{}': unknown drug '{}' (known: {})", entry,
                                            name, fmt::join(kDrugNames, ", ")));
        }
        const auto drug = static_cast<Drug>(found - kDrugNames.begin());
        const auto d = static_cast<std::size_t>(drug);
        std::string_view when = entry.substr(at + 1);
        double amount = default_amount[d];
        if (const std::size_t colon = when.find(':'); colon != std::string_view::npos) {
            amount = number(trim(when.substr(colon + 1)), "amount", entry);
            when = when.substr(0, colon);
        }
        if (!(amount > 0.0 && amount <= kDrugMaximumDose[d])) {
            throw ScheduleError(fmt::format("entry '{}': {} {:g} {} is outside (0, {:g}]", entry,
                                            name, amount, kDrugUnits[d], kDrugMaximumDose[d]));
        }
        const std::size_t range = when.find("..");
        if (range == std::string_view::npos) {
            const double day = number(trim(when), "day", entry);
            check_day(day, horizon_days, entry);
            check_dose_count(doses.size() + 1, entry);
            doses.push_back({drug, day, amount});
            continue;
        }
        const std::size_t slash = when.find('/', range);
        if (slash == std::string_view::npos || when.back() != 'h') {
            throw ScheduleError(
                fmt::format("entry '{}': a course is 'FIRST..LAST/EVERYh' (e.g. "
                            "'3..7/6h')",
                            entry));
        }
        const double first = number(trim(when.substr(0, range)), "first day", entry);
        const double last =
            number(trim(when.substr(range + 2, slash - range - 2)), "last day", entry);
        const double every_hours =
            number(trim(when.substr(slash + 1, when.size() - slash - 2)), "interval", entry);
        check_day(first, horizon_days, entry);
        check_day(last, horizon_days, entry);
        if (last < first) {
            throw ScheduleError(
                fmt::format("entry '{}': the course ends (day {:g}) before it starts (day {:g})",
                            entry, last, first));
        }
        if (!(every_hours >= kDrugMinimumSpacingHours[d])) {
            throw ScheduleError(
                fmt::format("entry '{}': doses every {:g} h overlap (at least {:g} "
                            "h apart for {})",
                            entry, every_hours, kDrugMinimumSpacingHours[d], name));
        }
        const auto count = static_cast<int>(std::floor((last - first) * 24.0 / every_hours + 1e-9));
        check_dose_count(doses.size() + static_cast<std::size_t>(count) + 1, entry);
        for (int k = 0; k <= count; ++k) {
            doses.push_back({drug, first + k * every_hours / 24.0, amount});
        }
    }
    std::stable_sort(doses.begin(), doses.end(), [](const DrugDose& a, const DrugDose& b) {
        return a.day != b.day ? a.day < b.day : a.drug < b.drug;
    });
    for (std::size_t d = 0; d < kDrugNames.size(); ++d) {
        double previous = -1e300;
        for (const DrugDose& dose : doses) {
            if (static_cast<std::size_t>(dose.drug) != d) continue;
            if ((dose.day - previous) * 24.0 < kDrugMinimumSpacingHours[d] - 1e-9) {
                throw ScheduleError(
                    fmt::format("{} doses on days {:g} and {:g} overlap (at least {:g} h apart)",
                                kDrugNames[d], previous, dose.day, kDrugMinimumSpacingHours[d]));
            }
            previous = dose.day;
        }
    }
    return doses;
}

}  // namespace cartsim::agents
