// BitLinear's pieces: the int8 x ternary kernel (every variant bit-identical to the scalar
// reference on random shapes), BitNet's activation quantiser, the CPU device on real ternary
// tensors, and the blockwise path for rows whose block scales differ.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "gguf/tensor_decode.hpp"
#include "gguf/writer.hpp"
#include "kernels/float_ops.hpp"
#include "kernels/ternary_gemm.hpp"
#include "kernels/thread_pool.hpp"
#include "model/weight.hpp"
#include "sched/cpu_backend.hpp"
#include "testutil.hpp"

using namespace trit;

namespace {

std::vector<int8_t> random_i8(size_t n, std::mt19937& rng, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(d(rng));
  return v;
}

// Multiplier-free statement of the product (what the PE array does): add, subtract or skip.
int32_t add_sub_skip(const int8_t* x, const int8_t* w, int64_t K) {
  int32_t acc = 0;
  for (int64_t k = 0; k < K; ++k) {
    if (w[k] == 1) acc += x[k];
    if (w[k] == -1) acc -= x[k];
  }
  return acc;
}

}  // namespace

TEST(TernaryGemm, ReferenceIsAddSubtractSkip) {
  std::mt19937 rng(1);
  for (int trial = 0; trial < 50; ++trial) {
    const int64_t M = 1 + rng() % 5, N = 1 + rng() % 40, K = 1 + rng() % 300;
    const int64_t ldx = K + rng() % 3, ldw = K + rng() % 3, ldy = N + rng() % 3;
    const auto X = random_i8(static_cast<size_t>(M * ldx), rng, -127, 127);
    const auto W = random_i8(static_cast<size_t>(N * ldw), rng, -1, 1);
    std::vector<int32_t> Y(static_cast<size_t>(M * ldy), 0x7eadbeef);
    kernels::gemm_i8_ternary_ref(M, N, K, X.data(), ldx, W.data(), ldw, Y.data(), ldy);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n)
        ASSERT_EQ(Y[static_cast<size_t>(m * ldy + n)], add_sub_skip(&X[static_cast<size_t>(m * ldx)], &W[static_cast<size_t>(n * ldw)], K));
  }
}

TEST(TernaryGemm, EveryVariantIsBitIdenticalToTheReference) {
  int count = 0;
  const kernels::Variant* variants = kernels::available_variants(&count);
  ASSERT_GE(count, 1);
  std::mt19937 rng(2);
  for (int trial = 0; trial < 40; ++trial) {
    // Random shapes, including M = 1 (decode), odd K, and extreme activations that stress the
    // int32 accumulator (|sum| up to 127 * K).
    const int64_t M = trial % 4 == 0 ? 1 : 1 + rng() % 17, N = 1 + rng() % 70, K = 1 + rng() % 3000;
    const bool extreme = trial % 3 == 0;
    const auto X = random_i8(static_cast<size_t>(M * K), rng, extreme ? 127 : -127, 127);
    const auto W = random_i8(static_cast<size_t>(N * K), rng, extreme ? 1 : -1, 1);
    std::vector<int32_t> ref(static_cast<size_t>(M * N)), got(static_cast<size_t>(M * N));
    kernels::gemm_i8_ternary_ref(M, N, K, X.data(), K, W.data(), K, ref.data(), N);
    for (int v = 0; v < count; ++v) {
      std::fill(got.begin(), got.end(), 0);
      kernels::gemm_i8_ternary(variants[v], M, N, K, X.data(), K, W.data(), K, got.data(), N);
      ASSERT_EQ(got, ref) << kernels::variant_name(variants[v]) << " M=" << M << " N=" << N << " K=" << K;
    }
    kernels::gemm_i8_ternary(M, N, K, X.data(), K, W.data(), K, got.data(), N);
    ASSERT_EQ(got, ref) << "dispatched";
  }
}

TEST(ActivationQuantiser, BitNetPerTokenAbsmax) {
  // max |x| = 127 -> s = 1: the values themselves, rounded half to even.
  const float x[] = {127.0f, 0.5f, 1.5f, 2.5f, -2.5f, -127.0f, 3.49f};
  int8_t q[7];
  EXPECT_EQ(kernels::quantize_row_i8_absmax(x, 7, q), 1.0f);
  const int8_t expect[] = {127, 0, 2, 2, -2, -127, 3};
  for (int i = 0; i < 7; ++i) EXPECT_EQ(q[i], expect[i]) << i;
  // max = 1: s = 127, q = round(127 x).
  const float y[] = {1.0f, -0.5f, 0.25f, 0.0f};
  EXPECT_EQ(kernels::quantize_row_i8_absmax(y, 4, q), 127.0f);
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(q[1], -64);  // -63.5 -> -64 (even)
  EXPECT_EQ(q[2], 32);   // 31.75
  EXPECT_EQ(q[3], 0);
  // All zeros: the 1e-5 floor keeps s finite and every q zero.
  const float z[] = {0.0f, 0.0f};
  EXPECT_EQ(kernels::quantize_row_i8_absmax(z, 2, q), static_cast<float>(127.0 / 1e-5));
  EXPECT_EQ(q[0], 0);
  // Below the floor: s = 127 / 1e-5, so 1e-6 -> 12.7 -> 13.
  const float t[] = {1e-6f};
  kernels::quantize_row_i8_absmax(t, 1, q);
  EXPECT_EQ(q[0], 13);
  // A NaN (corrupt weights upstream) quantises to 0, never to an undefined conversion.
  const float bad[] = {std::nanf(""), 1.0f};
  kernels::quantize_row_i8_absmax(bad, 2, q);
  EXPECT_EQ(q[0], 0);
  EXPECT_EQ(q[1], 127);
}

TEST(CpuBackend, GemmOnReferenceTensorsMatchesTheCodes) {
  kernels::ThreadPool pool(2);
  sched::CpuBackend cpu(pool);
  std::mt19937 rng(3);
  for (const char* file_name : {"tiny_i2_s.gguf", "tiny_iq1_bn.gguf", "tiny-bitnet_tq1_0.gguf"}) {
    const gguf::File f = gguf::File::open(testutil::model_path(file_name));
    const model::Matrix w(f.tensor("blk.1.ffn_down.weight"));
    ASSERT_TRUE(w.offloadable()) << file_name;
    ASSERT_TRUE(cpu.supports(w));
    const int64_t M = 3, N = w.rows(), K = w.cols();
    const auto X = random_i8(static_cast<size_t>(M * K), rng, -127, 127);
    std::vector<int32_t> Y(static_cast<size_t>(M * N));
    cpu.gemm(w, X.data(), M, Y.data());
    std::vector<int8_t> codes(static_cast<size_t>(K));
    for (int64_t n = 0; n < N; ++n) {
      w.row_codes(n, codes.data());
      for (int64_t m = 0; m < M; ++m)
        ASSERT_EQ(Y[static_cast<size_t>(m * N + n)], add_sub_skip(&X[static_cast<size_t>(m * K)], codes.data(), K))
            << file_name << " n=" << n;
    }
  }
}

TEST(CpuBackend, RowsWithDifferentBlockScalesRunBlockwise) {
  // TQ2_0, K = 512 (two blocks per row), N = 4; block scales 1 and 2 in every row.
  const int64_t K = 512, N = 4, M = 2;
  std::mt19937 rng(4);
  std::vector<uint8_t> data;
  for (int64_t r = 0; r < N; ++r) {
    for (int b = 0; b < 2; ++b) {
      for (int i = 0; i < 64; ++i) {
        uint8_t byte = 0;
        for (int l = 0; l < 4; ++l) byte |= static_cast<uint8_t>((rng() % 3) << (2 * l));
        data.push_back(byte);
      }
      const uint16_t d = b == 0 ? 0x3c00 : 0x4000;  // 1.0, 2.0
      data.push_back(static_cast<uint8_t>(d & 0xff));
      data.push_back(static_cast<uint8_t>(d >> 8));
    }
  }
  gguf::Writer wr;
  wr.add_tensor("w", gguf::TensorType::TQ2_0, {K, N}, data);
  const gguf::File f = gguf::File::from_bytes(wr.finish());
  const model::Matrix w(f.tensor("w"));
  EXPECT_EQ(w.scale_kind(), model::TernaryScale::PerBlock);
  EXPECT_FALSE(w.offloadable());
  kernels::ThreadPool pool(2);
  sched::CpuBackend cpu(pool);
  EXPECT_FALSE(cpu.supports(w));

  std::vector<float> x(static_cast<size_t>(M * K));
  for (auto& v : x) v = std::uniform_real_distribution<float>(-1, 1)(rng);
  std::vector<int8_t> q(static_cast<size_t>(M * K));
  std::vector<float> s(M);
  for (int64_t m = 0; m < M; ++m) s[static_cast<size_t>(m)] = kernels::quantize_row_i8_absmax(&x[static_cast<size_t>(m * K)], K, &q[static_cast<size_t>(m * K)]);
  std::vector<float> y(static_cast<size_t>(M * N));
  cpu.gemm_blockwise(w, q.data(), s.data(), M, y.data());
  // Expected in double from the dequantised rows: y = sum_k (q/s) * w.
  std::vector<float> row(static_cast<size_t>(K));
  for (int64_t n = 0; n < N; ++n) {
    w.row_f32(n, row.data());
    for (int64_t m = 0; m < M; ++m) {
      double e = 0;
      for (int64_t k = 0; k < K; ++k) e += double(q[static_cast<size_t>(m * K + k)]) / s[static_cast<size_t>(m)] * row[static_cast<size_t>(k)];
      EXPECT_NEAR(y[static_cast<size_t>(m * N + n)], e, 1e-5 * std::max(1.0, std::fabs(e)));
    }
  }
}

TEST(Matrix, ForcedTernaryViewOfFloatWeights) {
  const float exact[8] = {0.5f, -0.5f, 0.0f, 0.5f, 0.0f, 0.0f, -0.5f, 0.5f};
  const float inexact[8] = {0.5f, -0.4f, 0.1f, 0.5f, 0.0f, 0.0f, -0.2f, 0.3f};
  gguf::Writer wr;
  wr.add_tensor("e", gguf::TensorType::F32, {4, 2}, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(exact), 32));
  wr.add_tensor("i", gguf::TensorType::F32, {4, 2}, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(inexact), 32));
  const gguf::File f = gguf::File::from_bytes(wr.finish());
  model::Matrix e(f.tensor("e")), i(f.tensor("i"));
  EXPECT_FALSE(e.is_ternary());
  EXPECT_TRUE(e.make_ternary());
  EXPECT_FALSE(i.make_ternary());
  int8_t codes[4];
  e.row_codes(1, codes);
  EXPECT_EQ(std::vector<int8_t>(codes, codes + 4), (std::vector<int8_t>{0, 0, -1, 1}));
  EXPECT_EQ(e.row_scale(1), 0.5f);
  i.row_codes(0, codes);  // |w| >= 0.25 -> sign
  EXPECT_EQ(std::vector<int8_t>(codes, codes + 4), (std::vector<int8_t>{1, -1, 0, 1}));
}

TEST(ThreadPool, CoversTheRangeOnceAndPropagatesErrors) {
  kernels::ThreadPool pool(3);
  std::vector<int> hits(1000, 0);
  pool.parallel_for(0, 1000, 7, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) ++hits[static_cast<size_t>(i)];
  });
  for (int h : hits) ASSERT_EQ(h, 1);
  EXPECT_THROW(pool.parallel_for(0, 100, 1, [](int64_t b, int64_t e) {
                 if (b <= 50 && 50 < e) throw std::runtime_error("boom");
               }),
               std::runtime_error);
  // Still usable afterwards.
  int sum = 0;
  pool.parallel_for(0, 10, 100, [&](int64_t b, int64_t e) { sum += static_cast<int>(e - b); });
  EXPECT_EQ(sum, 10);
}
