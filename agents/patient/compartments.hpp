#pragma once
// The patient outside the lattice window: whole-patient compartments that hold everything the
// window does not (docs/MODEL.md "Patient scale"). CAR-T cells in blood, in lymphoid tissues
// (spleen, lymph nodes: the distribution phase) and in the rest of the marrow, binned by state
// and exhaustion; the rest of the marrow's blasts by phenotype and its normal B cells; the
// endogenous lymphocytes that lymphodepletion removes. All counts are whole cells of the patient.

#include <array>
#include <cstdint>
#include <span>

#include "agents/car_t/pool.hpp"
#include "agents/patient/phenotype.hpp"
#include "engine/model_state.hpp"

namespace cartsim::agents {

struct PatientCompartments {
    CarTPool blood;        ///< the patient's blood
    CarTPool lymphoid;     ///< spleen and lymph nodes (antigen: their blasts)
    CarTPool rest_marrow;  ///< the marrow outside the window (mean-field)
    std::array<std::uint64_t, kBlastPhenotypeCount> rest_blasts{};  ///< by BlastPhenotype
    std::uint64_t rest_b_cells = 0;
    /// Blasts in the sanctuary (CNS, extramedullary) by BlastPhenotype: not marrow, so not in
    /// the marrow blast fraction; they seed the marrow.
    std::array<std::uint64_t, kBlastPhenotypeCount> sanctuary_blasts{};
    /// Blasts in spleen and lymph nodes by BlastPhenotype (extramedullary, not in the marrow
    /// blast fraction): met by the lymphoid CAR-T cells; they seed the marrow.
    std::array<std::uint64_t, kBlastPhenotypeCount> lymphoid_blasts{};
    std::uint64_t rest_kills_blasts = 0;  ///< cumulative, by CAR-T cells of the rest
    std::uint64_t rest_kills_b_cells = 0;
    /// Cumulative: resting and memory CAR-T cells of the compartments that bound a target and
    /// became effectors (their first activation, or a memory cell's recall); drives CRS.
    std::uint64_t car_t_activations = 0;
    double endogenous_lymphocytes = 1.0;  ///< share of normal counts

    std::uint64_t rest_blast_total() const {
        std::uint64_t sum = 0;
        for (const auto c : rest_blasts) sum += c;
        return sum;
    }

    template <class Self, class Visitor>
    static void visit_state(Self& self, Visitor& visitor) {
        visitor.array(engine::StateEntry{"patient", "blood_car_t", "cells"}, self.blood.counts());
        visitor.array(engine::StateEntry{"patient", "lymphoid_car_t", "cells"},
                      self.lymphoid.counts());
        visitor.array(engine::StateEntry{"patient", "rest_marrow_car_t", "cells"},
                      self.rest_marrow.counts());
        visitor.array(engine::StateEntry{"patient", "rest_blasts", "cells"},
                      std::span(self.rest_blasts));
        visitor.array(engine::StateEntry{"patient", "sanctuary_blasts", "cells"},
                      std::span(self.sanctuary_blasts));
        visitor.array(engine::StateEntry{"patient", "lymphoid_blasts", "cells"},
                      std::span(self.lymphoid_blasts));
        visitor.scalar(engine::StateEntry{"patient", "rest_b_cells", "cells"}, self.rest_b_cells);
        visitor.scalar(engine::StateEntry{"patient", "rest_kills_blasts", "cells"},
                       self.rest_kills_blasts);
        visitor.scalar(engine::StateEntry{"patient", "rest_kills_b_cells", "cells"},
                       self.rest_kills_b_cells);
        visitor.scalar(engine::StateEntry{"patient", "car_t_activations", "cells"},
                       self.car_t_activations);
        visitor.scalar(engine::StateEntry{"patient", "endogenous_lymphocytes", "1"},
                       self.endogenous_lymphocytes);
    }
};

}  // namespace cartsim::agents
