#pragma once
// Parameters of the clinical readouts (thresholds of response). Ranges,
// descriptions and sources are in the parameter table (scenarios/model_parameters.cpp).

namespace cartsim::agents {

struct ReadoutParameters {
    double cr_blast_fraction = 0.05;
    double mrd_blast_fraction = 1e-4;
    double response_assessment_day = 28.0;     ///< remission is provisional until this day
    double b_cell_aplasia_fraction = 0.1;      ///< B cells below this share of day-0 count
    double cd19_dim_molecules = 2000.0;        ///< blasts below this CD19 density count as dim
    double cart_detection_limit_per_ul = 0.1;  ///< blood CAR-T detection limit (flow cytometry)
    double contraction_window_days = 21.0;     ///< contraction half-life: fit over Tmax + this
    double persistence_from_day = 84.0;        ///< persistence half-life: fit from this day on
};

}  // namespace cartsim::agents
