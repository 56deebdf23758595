// The Q8 head kernels: weights quantised per 32 columns (Q8_0's numbers), activations likewise,
// exact integer block sums. The scalar reference against a double-precision evaluation of the
// same quantised numbers; every variant bit-identical to the reference (q8_gemm.hpp fixes the
// float order); batch rows equal single rows; Q8_0 blocks are taken exactly as stored.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/detail/kernel_table.hpp"
#include "kernels/q8_gemm.hpp"
#include "test_seed.hpp"

using namespace trit::kernels;

namespace {

// The quantised numbers back as doubles: w[n][k] = dw * q.
double weight(const Q8Matrix& w, int64_t n, int64_t k) {
  return static_cast<double>(detail::half_to_float(w.scale_bits(n, k / kQ8Block))) * w.weight(n, k);
}

}  // namespace

TEST(Q8Kernels, QuantisationIsCloseAndEveryVariantMatchesTheReference) {
  std::mt19937_64 rng(trit::testing::test_seed());
  std::normal_distribution<float> normal(0.0f, 0.05f);
  const Variant saved = active_variant();
  int nv = 0;
  const Variant* variants = available_variants(&nv);
  for (int64_t K : {1, 31, 32, 33, 64, 65, 100, 2560}) {
    const int64_t N = 39, M = 6;  // two full 16-row groups and a partial one; 4-row batches and a tail
    std::vector<float> wf(static_cast<size_t>(N * K)), x(static_cast<size_t>(M * K));
    for (auto& v : wf) v = normal(rng);
    for (auto& v : x) v = normal(rng) * 20.0f;
    Q8Matrix w(N, K);
    for (int64_t n = 0; n < N; ++n) w.set_row(n, wf.data() + n * K);
    // Weights within half a quantisation step of the floats, or (where the fp16-rounded scale
    // makes the block's largest value clamp at 127) within that rounding.
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) {
        const int64_t b = k / kQ8Block;
        float amax = 0;
        for (int64_t i = b * kQ8Block; i < std::min(K, (b + 1) * kQ8Block); ++i) amax = std::max(amax, std::fabs(wf[static_cast<size_t>(n * K + i)]));
        const double d = detail::half_to_float(w.scale_bits(n, b));
        ASSERT_NEAR(weight(w, n, k), wf[static_cast<size_t>(n * K + k)], 0.5 * d + std::fabs(127 * d - amax) + 1e-9);
      }
    Q8Activations acts;
    acts.quantize(x.data(), M, K, K, w.cols_padded());
    const Q8Input& in = acts.input();
    std::vector<float> ref(static_cast<size_t>(M * N));
    gemm_q8_ref(w, 0, w.groups(), in, ref.data(), N);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        // Double evaluation of the quantised operands.
        double e = 0, mag = 0;
        for (int64_t k = 0; k < w.cols_padded(); ++k) {
          const double xv = static_cast<double>(in.d[m * (in.kp / kQ8Block) + k / kQ8Block]) * in.q[m * in.kp + k];
          e += weight(w, n, k) * xv;
          mag += std::fabs(weight(w, n, k) * xv);
        }
        ASSERT_NEAR(ref[static_cast<size_t>(m * N + n)], e, 1e-6 * mag + 1e-12) << "K=" << K;
      }
    for (int vi = 0; vi < nv; ++vi) {
      set_active_variant(variants[vi]);
      std::vector<float> got(static_cast<size_t>(M * N));
      gemm_q8(w, 0, w.groups(), in, got.data(), N);
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(got[i], ref[i]) << variant_name(variants[vi]) << " K=" << K << " i=" << i;
      // A row alone, and a group range, give the batch's numbers exactly.
      Q8Activations one;
      one.quantize(x.data() + 3 * K, 1, K, K, w.cols_padded());
      std::vector<float> y1(static_cast<size_t>(N), -1.0f);
      gemm_q8(w, 1, 3, one.input(), y1.data(), N);
      for (int64_t n = 0; n < N; ++n)
        ASSERT_EQ(y1[static_cast<size_t>(n)], n >= 16 ? got[static_cast<size_t>(3 * N + n)] : -1.0f)
            << variant_name(variants[vi]) << " n=" << n;
    }
  }
  set_active_variant(saved);
}

TEST(Q8Kernels, Q8_0BlocksAreTakenExactly) {
  // One row of two Q8_0 blocks: d = 0.5 and 2.0 (fp16), q = -128..127 pattern.
  std::vector<uint8_t> blocks(2 * 34);
  const uint16_t d0 = 0x3800, d1 = 0x4000;
  std::memcpy(&blocks[0], &d0, 2);
  std::memcpy(&blocks[34], &d1, 2);
  for (int i = 0; i < 32; ++i) {
    blocks[static_cast<size_t>(2 + i)] = static_cast<uint8_t>(static_cast<int8_t>(i * 8 - 128));
    blocks[static_cast<size_t>(36 + i)] = static_cast<uint8_t>(static_cast<int8_t>(127 - i * 3));
  }
  Q8Matrix w(1, 64);
  w.set_row_q8_0(0, blocks.data());
  for (int k = 0; k < 64; ++k) {
    const double expect = k < 32 ? 0.5 * (k * 8 - 128) : 2.0 * (127 - (k - 32) * 3);
    ASSERT_EQ(weight(w, 0, k), expect) << k;
  }
  // Codes of -128 (which Q8_0 allows and set_row never makes) on every variant.
  std::vector<float> x(64);
  for (int k = 0; k < 64; ++k) x[static_cast<size_t>(k)] = static_cast<float>((k * 37) % 19) - 9.0f;
  Q8Activations acts;
  acts.quantize(x.data(), 1, 64, 64, w.cols_padded());
  float ref = 0;
  gemm_q8_ref(w, 0, 1, acts.input(), &ref, 1);
  const Variant saved = active_variant();
  int nv = 0;
  const Variant* variants = available_variants(&nv);
  for (int vi = 0; vi < nv; ++vi) {
    set_active_variant(variants[vi]);
    float got = 0;
    gemm_q8(w, 0, 1, acts.input(), &got, 1);
    EXPECT_EQ(got, ref) << variant_name(variants[vi]);
  }
  set_active_variant(saved);
}
