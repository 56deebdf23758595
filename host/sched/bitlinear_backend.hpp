// The scheduler seam: a device that computes BitLinear's integer product.
//
// The forward pass quantises activations, asks the weight's device for
//   Y[M x N] (int32) = X[M x K] (int8) * W^T        (W ternary, N x K)
// and rescales on the CPU. Each device says which weights it takes (supports), gets each
// accepted weight once at load time (prepare: upload/repack from Matrix::row_codes and the row
// scales) and is then called per op. The CPU device takes every per-row-scaled ternary
// weight; an accelerator device (a later issue) takes what fits it, the rest stays on the CPU.
// Header only, so the model can call through it without linking a device.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "model/weight.hpp"

namespace trit::sched {

// Scheduling errors: unknown devices, weights no device accepts.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class BitLinearBackend {
 public:
  virtual ~BitLinearBackend() = default;
  virtual std::string_view name() const = 0;
  // Whether `w` can run here. Never true for a matrix that is not offloadable().
  virtual bool supports(const model::Matrix& w) const = 0;
  // Once per accepted weight, before the first gemm.
  virtual void prepare(const model::Matrix& w) = 0;
  // X: int8 [M][K] (row stride K), Y: int32 [M][N] (row stride N).
  virtual void gemm(const model::Matrix& w, const int8_t* X, int64_t M, int32_t* Y) = 0;
};

}  // namespace trit::sched
