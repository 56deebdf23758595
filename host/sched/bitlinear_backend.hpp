// The scheduler seam: a device that computes BitLinear's integer product.
//
// The forward pass quantises activations to int8 (one scale per token row), and asks the
// weight's device for, per matrix W of a group that reads the same activations (q/k/v, gate/up,
// or one matrix alone):
//   acc[M x N] (int32) = X[M x K] (int8) * W^T        (W ternary, N x K)
//   y[m][n] = float(acc[m][n]) / x_scale[m] * w.row_scale(n)      (kernels::rescale_i32)
// Each device says which weights it takes (unsupported() gives the reason it does not), gets
// each accepted weight once at load time (prepare: upload/repack from Matrix::row_codes and the
// row scales) and is then called once per group: an accelerator makes one submission of it.
// Header only, so the forward pass can call through it without linking a device.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "model/weight.hpp"

namespace trit::sched {

// Scheduling errors: unknown devices, weights the chosen device cannot run.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class BitLinearBackend {
 public:
  virtual ~BitLinearBackend() = default;
  virtual std::string_view name() const = 0;
  // Empty when `w` can run here; otherwise why not, as a phrase that completes "cannot run on
  // <device>: ..." (e.g. "F32 weights are not ternary"). Never empty for a matrix that is not
  // offloadable().
  virtual std::string unsupported(const model::Matrix& w) const = 0;
  bool supports(const model::Matrix& w) const { return unsupported(w).empty(); }
  // Once per accepted weight, before the first run.
  virtual void prepare(const model::Matrix& w) = 0;

  struct Job {
    const model::Matrix* w;
    float* y;  // [M][w->rows()]
  };
  // Every job's matrix has X's K columns. X: int8 [M][K] (row stride K); x_scale: [M].
  virtual void run(std::span<const Job> jobs, const int8_t* X, const float* x_scale, int64_t M) = 0;
  // The integer product alone, Y: int32 [M][N] (row stride N): for tests and tools.
  virtual void gemm(const model::Matrix& w, const int8_t* X, int64_t M, int32_t* Y) = 0;
};

}  // namespace trit::sched
