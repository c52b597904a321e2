#pragma once
// Schedules written in the scenario file as text: the CAR-T infusions (car_t.infusion_schedule)
// and scheduled drug doses (interventions.schedule). Parsed once when the scenario is read
// (scenarios/ turns a ScheduleError into an error naming the file and key) and again when the
// model is built.

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cartsim::agents {

/// A schedule that cannot be used; what() says which entry and why.
class ScheduleError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

/// One infusion: on `day`, `dose_multiple` x car_t.dose_cells CAR-T cells into the blood.
struct InfusionDose {
    double day = 0.0;
    double dose_multiple = 1.0;
};

/// "DAY:MULTIPLE, DAY:MULTIPLE, ..." (e.g. "0:0.1, 1:0.3, 2:0.6", Frey et al., J Clin Oncol
/// 2020): days >= 0 and strictly increasing (two doses on one day overlap), multiples in
/// (0, 10]; every day at most `horizon_days` (the run's length).
std::vector<InfusionDose> parse_infusion_schedule(std::string_view text, double horizon_days);

enum class Drug : std::uint8_t { tocilizumab, dexamethasone };
inline constexpr std::array<std::string_view, 2> kDrugNames = {"tocilizumab", "dexamethasone"};
/// tocilizumab in mg/kg, dexamethasone in mg.
inline constexpr std::array<std::string_view, 2> kDrugUnits = {"mg/kg", "mg"};
/// Doses of one drug closer than this are refused as overlapping (hours).
inline constexpr std::array<double, 2> kDrugMinimumSpacingHours = {8.0, 1.0};
/// The largest single dose accepted (tocilizumab: 12 mg/kg; dexamethasone: 100 mg).
inline constexpr std::array<double, 2> kDrugMaximumDose = {12.0, 100.0};

/// A schedule expanding into more single doses than this is refused (a bound on memory for any
/// text; a year of dexamethasone every hour is 8,760).
inline constexpr std::size_t kMaxScheduledDoses = 100'000;

struct DrugDose {
    Drug drug = Drug::tocilizumab;
    double day = 0.0;
    double amount = 0.0;  ///< in kDrugUnits
};

/// Comma-separated entries "DRUG@DAY[:AMOUNT]" or a course "DRUG@FIRST..LAST/EVERYh[:AMOUNT]"
/// (e.g. "tocilizumab@2, dexamethasone@3..7/6h:10"); an entry without an amount takes
/// `default_amount` of its drug. Expanded into single doses sorted by day (drug order within a
/// day). Refuses unknown drugs, negative days, days past `horizon_days`, amounts outside
/// (0, kDrugMaximumDose], doses of one drug closer than kDrugMinimumSpacingHours and more than
/// kMaxScheduledDoses doses.
std::vector<DrugDose> parse_drug_schedule(std::string_view text, double horizon_days,
                                          const std::array<double, 2>& default_amount);

}  // namespace cartsim::agents
