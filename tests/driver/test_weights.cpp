// Weight layout and packing against the format definitions in docs/architecture.md, computed
// independently here (base-3 digits by division, sizes from the formulas by hand).

#include <random>

#include <gtest/gtest.h>

#include "test_seed.hpp"
#include "trit/driver/errors.hpp"
#include "trit/driver/weights.hpp"

using namespace trit::driver;

TEST(T5, EveryByteValueDecodesToItsBase3Digits) {
  // For every v in 0..242 the byte is ceil(256 v / 243) and must decode to v's five base-3
  // digits, most significant first, each minus one.
  for (uint32_t v = 0; v < 243; ++v) {
    int8_t digits[5];
    uint32_t rest = v;
    for (int p = 4; p >= 0; --p) {
      digits[p] = static_cast<int8_t>(rest % 3) - 1;
      rest /= 3;
    }
    const uint8_t byte = static_cast<uint8_t>((256 * v + 242) / 243);
    EXPECT_EQ(t5_encode(digits), byte) << "v=" << v;
    int8_t got[5];
    t5_decode(byte, got);
    for (int p = 0; p < 5; ++p) EXPECT_EQ(got[p], digits[p]) << "v=" << v << " position " << p;
  }
}

TEST(T5, MatchesTheGgmlTq1Formula) {
  // GGML's TQ1_0 reads trit n of byte b as ((uint8)(b * 3^n) * 3) >> 8 (reference README); our
  // shift-add decoder must agree on all 256 byte values, including the 13 never written.
  for (uint32_t b = 0; b < 256; ++b) {
    int8_t got[5];
    t5_decode(static_cast<uint8_t>(b), got);
    uint32_t pow3 = 1;
    for (int n = 0; n < 5; ++n) {
      const uint32_t q = static_cast<uint8_t>(b * pow3);
      EXPECT_EQ(got[n], static_cast<int>((q * 3) >> 8) - 1) << "byte " << b << " trit " << n;
      pow3 *= 3;
    }
  }
}

TEST(Layout, SizesFor2B4TShapesOnTheBenchArray) {
  // r8c20v16b512: C*V = 320 trits per chunk = 64 bytes in T5 = one bus beat; 80 bytes in T2.
  const ArrayConfig cfg{8, 20, 16, 64, 8192, 40, 64};
  const WeightLayout t5 = WeightLayout::of(cfg, 640, 2560, WeightFormat::T5);
  EXPECT_EQ(t5.n_chunks, 160u);
  EXPECT_EQ(t5.n_tiles, 32u);
  EXPECT_EQ(t5.chunk_bytes, 64u);
  EXPECT_EQ(t5.tile_bytes, 10240u);
  EXPECT_EQ(t5.total_bytes, 640u * 2560u / 5u);  // exactly 1.6 bits per weight
  const WeightLayout t2 = WeightLayout::of(cfg, 6912, 2560, WeightFormat::T2);
  EXPECT_EQ(t2.chunk_bytes, 80u);
  EXPECT_EQ(t2.n_tiles, 346u);  // ceil(6912 / 20)
  EXPECT_EQ(t2.tile_bytes, 12800u);
  // Ragged: N = 21 needs a second tile, K = 17 a second chunk; tiles pad to 64 bytes.
  const WeightLayout r = WeightLayout::of(cfg, 21, 17, WeightFormat::T5);
  EXPECT_EQ(r.n_tiles, 2u);
  EXPECT_EQ(r.n_chunks, 2u);
  EXPECT_EQ(r.tile_bytes, 128u);
}

TEST(Layout, T2BitPositions) {
  // C=1, V=4: one chunk of 4 trits in one byte; W = [+1, -1, 0, +1] -> codes 01 11 00 01.
  const ArrayConfig cfg{1, 1, 4, 8, 64, 32, 16};
  const WeightLayout l = WeightLayout::of(cfg, 1, 4, WeightFormat::T2);
  const std::vector<int8_t> w = {1, -1, 0, 1};
  const std::vector<uint8_t> blob = pack_weights(l, w);
  ASSERT_EQ(blob.size(), 8u);
  EXPECT_EQ(blob[0], 0b01'00'11'01);
  for (size_t i = 1; i < blob.size(); ++i) EXPECT_EQ(blob[i], 0) << "padding byte " << i;
}

TEST(Layout, TileOrderColumnMajorWithinChunk) {
  // C=2, V=2, K=3, N=3: tile 0 = rows 0,1; chunk 0 = (r0 k0, r0 k1, r1 k0, r1 k1); chunk 1 =
  // (r0 k2, 0, r1 k2, 0). Check via T2 where every trit has its own two bits.
  const ArrayConfig cfg{1, 2, 2, 8, 64, 32, 16};
  const WeightLayout l = WeightLayout::of(cfg, 3, 3, WeightFormat::T2);
  const std::vector<int8_t> w = {1, -1, 0,   // row 0
                                 0, 1, -1,   // row 1
                                 -1, -1, 1};  // row 2
  const auto blob = pack_weights(l, w);
  auto code = [](int v) { return v == 0 ? 0 : (v > 0 ? 1 : 3); };
  auto byte = [&](int a, int b, int c, int d) {
    return static_cast<uint8_t>(code(a) | code(b) << 2 | code(c) << 4 | code(d) << 6);
  };
  EXPECT_EQ(blob[0], byte(1, -1, 0, 1));    // tile 0 chunk 0
  EXPECT_EQ(blob[1], byte(0, 0, -1, 0));    // tile 0 chunk 1
  EXPECT_EQ(blob[8], byte(-1, -1, 0, 0));   // tile 1 chunk 0 (row 3 does not exist)
  EXPECT_EQ(blob[9], byte(1, 0, 0, 0));     // tile 1 chunk 1
}

TEST(Layout, RoundTripRandomShapes) {
  std::mt19937_64 rng(trit::testing::test_seed());
  const ArrayConfig cfgs[] = {{2, 4, 4, 8, 512, 32, 16}, {3, 5, 8, 16, 1024, 40, 32}, {8, 20, 16, 64, 8192, 40, 64}};
  std::uniform_int_distribution<int> t(-1, 1);
  for (const ArrayConfig& cfg : cfgs)
    for (int i = 0; i < 40; ++i) {
      const uint32_t n = std::uniform_int_distribution<uint32_t>(1, 70)(rng);
      const uint32_t k = std::uniform_int_distribution<uint32_t>(1, 300)(rng);
      std::vector<int8_t> w(uint64_t{n} * k);
      for (auto& v : w) v = static_cast<int8_t>(t(rng));
      for (WeightFormat f : {WeightFormat::T2, WeightFormat::T5}) {
        const WeightLayout l = WeightLayout::of(cfg, n, k, f);
        const auto blob = pack_weights(l, w);
        ASSERT_EQ(blob.size(), l.total_bytes);
        EXPECT_EQ(l.tile_bytes % cfg.bus_bytes, 0u);
        EXPECT_EQ(unpack_weights(l, blob), w) << cfg.name() << " n=" << n << " k=" << k << " "
                                              << trit::regs::to_string(f);
      }
    }
}

TEST(Layout, RejectsNonTernaryAndWrongSizes) {
  const ArrayConfig cfg{2, 4, 4, 8, 512, 32, 16};
  const WeightLayout l = WeightLayout::of(cfg, 2, 2, WeightFormat::T5);
  EXPECT_THROW(pack_weights(l, std::vector<int8_t>{1, 0, 2, 0}), ShapeError);
  EXPECT_THROW(pack_weights(l, std::vector<int8_t>{1, 0, 0}), ShapeError);
  EXPECT_THROW(WeightLayout::of(cfg, 0, 4, WeightFormat::T2), ShapeError);
  EXPECT_THROW(unpack_weights(l, std::vector<uint8_t>(l.total_bytes - 1)), ShapeError);
}
