// The packed int8 x ternary kernels: every variant this CPU runs, in both packed layouts (native
// or through the portable fallback), bit-identical to the scalar reference on random and edge
// shapes, with integer and rescaled float outputs, over full and partial row-group ranges. The
// int32 -> float rescale helper: bit-identical to its reference on every variant, and equal to
// the kernels' fused float output.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/ternary_gemm.hpp"
#include "test_seed.hpp"

using namespace trit::kernels;

namespace {

struct Case {
  int64_t M, N, K;
  enum Fill { Random, MaxPositive, MinNegative, Sparse } fill = Random;
};

std::vector<int8_t> make_x(const Case& c, int64_t ldx, std::mt19937_64& rng) {
  std::vector<int8_t> x(static_cast<size_t>(c.M * ldx), 99);  // 99 past K: must not be read
  std::uniform_int_distribution<int> d(-128, 127);
  for (int64_t m = 0; m < c.M; ++m)
    for (int64_t k = 0; k < c.K; ++k) {
      int v = d(rng);
      if (c.fill == Case::MaxPositive) v = 127;
      if (c.fill == Case::MinNegative) v = -128;
      x[static_cast<size_t>(m * ldx + k)] = static_cast<int8_t>(v);
    }
  return x;
}

std::vector<int8_t> make_w(const Case& c, std::mt19937_64& rng) {
  std::vector<int8_t> w(static_cast<size_t>(c.N * c.K));
  for (auto& v : w) {
    const auto u = rng() % 10;
    v = static_cast<int8_t>(u < 4 ? 0 : u < 7 ? -1 : 1);
    if (c.fill == Case::MaxPositive || c.fill == Case::MinNegative) v = (rng() & 1) ? 1 : -1;
    if (c.fill == Case::Sparse) v = rng() % 50 == 0 ? static_cast<int8_t>((rng() & 1) ? 1 : -1) : 0;
  }
  return w;
}

std::vector<Case> cases(std::mt19937_64& rng) {
  std::vector<Case> cs;
  // Edges: every K around the chunk widths (16, 20) and the 64-byte planes, N around 16-row
  // groups, M around the batch tiles (6, 8) and 1 (decode).
  for (int64_t K : {1, 3, 4, 5, 15, 16, 17, 19, 20, 21, 39, 40, 41, 63, 64, 65, 255, 256, 319, 320, 321})
    cs.push_back({1, 17, K});
  for (int64_t N : {1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 100})
    for (int64_t M : {1, 2, 5, 6, 7, 8, 9, 13, 16, 17}) cs.push_back({M, N, 40});
  cs.push_back({1, 2560, 2560});
  cs.push_back({3, 640, 2560});
  cs.push_back({9, 96, 6912});
  // Saturating values: |sum| up to 128 * K in every lane.
  cs.push_back({1, 33, 3000, Case::MaxPositive});
  cs.push_back({7, 33, 3000, Case::MinNegative});
  cs.push_back({8, 48, 1280, Case::Sparse});
  for (int i = 0; i < 40; ++i)
    cs.push_back({1 + static_cast<int64_t>(rng() % 20), 1 + static_cast<int64_t>(rng() % 130),
                  1 + static_cast<int64_t>(rng() % 3000)});
  return cs;
}

// One case packed in one layout, with its activations prepared and the reference result.
struct Prepared {
  PackedTernary packed;
  int64_t ldx = 0;
  std::vector<int8_t> xp;
  std::vector<int32_t> sums, ref;

  Prepared(const Case& c, TernaryLayout l, const std::vector<int8_t>& w, int64_t extra_stride, std::mt19937_64& rng)
      : packed(l, c.N, c.K), ldx(packed.cols_padded() + extra_stride) {
    packed.pack_all(w.data(), c.K);
    const auto x = make_x(c, ldx, rng);
    ref.resize(static_cast<size_t>(c.M * c.N));
    gemm_i8_ternary_ref(c.M, c.N, c.K, x.data(), ldx, w.data(), c.K, ref.data(), c.N);
    xp.resize(static_cast<size_t>(c.M * ldx));
    sums.resize(static_cast<size_t>(c.M));
    prepare_ternary_input(x.data(), c.M, c.K, ldx, xp.data(), ldx, sums.data());
  }
  TernaryInput input(const Case& c) const { return {xp.data(), ldx, sums.data(), c.M}; }
};

std::string describe(Variant v, TernaryLayout l, const Case& c) {
  return std::string(variant_name(v)) + "/" + std::string(layout_name(l)) + " M=" + std::to_string(c.M) +
         " N=" + std::to_string(c.N) + " K=" + std::to_string(c.K) + " fill=" + std::to_string(c.fill);
}

}  // namespace

TEST(TernaryKernels, EveryVariantAndLayoutIsBitIdenticalToTheReference) {
  std::mt19937_64 rng(trit::testing::test_seed());
  int nv = 0;
  const Variant* variants = available_variants(&nv);
  for (const Case& c : cases(rng)) {
    const auto w = make_w(c, rng);
    for (TernaryLayout l : {TernaryLayout::Bits2, TernaryLayout::Base3}) {
      const Prepared p(c, l, w, 3, rng);  // any stride >= the padded K
      const PackedTernary& packed = p.packed;
      const std::vector<int32_t>& ref = p.ref;
      ASSERT_EQ(packed.bytes(), static_cast<size_t>(packed.groups() * packed.chunks() * kChunkBytes));
      const TernaryInput in = p.input(c);
      std::vector<float> xs(static_cast<size_t>(c.M)), ws(static_cast<size_t>(c.N));
      for (auto& s : xs) s = 1.0f + static_cast<float>(rng() % 1000) / 7.0f;
      for (auto& s : ws) s = static_cast<float>(rng() % 1000) / 999.0f;

      for (int vi = 0; vi < nv; ++vi) {
        const Variant v = variants[vi];
        std::vector<int32_t> got(static_cast<size_t>(c.M * c.N), 0x5eadbeef);
        gemm_packed(v, packed, 0, packed.groups(), in, TernaryOutput{got.data(), nullptr, c.N, nullptr, nullptr});
        ASSERT_EQ(got, ref) << describe(v, l, c);

        // The fused rescale equals rescaling the integer result, bit for bit.
        std::vector<float> yf(static_cast<size_t>(c.M * c.N));
        gemm_packed(v, packed, 0, packed.groups(), in, TernaryOutput{nullptr, yf.data(), c.N, xs.data(), ws.data()});
        for (int64_t m = 0; m < c.M; ++m)
          for (int64_t n = 0; n < c.N; ++n) {
            const float expect = static_cast<float>(ref[static_cast<size_t>(m * c.N + n)]) / xs[static_cast<size_t>(m)] *
                                 ws[static_cast<size_t>(n)];
            ASSERT_EQ(yf[static_cast<size_t>(m * c.N + n)], expect) << describe(v, l, c) << " m=" << m << " n=" << n;
          }
      }
    }
  }
}

TEST(TernaryKernels, GroupRangesWriteOnlyTheirRows) {
  std::mt19937_64 rng(trit::testing::test_seed() + 1);
  const Case c{5, 70, 333};
  const auto w = make_w(c, rng);
  int nv = 0;
  const Variant* variants = available_variants(&nv);
  for (TernaryLayout l : {TernaryLayout::Bits2, TernaryLayout::Base3}) {
    const Prepared p(c, l, w, 0, rng);
    for (int vi = 0; vi < nv; ++vi) {
      // Groups 1..3 (rows 16..63) only; a wider ldy checks the stride.
      const int64_t ldy = c.N + 5;
      std::vector<int32_t> got(static_cast<size_t>(c.M * ldy), -7);
      gemm_packed(variants[vi], p.packed, 1, 4, p.input(c), TernaryOutput{got.data(), nullptr, ldy, nullptr, nullptr});
      for (int64_t m = 0; m < c.M; ++m)
        for (int64_t n = 0; n < ldy; ++n) {
          const int32_t g = got[static_cast<size_t>(m * ldy + n)];
          if (n >= 16 && n < 64) {
            ASSERT_EQ(g, p.ref[static_cast<size_t>(m * c.N + n)]) << variant_name(variants[vi]) << " n=" << n;
          } else {
            ASSERT_EQ(g, -7) << variant_name(variants[vi]) << " wrote outside its groups at m=" << m << " n=" << n;
          }
        }
    }
  }
}

TEST(TernaryKernels, PackingRejectsNonTernaryCodes) {
  const int8_t codes[2] = {1, 2};
  PackedTernary p(TernaryLayout::Bits2, 1, 2);
  EXPECT_THROW(p.pack_all(codes, 2), std::invalid_argument);
  EXPECT_THROW(PackedTernary(TernaryLayout::Bits2, 1, kMaxTernaryK + 1), std::invalid_argument);
}

TEST(TernaryKernels, StrideShorterThanThePaddedKIsRejected) {
  PackedTernary p(TernaryLayout::Base3, 16, 21);  // padded K = 40
  std::vector<int8_t> x(40, 0);
  int32_t sum = 0;
  std::vector<int32_t> y(16);
  EXPECT_THROW(gemm_packed(p, 0, 1, TernaryInput{x.data(), 21, &sum, 1}, TernaryOutput{y.data(), nullptr, 16, nullptr, nullptr}),
               std::invalid_argument);
}

TEST(TernaryKernels, DispatchedEntryPointsMatchTheReference) {
  std::mt19937_64 rng(trit::testing::test_seed() + 2);
  int nv = 0;
  const Variant* variants = available_variants(&nv);
  const Variant saved = active_variant();
  const Case c{3, 50, 700};
  const auto w = make_w(c, rng);
  const auto x = make_x(c, c.K, rng);
  std::vector<int32_t> ref(static_cast<size_t>(c.M * c.N)), got(ref.size());
  gemm_i8_ternary_ref(c.M, c.N, c.K, x.data(), c.K, w.data(), c.K, ref.data(), c.N);
  for (int vi = 0; vi < nv; ++vi) {
    set_active_variant(variants[vi]);
    EXPECT_EQ(active_variant(), variants[vi]);
    gemm_i8_ternary(c.M, c.N, c.K, x.data(), c.K, w.data(), c.K, got.data(), c.N);
    EXPECT_EQ(got, ref) << variant_name(variants[vi]);
  }
  set_active_variant(saved);
}

namespace {

// Bitwise equality of float arrays (NaNs and signed zeros included), reporting the first
// difference.
::testing::AssertionResult same_bits(const float* got, const float* want, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (std::memcmp(&got[i], &want[i], 4) != 0)
      return ::testing::AssertionFailure() << "element " << i << ": " << got[i] << " != " << want[i];
  return ::testing::AssertionSuccess();
}

}  // namespace

TEST(Rescale, EveryVariantIsBitIdenticalToTheReference) {
  std::mt19937_64 rng(trit::testing::test_seed() + 3);
  constexpr float kMax = std::numeric_limits<float>::max(), kInf = std::numeric_limits<float>::infinity();
  constexpr float kMinNormal = std::numeric_limits<float>::min(), kDenorm = std::numeric_limits<float>::denorm_min();
  // Accumulators: up to 128 * 2^20 in magnitude (past 2^24, so the conversion rounds, ties to
  // even included), and int32's extremes.
  constexpr int32_t kBig = 128 << 20;
  const std::vector<int32_t> edge_acc = {0, 1, -1, kBig, -kBig, kBig - 1, -kBig + 1, (1 << 24) + 1, -(1 << 24) - 1,
                                         (1 << 24) + 3, (1 << 25) + 2, (1 << 25) + 6, std::numeric_limits<int32_t>::max(),
                                         std::numeric_limits<int32_t>::min(), 127 * 2560, -128 * 6912};
  // Scales: ordinary, tiny (subnormal results, or infinities after the division), huge
  // (overflow), signed zeros (0 / 0 = NaN, x / -0 = -inf), infinity.
  const std::vector<float> edge_x_scale = {31.75f, 127.0f / 3.3f, 1.0f, 1e-38f, kDenorm, kMinNormal, 1e38f, kMax,
                                           0.0f, -0.0f, kInf, 3e-5f};
  const std::vector<float> edge_w_scale = {0.5f, 1.0f, 0.0123f, 0.0f, -0.0f, kDenorm, kMinNormal, 1e-30f, 1e30f,
                                           kMax, -2.0f, kInf};
  std::uniform_int_distribution<int32_t> acc_dist(-kBig, kBig);
  std::uniform_real_distribution<float> log_scale(-8.0f, 8.0f);
  int nv = 0;
  const Variant* variants = available_variants(&nv);
  for (int64_t n : {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 2560, 2561}) {
    for (int rep = 0; rep < 6; ++rep) {
      // Odd reps read and write one element past an aligned start.
      const int64_t off = rep % 2;
      std::vector<int32_t> acc(static_cast<size_t>(n + off));
      std::vector<float> ws(static_cast<size_t>(n + off));
      for (int64_t i = off; i < n + off; ++i) {
        const bool edge = rep >= 2 && rng() % 3 == 0;
        acc[static_cast<size_t>(i)] = edge ? edge_acc[rng() % edge_acc.size()] : acc_dist(rng);
        ws[static_cast<size_t>(i)] = rep >= 4 && rng() % 3 == 0 ? edge_w_scale[rng() % edge_w_scale.size()]
                                                                 : std::exp2(log_scale(rng));
      }
      std::vector<float> x_scales = {std::exp2(log_scale(rng))};
      if (rep >= 4) x_scales = edge_x_scale;
      for (float xs : x_scales) {
        std::vector<float> ref(static_cast<size_t>(n + off));
        rescale_i32_ref(acc.data() + off, n, xs, ws.data() + off, ref.data() + off);
        for (int vi = 0; vi < nv; ++vi) {
          SCOPED_TRACE(std::string(variant_name(variants[vi])) + " n=" + std::to_string(n) + " off=" +
                       std::to_string(off) + " x_scale=" + std::to_string(xs));
          // Sentinels on both sides: the helper writes exactly its n elements.
          std::vector<float> got(static_cast<size_t>(n + off + 1), -7.0f);
          rescale_i32(variants[vi], acc.data() + off, n, xs, ws.data() + off, got.data() + off);
          ASSERT_TRUE(same_bits(got.data() + off, ref.data() + off, n));
          if (off) {
            ASSERT_EQ(got.front(), -7.0f);
          }
          ASSERT_EQ(got.back(), -7.0f);
        }
      }
    }
  }
  // The dispatched overload runs the active variant.
  const Variant saved = active_variant();
  const int32_t acc[3] = {kBig, -3, 0};
  const float ws[3] = {0.25f, 3.0f, -0.0f};
  float ref[3], got[3];
  rescale_i32_ref(acc, 3, 7.0f, ws, ref);
  for (int vi = 0; vi < nv; ++vi) {
    set_active_variant(variants[vi]);
    rescale_i32(acc, 3, 7.0f, ws, got);
    EXPECT_TRUE(same_bits(got, ref, 3)) << variant_name(variants[vi]);
  }
  set_active_variant(saved);
}

// The fused float output of the packed kernels equals rescale_i32 applied to their int32
// output, bit for bit, on every variant and layout (GEMV, tiled and pre-decoded batch paths,
// partial last groups), with ordinary and edge scales.
TEST(Rescale, FusedEpilogueEqualsRescalingTheIntegerOutput) {
  std::mt19937_64 rng(trit::testing::test_seed() + 4);
  const std::vector<float> edge_scale = {0.0f, -0.0f, std::numeric_limits<float>::denorm_min(), 1e-38f, 1e38f,
                                         std::numeric_limits<float>::max(), std::numeric_limits<float>::infinity()};
  std::uniform_real_distribution<float> log_scale(-8.0f, 8.0f);
  int nv = 0;
  const Variant* variants = available_variants(&nv);
  const std::vector<Case> shapes = {{1, 17, 40}, {1, 16, 2560}, {1, 100, 321}, {2, 33, 65},
                                    {5, 50, 700},  {6, 48, 64},   {7, 15, 20},   {13, 70, 333},
                                    {17, 49, 160}, {3, 1, 1},     {12, 33, 1000, Case::MaxPositive}};
  for (const Case& c : shapes) {
    const auto w = make_w(c, rng);
    for (TernaryLayout l : {TernaryLayout::Bits2, TernaryLayout::Base3}) {
      const Prepared p(c, l, w, 0, rng);
      for (int edges = 0; edges < 2; ++edges) {
        std::vector<float> xs(static_cast<size_t>(c.M)), ws(static_cast<size_t>(c.N));
        for (auto& s : xs) s = edges && rng() % 3 == 0 ? edge_scale[rng() % edge_scale.size()] : std::exp2(log_scale(rng));
        for (auto& s : ws) s = edges && rng() % 3 == 0 ? edge_scale[rng() % edge_scale.size()] : std::exp2(log_scale(rng));
        const int64_t ldy = c.N + 3;  // a stride wider than N
        for (int vi = 0; vi < nv; ++vi) {
          const Variant v = variants[vi];
          SCOPED_TRACE(describe(v, l, c) + " edges=" + std::to_string(edges));
          std::vector<int32_t> yi(static_cast<size_t>(c.M * ldy), 0x5eadbeef);
          std::vector<float> yf(static_cast<size_t>(c.M * ldy), -7.0f);
          gemm_packed(v, p.packed, 0, p.packed.groups(), p.input(c), TernaryOutput{yi.data(), nullptr, ldy, nullptr, nullptr});
          gemm_packed(v, p.packed, 0, p.packed.groups(), p.input(c), TernaryOutput{nullptr, yf.data(), ldy, xs.data(), ws.data()});
          for (int64_t m = 0; m < c.M; ++m) {
            const auto row = static_cast<size_t>(m * ldy);
            std::vector<float> want(static_cast<size_t>(c.N)), want_ref(want.size());
            rescale_i32(v, yi.data() + row, c.N, xs[static_cast<size_t>(m)], ws.data(), want.data());
            rescale_i32_ref(yi.data() + row, c.N, xs[static_cast<size_t>(m)], ws.data(), want_ref.data());
            ASSERT_TRUE(same_bits(yf.data() + row, want.data(), c.N)) << "m=" << m;
            ASSERT_TRUE(same_bits(want.data(), want_ref.data(), c.N)) << "m=" << m;
            for (int64_t n = c.N; n < ldy; ++n) ASSERT_EQ(yf[row + static_cast<size_t>(n)], -7.0f) << "m=" << m;
          }
        }
      }
    }
  }
}

TEST(CpuFeatures, VariantNamesAndAvailability) {
  for (Variant v : {Variant::Scalar, Variant::Avx2, Variant::AvxVnni, Variant::Avx512, Variant::Neon}) {
    ASSERT_TRUE(variant_from_name(variant_name(v)).has_value());
    EXPECT_EQ(*variant_from_name(variant_name(v)), v);
  }
  EXPECT_FALSE(variant_from_name("sse9").has_value());
  int n = 0;
  const Variant* all = available_variants(&n);
  ASSERT_GE(n, 1);
  EXPECT_EQ(all[0], Variant::Scalar);
  for (int i = 0; i < n; ++i) EXPECT_TRUE(variant_available(all[i]));
  // Pinning a variant the CPU lacks is an error, never a crash later.
  for (Variant v : {Variant::Avx2, Variant::AvxVnni, Variant::Avx512, Variant::Neon})
    if (!variant_available(v)) {
      EXPECT_THROW(set_active_variant(v), std::invalid_argument);
    }
  // Preferred layouts: 2-bit sources stay 2-bit; 1.6-bit ones use Base3 where it is native.
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(preferred_layout(all[i], 2.0), TernaryLayout::Bits2);
    const TernaryLayout l = preferred_layout(all[i], 1.625);
    EXPECT_TRUE(l == TernaryLayout::Bits2 || layout_native(all[i], l));
  }
}
