// The CPU BitLinear device: decodes ternary codes row by row from the mapped file (no
// expanded copy of the weights) and runs the kernels' int8 x ternary GEMM, in parallel over
// output rows.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "kernels/thread_pool.hpp"
#include "sched/bitlinear_backend.hpp"

namespace trit::sched {

class CpuBackend final : public BitLinearBackend {
 public:
  explicit CpuBackend(kernels::ThreadPool& pool) : pool_(pool) {}
  std::string_view name() const override { return "cpu"; }
  bool supports(const model::Matrix& w) const override { return w.offloadable(); }
  void prepare(const model::Matrix&) override {}
  void gemm(const model::Matrix& w, const int8_t* X, int64_t M, int32_t* Y) override;

  // CPU-only path for matrices whose block scales differ within a row (TernaryScale::PerBlock):
  // Y[m][n] = sum_b (int32 partial of block b) * d_b / s_x[m], in float.
  void gemm_blockwise(const model::Matrix& w, const int8_t* X, const float* x_scales, int64_t M, float* Y);

 private:
  kernels::ThreadPool& pool_;
};

}  // namespace trit::sched
