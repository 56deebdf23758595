// Tensor decoders against hand-built blocks. The packers (model_builder.hpp) are written from
// the published format descriptions (ggml-common.h's block comments for TQ1_0/TQ2_0/Q8_0,
// bitnet.cpp's I2_S packing, ik_llama.cpp's IQ1_BN/IQ2_BN row layout, as summarised in
// docs/host.md), independently of the decoders; literal bytes pin the bit order.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "gguf/reader.hpp"
#include "gguf/tensor_decode.hpp"
#include "gguf/writer.hpp"
#include "model_builder.hpp"
#include "testutil.hpp"

using namespace trit::gguf;
using namespace trit::testutil;

namespace {

std::vector<int8_t> random_codes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int8_t> c(n);
  for (auto& x : c) x = static_cast<int8_t>(static_cast<int>(rng() % 3) - 1);
  return c;
}

template <typename Block>
Block as_block(const std::vector<uint8_t>& bytes) {
  Block b;
  EXPECT_EQ(bytes.size(), sizeof(Block));
  std::memcpy(&b, bytes.data(), sizeof(Block));
  return b;
}

void append(std::vector<uint8_t>& out, const std::vector<uint8_t>& more) { out.insert(out.end(), more.begin(), more.end()); }

}  // namespace

TEST(Fp16, KnownValues) {
  EXPECT_EQ(fp16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_f32(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_f32(0x3555), 0.333251953125f);
  EXPECT_EQ(fp16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(fp16_to_f32(0x0400), std::ldexp(1.0f, -14));
  EXPECT_EQ(fp16_to_f32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(fp16_to_f32(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_TRUE(std::isinf(fp16_to_f32(0x7c00)));
  EXPECT_TRUE(std::isnan(fp16_to_f32(0x7e00)));
  EXPECT_TRUE(std::signbit(fp16_to_f32(0x8000)));
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0xc0a0), -5.0f);
}

TEST(Fp16, RoundTripsEveryFiniteHalfAndRoundsToNearestEven) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = fp16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(f32_to_fp16(f), h) << "half " << h;
  }
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1.0).
  EXPECT_EQ(f32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(f32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(f32_to_fp16(70000.0f), 0x7c00);
}

TEST(Base3, LiteralBytes) {
  // Trits (1,0,2,1,0), first most significant: v = 81 + 18 + 3 = 102 -> ceil(256*102/243) = 108.
  ASSERT_EQ(base3_byte(102), 108);
  const int expect[5] = {1, 0, 2, 1, 0};
  for (int n = 0; n < 5; ++n) EXPECT_EQ(base3_trit(108, n), expect[n]) << n;
  for (int n = 0; n < 5; ++n) EXPECT_EQ(base3_trit(0, n), 0);
  for (int n = 0; n < 5; ++n) EXPECT_EQ(base3_trit(255, n), 2);  // v = 242
  // Every 5-trit value survives the fixed-point encoding.
  for (int v = 0; v < 243; ++v) {
    int back = 0;
    for (int n = 0; n < 5; ++n) back = back * 3 + base3_trit(base3_byte(v), n);
    ASSERT_EQ(back, v);
  }
}

TEST(Tq2_0, LiteralAndRandomBlocks) {
  BlockTQ2_0 b{};
  b.qs[0] = 0x92;  // 10 01 00 10: elements 0 -> +1, 32 -> -1, 64 -> 0, 96 -> +1
  b.qs[32] = 0x01;  // element 128 -> 0, 160/192/224 -> -1
  int8_t out[256];
  decode_tq2_0_codes(b, out);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[32], -1);
  EXPECT_EQ(out[64], 0);
  EXPECT_EQ(out[96], 1);
  EXPECT_EQ(out[128], 0);
  EXPECT_EQ(out[160], -1);
  for (uint32_t seed = 0; seed < 20; ++seed) {
    const auto c = random_codes(256, seed);
    decode_tq2_0_codes(as_block<BlockTQ2_0>(pack_tq2_0(c.data(), 0x3c00)), out);
    ASSERT_EQ(std::vector<int8_t>(out, out + 256), c) << seed;
  }
}

TEST(Tq1_0, RandomBlocks) {
  int8_t out[256];
  for (uint32_t seed = 0; seed < 20; ++seed) {
    const auto c = random_codes(256, seed);
    decode_tq1_0_codes(as_block<BlockTQ1_0>(pack_tq1_0(c.data(), 0x3c00)), out);
    ASSERT_EQ(std::vector<int8_t>(out, out + 256), c) << seed;
  }
}

TEST(Iq2Bn, LiteralAndRandomBlocks) {
  BlockIQ2_BN b{};
  b.qs[3] = 0x1b;  // 00 01 10 11: element 3 -> code 3 (invalid, +2), 19 -> +1, 35 -> 0, 51 -> -1
  int8_t out[64];
  decode_iq2_bn_codes(b, out);
  EXPECT_EQ(out[3], 2);
  EXPECT_EQ(out[19], 1);
  EXPECT_EQ(out[35], 0);
  EXPECT_EQ(out[51], -1);
  for (uint32_t seed = 0; seed < 20; ++seed) {
    const auto c = random_codes(64, seed);
    decode_iq2_bn_codes(as_block<BlockIQ2_BN>(pack_iq2_bn_block(c.data())), out);
    ASSERT_EQ(std::vector<int8_t>(out, out + 64), c) << seed;
  }
}

TEST(Iq1Bn, RandomBlocks) {
  int8_t out[64];
  for (uint32_t seed = 0; seed < 20; ++seed) {
    const auto c = random_codes(64, seed);
    decode_iq1_bn_codes(as_block<BlockIQ1_BN>(pack_iq1_bn_block(c.data())), out);
    ASSERT_EQ(std::vector<int8_t>(out, out + 64), c) << seed;
  }
}

TEST(I2S, LiteralAndRandomBlocks) {
  uint8_t blk[32] = {};
  blk[5] = 0x6c;  // 01 10 11 00: element 5 -> 0, 37 -> +1, 69 -> +2 (code 3), 101 -> -1
  int8_t out[128];
  decode_i2_s_codes(blk, out);
  EXPECT_EQ(out[5], 0);
  EXPECT_EQ(out[37], 1);
  EXPECT_EQ(out[69], 2);
  EXPECT_EQ(out[101], -1);
  for (uint32_t seed = 0; seed < 20; ++seed) {
    const auto c = random_codes(128, seed);
    decode_i2_s_codes(pack_i2_s_block(c.data()).data(), out);
    ASSERT_EQ(std::vector<int8_t>(out, out + 128), c) << seed;
  }
}

// Tensor-level: rows, scales and dequantisation of files built from the packers above.
TEST(TensorDecode, TernaryTensorsRowsAndScales) {
  const int K = 512, N = 3;
  const auto codes = random_codes(static_cast<size_t>(K) * N, 7);
  const uint16_t d_half[N] = {0x3800, 0x3c00, 0x4000};  // 0.5, 1, 2 (per row)
  const float d_f[N] = {0.5f, 1.0f, 2.0f};
  Writer w;
  std::vector<uint8_t> tq2, tq1, iq2, iq1, i2s;
  for (int r = 0; r < N; ++r) {
    const int8_t* row = codes.data() + r * K;
    for (int b = 0; b < K / 256; ++b) {
      append(tq2, pack_tq2_0(row + 256 * b, d_half[r]));
      append(tq1, pack_tq1_0(row + 256 * b, d_half[r]));
    }
    std::vector<uint8_t> s(4);
    std::memcpy(s.data(), &d_f[r], 4);
    append(iq2, s);
    iq1.push_back(static_cast<uint8_t>(d_half[r] & 0xff));
    iq1.push_back(static_cast<uint8_t>(d_half[r] >> 8));
    for (int b = 0; b < K / 64; ++b) {
      append(iq2, pack_iq2_bn_block(row + 64 * b));
      append(iq1, pack_iq1_bn_block(row + 64 * b));
    }
  }
  for (int b = 0; b < K * N / 128; ++b) append(i2s, pack_i2_s_block(codes.data() + 128 * b));
  const float i2s_scale = 0.75f;
  std::vector<uint8_t> slot(32, 0);
  std::memcpy(slot.data(), &i2s_scale, 4);
  append(i2s, slot);
  w.add_tensor("tq2", TensorType::TQ2_0, {K, N}, tq2);
  w.add_tensor("tq1", TensorType::TQ1_0, {K, N}, tq1);
  w.add_tensor("iq2", TensorType::IQ2_BN, {K, N}, iq2);
  w.add_tensor("iq1", TensorType::IQ1_BN, {K, N}, iq1);
  w.add_tensor("i2s", TensorType::I2_S, {K, N}, i2s);
  const File f = File::from_bytes(w.finish());

  std::vector<int8_t> got(K);
  std::vector<float> deq(K);
  for (const char* name : {"tq2", "tq1", "iq2", "iq1", "i2s"}) {
    SCOPED_TRACE(name);
    const TensorInfo& t = f.tensor(name);
    EXPECT_EQ(find_invalid_code(t), -1);
    for (int r = 0; r < N; ++r) {
      ternary_row_codes(t, r, got.data());
      ASSERT_EQ(got, std::vector<int8_t>(codes.begin() + r * K, codes.begin() + (r + 1) * K)) << "row " << r;
      float scales[8];
      const size_t ns = ternary_row_scales(t, r, scales);
      const float expect_scale = std::string(name) == "i2s" ? i2s_scale : d_f[r];
      EXPECT_EQ(ns, t.type() == TensorType::TQ1_0 || t.type() == TensorType::TQ2_0 ? 2u : 1u);
      for (size_t i = 0; i < ns; ++i) EXPECT_EQ(scales[i], expect_scale);
      dequantize_row(t, r, deq.data());
      for (int k = 0; k < K; ++k) ASSERT_EQ(deq[k], expect_scale * codes[r * K + k]) << k;
    }
  }
}

TEST(TensorDecode, I2SRowsThatStraddleBlocks) {
  // K = 64: rows are half blocks, so row 1 starts at element 64 inside block 0.
  const int K = 64, N = 4;
  const auto codes = random_codes(K * N, 3);
  std::vector<uint8_t> data;
  for (int b = 0; b < K * N / 128; ++b) append(data, pack_i2_s_block(codes.data() + 128 * b));
  data.resize(data.size() + 32, 0);
  Writer w;
  w.add_tensor("t", TensorType::I2_S, {K, N}, data);
  const File f = File::from_bytes(w.finish());
  std::vector<int8_t> got(K);
  for (int r = 0; r < N; ++r) {
    ternary_row_codes(f.tensor("t"), r, got.data());
    EXPECT_EQ(got, std::vector<int8_t>(codes.begin() + r * K, codes.begin() + (r + 1) * K));
  }
}

TEST(TensorDecode, FloatTypesAndQ8_0) {
  Writer w;
  const float f32[4] = {1.0f, -2.5f, 3.0f, 0.0f};
  w.add_tensor("f32", TensorType::F32, {2, 2},
               std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(f32), sizeof f32));
  const uint16_t f16[4] = {0x3c00, 0xc100, 0x4200, 0x0000};  // 1, -2.5, 3, 0
  w.add_tensor("f16", TensorType::F16, {2, 2},
               std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(f16), sizeof f16));
  const uint16_t bf16[4] = {0x3f80, 0xc020, 0x4040, 0x0000};  // 1, -2.5, 3, 0
  w.add_tensor("bf16", TensorType::BF16, {2, 2},
               std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bf16), sizeof bf16));
  std::vector<uint8_t> q8(34);
  q8[0] = 0x00;
  q8[1] = 0x38;  // d = 0.5
  for (int i = 0; i < 32; ++i) q8[2 + i] = static_cast<uint8_t>(static_cast<int8_t>(i - 16));
  w.add_tensor("q8", TensorType::Q8_0, {32, 1}, q8);
  w.add_tensor("q4k", TensorType::Q4_K, {256, 1}, std::vector<uint8_t>(144));
  const File f = File::from_bytes(w.finish());
  float row[32];
  for (const char* name : {"f32", "f16", "bf16"}) {
    dequantize_row(f.tensor(name), 1, row);
    EXPECT_EQ(row[0], 3.0f) << name;
    EXPECT_EQ(row[1], 0.0f) << name;
    dequantize_row(f.tensor(name), 0, row);
    EXPECT_EQ(row[1], -2.5f) << name;
  }
  dequantize_row(f.tensor("q8"), 0, row);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(row[i], 0.5f * static_cast<float>(i - 16));
  try {
    std::vector<float> big(256);
    dequantize_row(f.tensor("q4k"), 0, big.data());
    ADD_FAILURE() << "Q4_K should not decode";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "tensor 'q4k': dequantisation is not implemented for type Q4_K");
  }
  EXPECT_THROW(dequantize_row(f.tensor("f32"), 2, row), Error);
  int8_t codes[2];
  EXPECT_THROW(ternary_row_codes(f.tensor("f32"), 0, codes), Error);
}

TEST(TensorDecode, FindsInvalidTwoBitCodes) {
  std::vector<uint8_t> row(4 + 16, 0x55);  // all codes 1 (zero)
  row[0] = row[1] = row[2] = row[3] = 0;
  row[4 + 5] = 0x57;  // element 5: code 3
  Writer w;
  w.add_tensor("iq2", TensorType::IQ2_BN, {64, 1}, row);
  std::vector<uint8_t> i2s(32 + 32, 0x55);
  i2s[9] = 0x5d;  // 01 01 11 01: element 64 + 9 has code 3
  w.add_tensor("i2s", TensorType::I2_S, {128, 1}, i2s);
  const File f = File::from_bytes(w.finish());
  EXPECT_EQ(find_invalid_code(f.tensor("iq2")), 5);
  EXPECT_EQ(find_invalid_code(f.tensor("i2s")), 64 + 9);
}

// The reference's quantised files hold exactly the F32 file's weights (README: same codes, one
// fp16-representable scale per tensor), so every decoder must reproduce them bit for bit.
TEST(TensorDecode, ReferenceTernaryFilesDecodeToTheF32Weights) {
  const File f32 = File::open(trit::testutil::model_path("tiny_f32.gguf"));
  for (const char* name : {"tiny_iq2_bn.gguf", "tiny_iq1_bn.gguf", "tiny_i2_s.gguf", "tiny-bitnet_tq1_0.gguf",
                           "tiny-bitnet_tq2_0.gguf"}) {
    SCOPED_TRACE(name);
    const File q = File::open(trit::testutil::model_path(name));
    int n_ternary = 0;
    for (const TensorInfo& t : q.tensors()) {
      const TensorInfo& ref = f32.tensor(t.name);
      ASSERT_EQ(t.ne, ref.ne) << t.name;
      std::vector<float> a(t.ne[0]), b(t.ne[0]);
      n_ternary += is_ternary_type(t.type_id);
      for (uint64_t r = 0; r < t.n_rows(); ++r) {
        dequantize_row(t, r, a.data());
        dequantize_row(ref, r, b.data());
        ASSERT_EQ(a, b) << t.name << " row " << r;
      }
    }
    EXPECT_EQ(n_ternary, 21);
  }
}
