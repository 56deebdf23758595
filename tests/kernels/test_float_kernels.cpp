// Float kernels on every variant: the activation quantiser bit-identical to its reference
// (it feeds the integer path), RMSNorm close to the double-precision reference, float GEMV/GEMM
// close to a double reference, identical across storage types for equal weights and independent
// of batch size and row range (so prefill rows equal decode rows).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/float_ops.hpp"
#include "test_seed.hpp"

using namespace trit::kernels;

namespace {

// Runs `body` once per available variant with that variant active.
template <typename F>
void for_each_variant(F&& body) {
  const Variant saved = active_variant();
  int n = 0;
  const Variant* all = available_variants(&n);
  for (int i = 0; i < n; ++i) {
    set_active_variant(all[i]);
    SCOPED_TRACE(std::string(variant_name(all[i])));
    body(all[i]);
  }
  set_active_variant(saved);
}

uint16_t to_fp16(float f) {  // exact for the fp16-representable values used below
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const int exp = static_cast<int>((u >> 23) & 0xff) - 127 + 15;
  if ((u & 0x7fffffffu) == 0) return static_cast<uint16_t>(sign);
  return static_cast<uint16_t>(sign | (static_cast<uint32_t>(exp) << 10) | ((u >> 13) & 0x3ffu));
}

}  // namespace

TEST(Quantiser, EveryVariantIsBitIdenticalToTheReference) {
  std::mt19937_64 rng(trit::testing::test_seed());
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<std::vector<float>> rows;
  for (int64_t n : {1, 2, 7, 8, 15, 16, 17, 31, 33, 100, 2560, 6912}) {
    std::vector<float> r(static_cast<size_t>(n));
    for (auto& v : r) v = normal(rng);
    rows.push_back(r);
  }
  // Exact ties after scaling: max 127 gives s = 1, so k + 0.5 rounds to even.
  std::vector<float> ties = {127.0f, 0.5f, 1.5f, 2.5f, -2.5f, -0.5f, 3.5f, -127.0f};
  for (int i = 0; i < 20; ++i) ties.push_back(static_cast<float>(i) - 9.5f);
  rows.push_back(ties);
  // NaN, infinities, zeros, subnormals, values below the 1e-5 floor.
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  rows.push_back({nan, 1.0f, -2.0f, nan, 0.25f, 3.0f, -3.0f, 1e-3f, nan, 0.0f, -0.0f, 2.0f, 1.0f, 1.0f, 1.0f, 1.0f, nan, 7.0f});
  rows.push_back({inf, 1.0f, -inf, 0.0f, 5.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, -1.0f});
  rows.push_back(std::vector<float>(40, 0.0f));
  rows.push_back(std::vector<float>(20, 1e-7f));
  rows.push_back(std::vector<float>(19, 1e-40f));
  for_each_variant([&](Variant) {
    for (const auto& r : rows) {
      const auto n = static_cast<int64_t>(r.size());
      std::vector<int8_t> ref(r.size()), got(r.size() + 1, 55);
      const float s_ref = quantize_row_i8_absmax_ref(r.data(), n, ref.data());
      const float s = quantize_row_i8_absmax(r.data(), n, got.data());
      EXPECT_EQ(std::memcmp(&s, &s_ref, 4), 0) << "n=" << n;
      EXPECT_EQ(std::vector<int8_t>(got.begin(), got.end() - 1), ref) << "n=" << n;
      EXPECT_EQ(got.back(), 55) << "wrote past the row, n=" << n;
    }
  });
}

TEST(RmsNorm, EveryVariantMatchesTheDoubleReference) {
  std::mt19937_64 rng(trit::testing::test_seed() + 1);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for_each_variant([&](Variant) {
    for (int64_t n : {1, 5, 16, 17, 100, 2560, 6913}) {
      std::vector<float> x(static_cast<size_t>(n)), w(static_cast<size_t>(n)), y(x.size()), yr(x.size());
      for (auto& v : x) v = normal(rng);
      for (auto& v : w) v = 0.8f + 0.4f * static_cast<float>(rng() % 1000) / 1000.0f;
      rms_norm_ref(x.data(), w.data(), yr.data(), n, 1e-5f);
      rms_norm(x.data(), w.data(), y.data(), n, 1e-5f);
      for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(y[static_cast<size_t>(i)], yr[static_cast<size_t>(i)], 2e-6f * std::fabs(yr[static_cast<size_t>(i)]) + 1e-30f);
      // In place, and without a weight.
      std::vector<float> z = x;
      rms_norm(z.data(), nullptr, z.data(), n, 1e-5f);
      rms_norm_ref(x.data(), nullptr, yr.data(), n, 1e-5f);
      for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(z[static_cast<size_t>(i)], yr[static_cast<size_t>(i)], 2e-6f * std::fabs(yr[static_cast<size_t>(i)]) + 1e-30f);
    }
  });
}

TEST(FloatGemm, AccurateTypeIndependentAndBatchIndependent) {
  std::mt19937_64 rng(trit::testing::test_seed() + 2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for_each_variant([&](Variant) {
    for (int64_t K : {1, 7, 15, 16, 17, 31, 32, 33, 47, 48, 49, 100, 2560}) {
      const int64_t N = 37, M = 9;
      // fp16-representable weights (also exact in bf16 when the mantissa is short): store the
      // same numbers as F32, F16 and BF16.
      std::vector<float> wf(static_cast<size_t>(N * K));
      for (auto& v : wf) {
        const float r = std::ldexp(static_cast<float>(static_cast<int>(rng() % 255) - 127), -static_cast<int>(rng() % 8) - 4);
        v = r;  // at most 8 significant bits: exact in fp16 and bf16
      }
      std::vector<uint8_t> w32(wf.size() * 4), w16(wf.size() * 2), wb16(wf.size() * 2);
      for (size_t i = 0; i < wf.size(); ++i) {
        std::memcpy(&w32[4 * i], &wf[i], 4);
        const uint16_t h = to_fp16(wf[i]);
        std::memcpy(&w16[2 * i], &h, 2);
        uint32_t u;
        std::memcpy(&u, &wf[i], 4);
        const auto b = static_cast<uint16_t>(u >> 16);
        std::memcpy(&wb16[2 * i], &b, 2);
      }
      std::vector<float> x(static_cast<size_t>(M * K));
      for (auto& v : x) v = normal(rng);
      std::vector<float> y32(static_cast<size_t>(M * N)), y16(y32.size()), yb(y32.size());
      gemm_float(FloatType::F32, w32.data(), K * 4, 0, N, K, x.data(), K, M, y32.data(), N);
      gemm_float(FloatType::F16, w16.data(), K * 2, 0, N, K, x.data(), K, M, y16.data(), N);
      gemm_float(FloatType::BF16, wb16.data(), K * 2, 0, N, K, x.data(), K, M, yb.data(), N);
      ASSERT_EQ(y16, y32) << "K=" << K;
      ASSERT_EQ(yb, y32) << "K=" << K;
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n) {
          double e = 0, mag = 0;
          for (int64_t k = 0; k < K; ++k) {
            e += static_cast<double>(wf[static_cast<size_t>(n * K + k)]) * x[static_cast<size_t>(m * K + k)];
            mag += std::fabs(static_cast<double>(wf[static_cast<size_t>(n * K + k)]) * x[static_cast<size_t>(m * K + k)]);
          }
          ASSERT_NEAR(y32[static_cast<size_t>(m * N + n)], e, 1e-6 * mag + 1e-30) << "K=" << K;
        }
      // One row alone, and a sub-range of rows, give the batch's numbers exactly.
      for (int64_t m = 0; m < M; ++m) {
        std::vector<float> one(static_cast<size_t>(N), -1.0f);
        gemm_float(FloatType::F16, w16.data(), K * 2, 3, 29, K, x.data() + m * K, K, 1, one.data(), N);
        for (int64_t n = 0; n < N; ++n) {
          if (n >= 3 && n < 29) {
            ASSERT_EQ(one[static_cast<size_t>(n)], y32[static_cast<size_t>(m * N + n)]) << "K=" << K << " m=" << m;
          } else {
            ASSERT_EQ(one[static_cast<size_t>(n)], -1.0f);
          }
        }
      }
    }
  });
}

TEST(Attention, EveryVariantIsBitIdenticalToTheReference) {
  std::mt19937_64 rng(trit::testing::test_seed() + 3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for_each_variant([&](Variant) {
    for (int64_t hd : {64, 128, 96, 100}) {
      for (int64_t n_keys : {1, 2, 3, 4, 5, 15, 16, 17, 33, 100, 257}) {
        const int64_t ld = hd * 3 + 5;
        std::vector<float> q(static_cast<size_t>(hd)), K(static_cast<size_t>(n_keys * ld)), V(K.size());
        for (auto& v : q) v = 2.0f * normal(rng);
        for (auto& v : K) v = normal(rng);
        for (auto& v : V) v = normal(rng);
        const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
        std::vector<float> ref(static_cast<size_t>(hd)), got(static_cast<size_t>(hd) + 1, 77.0f), s(static_cast<size_t>(n_keys));
        attention_head_ref(q.data(), K.data(), V.data(), ld, n_keys, hd, scale, ref.data(), s.data());
        attention_head(q.data(), K.data(), V.data(), ld, n_keys, hd, scale, got.data(), s.data());
        // Bit for bit: attention feeds the int8 quantiser, so logits must not depend on the CPU.
        ASSERT_EQ(std::vector<float>(got.begin(), got.end() - 1), ref) << "hd=" << hd << " n_keys=" << n_keys;
        EXPECT_EQ(got.back(), 77.0f);
      }
    }
  });
}
