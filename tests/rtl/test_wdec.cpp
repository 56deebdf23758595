// Weight decoders against the format definitions of docs/architecture.md, computed here from
// scratch (base-3 digits by division, ceil(256 v / 243) packing): every one of the 243 valid T5
// byte values at every byte position, random whole chunks in both formats, and T2's unused code.
#include <verilated.h>

#include "Vtb_wdec_t16.h"
#include "Vtb_wdec_t20.h"
#include "tb_common.hpp"

namespace trit::rtl_tb {
namespace {

// The array's trit code: {subtract, nonzero}.
unsigned code_of(int w) { return w == 0 ? 0u : (w > 0 ? 1u : 3u); }

// T5 byte of five trits (position 0 most significant), straight from the definition.
uint8_t t5_byte(const int w[5]) {
  int v = 0;
  for (int p = 0; p < 5; ++p) v = v * 3 + (w[p] + 1);
  return uint8_t((256 * v + 242) / 243);
}

template <class Model>
struct DecBench {
  VerilatedContext ctx;
  Model m{&ctx, "top"};
  unsigned trits;
  explicit DecBench(unsigned t) : trits(t) {}
  unsigned t2_bytes() const { return (trits + 3) / 4; }
  unsigned t5_bytes() const { return (trits + 4) / 5; }

  // Encode trits in both formats (padding trits are 0), decode, compare every code.
  void check_chunk(const std::vector<int>& w, const std::string& what) {
    std::vector<uint8_t> b2(t2_bytes(), 0), b5(t5_bytes(), 0);
    for (unsigned i = 0; i < trits; ++i) b2[i / 4] |= uint8_t(code_of(w[i]) << (2 * (i % 4)));
    for (unsigned b = 0; b < t5_bytes(); ++b) {
      int five[5];
      for (int p = 0; p < 5; ++p) five[p] = (5 * b + p < trits) ? w[5 * b + p] : 0;
      b5[b] = t5_byte(five);
    }
    put_bytes(m.t2_bytes_i, b2);
    put_bytes(m.t5_bytes_i, b5);
    m.eval();
    for (unsigned i = 0; i < trits; ++i) {
      EXPECT_EQ(get_bits(m.t2_code_o, 2 * i, 2), code_of(w[i])) << what << " T2 trit " << i;
      EXPECT_EQ(get_bits(m.t5_code_o, 2 * i, 2), code_of(w[i])) << what << " T5 trit " << i;
    }
  }

  void all_t5_bytes() {
    for (unsigned pos = 0; pos < t5_bytes(); ++pos) {
      for (int v = 0; v < 243; ++v) {
        std::vector<int> w(trits, 0);
        int d = v;
        for (int p = 4; p >= 0; --p) {  // base-3 digits of v, position 0 most significant
          if (5 * pos + p < trits) w[5 * pos + p] = d % 3 - 1;
          d /= 3;
        }
        // Digits past the chunk are not representable as weights: skip values that need them.
        bool fits = true;
        d = v;
        for (int p = 4; p >= 0; --p) {
          if (5 * pos + p >= trits && d % 3 != 1) fits = false;
          d /= 3;
        }
        if (!fits) continue;
        check_chunk(w, "byte value v=" + std::to_string(v) + " at byte " + std::to_string(pos));
        if (::testing::Test::HasFailure()) return;
      }
    }
  }

  void random_chunks(int n) {
    auto rng = test_rng();
    std::uniform_int_distribution<int> t(-1, 1);
    for (int k = 0; k < n && !::testing::Test::HasFailure(); ++k) {
      std::vector<int> w(trits);
      for (auto& x : w) x = t(rng);
      check_chunk(w, "random chunk " + std::to_string(k));
    }
  }

  void t2_unused_code_is_zero() {
    std::vector<uint8_t> b2(t2_bytes(), 0xAA);  // every trit 10
    put_bytes(m.t2_bytes_i, b2);
    m.eval();
    for (unsigned i = 0; i < trits; ++i) EXPECT_EQ(get_bits(m.t2_code_o, 2 * i, 2), 0u) << i;
  }
};

TEST(RtlWdec, T5AllByteValuesTrits20) { DecBench<Vtb_wdec_t20>(20).all_t5_bytes(); }
TEST(RtlWdec, T5AllByteValuesTrits16) { DecBench<Vtb_wdec_t16>(16).all_t5_bytes(); }
TEST(RtlWdec, RandomChunksTrits20) { DecBench<Vtb_wdec_t20>(20).random_chunks(2000); }
TEST(RtlWdec, RandomChunksTrits16) { DecBench<Vtb_wdec_t16>(16).random_chunks(2000); }
TEST(RtlWdec, T2UnusedCodeDecodesAsZero) { DecBench<Vtb_wdec_t16>(16).t2_unused_code_is_zero(); }

// The decoder must also agree with the definition on all 256 byte values of which 243 are
// valid: the 13 others never occur, but check that every valid one is hit exactly once.
TEST(RtlWdec, T5PackingIsABijectionOnValidBytes) {
  std::vector<int> seen(256, 0);
  for (int v = 0; v < 243; ++v) ++seen[(256 * v + 242) / 243];
  int valid = 0;
  for (int b = 0; b < 256; ++b) {
    EXPECT_LE(seen[b], 1) << b;
    valid += seen[b];
  }
  EXPECT_EQ(valid, 243);
}

}  // namespace
}  // namespace trit::rtl_tb
