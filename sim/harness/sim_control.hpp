#pragma once
// What a simulator backend offers beyond the driver's Backend boundary: the memory model (for
// error injection, stalls and protocol-violation reports) and free-running the clock. Tests and
// tools reach it with dynamic_cast<SimControl*>(&device.backend()).

#include <cstdint>

#include "axi_memory.hpp"

namespace trit::sim {

class SimControl {
 public:
  virtual ~SimControl() = default;
  virtual AxiMemory& axi() = 0;
  virtual void run(uint64_t cycles) = 0;
};

}  // namespace trit::sim
