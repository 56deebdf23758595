#pragma once
// Every failure of the energy model is an EnergyError: a table or counts file that cannot be read
// or is malformed (the message names the file and the key), an impossible configuration, or a
// question the inputs cannot answer (static energy without a clock).

#include <stdexcept>

namespace trit::energy {

class EnergyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace trit::energy
