#pragma once
// NumericalError: a NaN or an infinity appeared in the model's state (a field, a serum level). The
// model names the quantity and the step, and stops rather than writing garbage.

#include <stdexcept>

namespace cartsim::agents {

class NumericalError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace cartsim::agents
