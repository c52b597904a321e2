#pragma once
// Cytokines as a table of named fields. Each field is a diffusion-decay field over the marrow
// (engine::DiffusionField) plus a serum level for the whole body: decay in the marrow stands
// for local clearance and drainage into blood; the drained amount, scaled from this marrow
// share to the whole marrow, feeds a one-compartment serum model with first-order clearance.
// Fields differ only in their parameters and their sources (agents/cytokines/sources.hpp).
// Adding a cytokine: its parameters, one entry in cytokine_field_specs() and its source.

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agents/cytokines/parameters.hpp"
#include "engine/diffusion_field.hpp"
#include "engine/lattice.hpp"
#include "engine/model_state.hpp"

namespace cartsim::agents {

/// One table entry: what distinguishes a cytokine.
struct CytokineFieldSpec {
    std::string name;   ///< short name of datasets and state: "il6"
    std::string label;  ///< name in messages: "IL-6"
    double diffusion_um2_per_min = 0.0;
    double decay_per_min = 0.0;  ///< local clearance and drainage into blood
    double systemic_clearance_per_day = 0.0;
    /// Sources may release amounts at once (lysis) between updates: those are then state.
    bool takes_pulses = false;
};

/// The shipped table: IFN-g and IL-6.
std::vector<CytokineFieldSpec> cytokine_field_specs(const CytokineParameters& parameters);

class CytokineField {
  public:
    CytokineField(CytokineFieldSpec spec, const engine::Lattice& lattice, int coarsening,
                  double site_edge_um);

    const std::string& name() const { return spec_.name; }
    const std::string& label() const { return spec_.label; }
    const CytokineFieldSpec& spec() const { return spec_; }
    const engine::DiffusionField& field() const { return field_; }
    engine::DiffusionField& field_mutable() { return field_; }
    double serum_pg_per_ml() const { return serum_pg_per_ml_; }
    double marrow_mean_pg_per_ml() const { return field_.mean(); }
    /// Amounts released since the last update, per field cell (empty unless takes_pulses).
    std::span<const double> pending_release_pg() const { return release_pg_; }

    /// Sources, from sequential code before the next update: a production rate (pg/min) in a
    /// field cell, or (takes_pulses only) an amount released at once at a site (pg).
    void add_secretion_at_cell(std::size_t cell, double pg_per_min) {
        secretion_pg_per_min_[cell] += pg_per_min;
    }
    void add_release_at_site(engine::SiteIndex site, double pg);
    /// `count` releases of `pg` each in one field cell: the same bits as `count` calls of
    /// add_release_at_site there (the same amount added one at a time), so lyses counted
    /// elsewhere (other ranks) add up as if they had been released here.
    void add_releases_at_cell(std::size_t cell, std::uint64_t count, double pg);
    /// Forgets the releases since the last update (a field used as a counter).
    void clear_releases() { std::fill(release_pg_.begin(), release_pg_.end(), 0.0); }

    /// The state (engine/model_state.hpp): values, pending releases, serum level.
    template <class Self, class Visitor>
    static void visit_state(Self& self, Visitor& visitor) {
        if constexpr (std::is_const_v<Self>) {
            visitor.array(engine::StateEntry{"cytokines", self.spec_.name, "pg/mL"},
                          self.field_.values());
        } else {
            visitor.array(engine::StateEntry{"cytokines", self.spec_.name, "pg/mL"},
                          self.field_.values_mutable());
        }
        if (self.spec_.takes_pulses) {
            visitor.array(engine::StateEntry{"cytokines", self.release_state_name_, "pg"},
                          std::span(self.release_pg_));
        }
        visitor.scalar(engine::StateEntry{"cytokines", self.serum_state_name_, "pg/mL"},
                       self.serum_pg_per_ml_);
    }

  private:
    friend class CytokineTable;

    CytokineFieldSpec spec_;
    engine::DiffusionField field_;
    std::string release_state_name_;            // "<name>_release"
    std::string serum_state_name_;              // "serum_<name>_pg_per_ml"
    std::vector<double> secretion_pg_per_min_;  // per field cell, until the next update
    // Per field cell, since the last update. Only lysis releases today, each the same amount
    // (pg per lysis), so a cell's total depends on the number of lyses, never on their order.
    std::vector<double> release_pg_;
    double serum_pg_per_ml_ = 0.0;
};

class CytokineTable {
  public:
    /// Throws std::invalid_argument for two fields of one name.
    CytokineTable(const engine::Lattice& lattice, const CytokineParameters& parameters,
                  double site_edge_um, double marrow_share, std::vector<CytokineFieldSpec> specs);

    std::span<CytokineField> fields() { return fields_; }
    std::span<const CytokineField> fields() const { return fields_; }
    /// The field of this name; throws std::out_of_range naming it if there is none.
    CytokineField& operator[](std::string_view name);
    const CytokineField& operator[](std::string_view name) const;
    /// All fields share one grid.
    std::size_t field_cell_count() const { return fields_.front().field().cell_count(); }
    std::size_t field_cell_of_site(engine::SiteIndex site) const {
        return fields_.front().field().cell_of_site(site);
    }

    /// Turns the sources added since the last update into the fields' source terms, steps every
    /// field by dt (side by side), then the serum levels. Throws NumericalError naming the field
    /// for a non-finite value.
    void update(double dt_min);

    template <class Self, class Visitor>
    static void visit_state(Self& self, Visitor& visitor) {
        for (auto& field : self.fields_) {
            CytokineField::visit_state(field, visitor);
        }
    }

  private:
    double plasma_volume_ml_;
    double marrow_share_;
    std::vector<CytokineField> fields_;
};

}  // namespace cartsim::agents
