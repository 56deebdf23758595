#include "sched/cpu_backend.hpp"

#include <vector>

#include "kernels/ternary_gemm.hpp"

namespace trit::sched {

namespace {
// Weight rows decoded per kernel call: enough to reuse each activation row from cache, few
// enough that the int8 codes stay in L1 (16 x K bytes).
constexpr int64_t kRowsPerTile = 16;
}  // namespace

void CpuBackend::gemm(const model::Matrix& w, const int8_t* X, int64_t M, int32_t* Y) {
  const int64_t N = w.rows(), K = w.cols();
  pool_.parallel_for(0, N, kRowsPerTile, [&](int64_t n0, int64_t n1) {
    std::vector<int8_t> codes(static_cast<size_t>(kRowsPerTile * K));  // [tile][K]
    for (int64_t n = n0; n < n1; n += kRowsPerTile) {
      const int64_t nt = std::min(kRowsPerTile, n1 - n);
      for (int64_t i = 0; i < nt; ++i) w.row_codes(n + i, codes.data() + i * K);
      kernels::gemm_i8_ternary(M, nt, K, X, K, codes.data(), K, Y + n, N);
    }
  });
}

void CpuBackend::gemm_blockwise(const model::Matrix& w, const int8_t* X, const float* x_scales, int64_t M,
                                float* Y) {
  const int64_t N = w.rows(), K = w.cols(), B = w.scale_block();
  const int64_t n_blocks = K / B;
  pool_.parallel_for(0, N, 4, [&](int64_t n0, int64_t n1) {
    std::vector<int8_t> codes(static_cast<size_t>(K));
    std::vector<float> d(static_cast<size_t>(n_blocks));
    std::vector<int32_t> part(static_cast<size_t>(M));
    for (int64_t n = n0; n < n1; ++n) {
      w.row_codes(n, codes.data());
      w.row_block_scales(n, d.data());
      for (int64_t m = 0; m < M; ++m) Y[m * N + n] = 0;
      for (int64_t b = 0; b < n_blocks; ++b) {
        // One block of one weight row against every activation row: [M][1] int32.
        kernels::gemm_i8_ternary(M, 1, B, X + b * B, K, codes.data() + b * B, B, part.data(), 1);
        for (int64_t m = 0; m < M; ++m) Y[m * N + n] += static_cast<float>(part[static_cast<size_t>(m)]) * d[static_cast<size_t>(b)];
      }
      for (int64_t m = 0; m < M; ++m) Y[m * N + n] /= x_scales[m];
    }
  });
}

}  // namespace trit::sched
