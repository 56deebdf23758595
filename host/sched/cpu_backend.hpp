// The CPU BitLinear device: at prepare() each ternary weight is repacked once into the layout
// the kernels read fastest (kernels/ternary_gemm.hpp: 16-row groups, 2-bit codes, or 1.6-bit
// base-3 codes for 1.6-bit files on CPUs that decode them natively), kept with the Matrix, and
// the file pages it came from are released so memory stays about the file size. gemm() runs
// the dispatched packed kernel in parallel over row groups.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernels/thread_pool.hpp"
#include "sched/bitlinear_backend.hpp"

namespace trit::sched {

class CpuBackend final : public BitLinearBackend {
 public:
  explicit CpuBackend(kernels::ThreadPool& pool) : pool_(pool) {}
  std::string_view name() const override { return "cpu"; }
  std::string unsupported(const model::Matrix& w) const override { return w.not_offloadable_reason(); }
  // Repacks `w` (once per matrix and layout; cheap when already done).
  void prepare(const model::Matrix& w) override;
  // Prepares `w` first if that was not done.
  void gemm(const model::Matrix& w, const int8_t* X, int64_t M, int32_t* Y) override;

  // The group in one parallel loop over all its row groups (one thread hand-off instead of one
  // per matrix), each output rescaled inside the loop by the kernels' epilogue, bit-identical to
  // kernels::rescale_i32 of gemm()'s result. The matrices' ternary types may differ.
  void run(std::span<const Job> jobs, const int8_t* X, const float* x_scale, int64_t M) override;

  // CPU-only path for matrices whose block scales differ within a row (TernaryScale::PerBlock):
  // Y[m][n] = sum_b (int32 partial of block b) * d_b / s_x[m], in float.
  void gemm_blockwise(const model::Matrix& w, const int8_t* X, const float* x_scales, int64_t M, float* Y);

  // Bytes of packed weights this device holds for `w` (0 if not prepared).
  static size_t packed_bytes(const model::Matrix& w);

 private:
  struct Packed;
  std::shared_ptr<const Packed> packed(const model::Matrix& w);
  struct PackedJob {  // one packed matrix of a parallel loop, with its int32 or its rescaled output
    const Packed* p;
    int32_t* y_int;
    float* y;
  };
  void run_packed(std::span<const PackedJob> jobs, int64_t K, const int8_t* X, int64_t M, const float* x_scale);

  kernels::ThreadPool& pool_;
  std::vector<int8_t> x_pad_;   // [M][K padded] activations as the kernels read them
  std::vector<int32_t> x_sum_;  // [M]
};

}  // namespace trit::sched
