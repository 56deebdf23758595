// AArch64 Advanced SIMD (NEON) variant: the packed ternary GEMV/GEMM on the Bits2 layout, with
// baseline ARMv8-A instructions only (no dot-product extension, so it runs on every AArch64
// core), and the int32 -> float rescale. Everything else comes from the scalar table
// (detail::table fills the gaps), and Base3 is not native here: preferred_layout() packs every
// type as Bits2 for this variant.
//
// Bits2 chunk (kernels/ternary_gemm.hpp): 64 bytes, byte 4i + j of row i holds the codes
// (w + 1, 0..2) of columns 4p + j for p = 0..3 in bits 2p+1..2p. One 16-byte vector is four
// rows x four bytes; plane p is (v >> 2p) & 3, and the four activations of plane p, replicated
// into every 32-bit lane, line up with it byte for byte. vmull_s8 forms the int16 products
// (|code x| <= 256) of two rows at a time and vpadalq_s16 folds adjacent pairs into int32
// lanes, so lanes (2r, 2r+1) of an accumulator hold row r's two half sums; one vpaddq at the
// end gives four row sums. int32 lanes wrap like the scalar kernel's uint32 sums, and the code
// offset comes off as sum(x) at the end, so results are exact and bit-identical to it.
#include <arm_neon.h>

#include <cstring>

#include "kernels/detail/kernel_table.hpp"

namespace trit::kernels::detail {
namespace {

// The four activations of plane P of the chunk starting at x, in every 32-bit lane.
template <int P>
inline int8x16_t plane_activations(const int8_t* x) {
  uint32_t four;
  std::memcpy(&four, x + 4 * P, 4);
  return vreinterpretq_s8_u32(vdupq_n_u32(four));
}

// acc[2q], acc[2q + 1]: rows 4q..4q+1 and 4q+2..4q+3 of the group (two lanes per row).
template <int P>
inline void plane(const uint8x16_t w[4], const int8_t* x, int32x4_t acc[8]) {
  const int8x16_t xv = plane_activations<P>(x);
  const uint8x16_t three = vdupq_n_u8(3);
  for (int q = 0; q < 4; ++q) {
    uint8x16_t v = w[q];
    if constexpr (P > 0) v = vshrq_n_u8(v, 2 * P);  // the shift count must be an immediate in 1..8
    const int8x16_t codes = vreinterpretq_s8_u8(vandq_u8(v, three));
    acc[2 * q] = vpadalq_s16(acc[2 * q], vmull_s8(vget_low_s8(codes), vget_low_s8(xv)));
    acc[2 * q + 1] = vpadalq_s16(acc[2 * q + 1], vmull_high_s8(codes, xv));
  }
}

// The forward pass's rescale, y = float(acc) / x_scale * w_scale (rescale_i32_ref's three IEEE
// operations in its order, four lanes at a time; the tail is the reference itself). The GEMM's
// float output goes through it too, so it equals rescaling the int32 output afterwards.
void rescale_i32(const int32_t* acc, int64_t n, float x_scale, const float* w_scale, float* y) {
  const float32x4_t xs = vdupq_n_f32(x_scale);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    vst1q_f32(y + i, vmulq_f32(vdivq_f32(vcvtq_f32_s32(vld1q_s32(acc + i)), xs), vld1q_f32(w_scale + i)));
  rescale_i32_ref(acc + i, n - i, x_scale, w_scale + i, y + i);
}

void ternary_gemm_bits2(const PackedView& w, int64_t g0, int64_t g1, const TernaryInput& in,
                        const TernaryOutput& out, uint8_t* /*scratch*/) {
  for (int64_t g = g0; g < g1; ++g) {
    const uint8_t* grp = w.data + g * w.group_bytes;
    const int64_t rows = w.n - g * kPackRows < kPackRows ? w.n - g * kPackRows : kPackRows;
    for (int64_t m = 0; m < in.M; ++m) {
      const int8_t* xm = in.x + m * in.ldx;
      int32x4_t acc[8];
      for (auto& a : acc) a = vdupq_n_s32(0);
      for (int64_t c = 0; c < w.chunks; ++c) {
        const uint8_t* chunk = grp + c * kChunkBytes;
        const uint8x16_t wv[4] = {vld1q_u8(chunk), vld1q_u8(chunk + 16), vld1q_u8(chunk + 32), vld1q_u8(chunk + 48)};
        const int8_t* x = xm + c * 16;
        plane<0>(wv, x, acc);
        plane<1>(wv, x, acc);
        plane<2>(wv, x, acc);
        plane<3>(wv, x, acc);
      }
      // Row sums minus sum(x) (vsubq wraps, like the scalar kernel's uint32 arithmetic).
      int32_t v[kPackRows];
      const int32x4_t x_sum = vdupq_n_s32(in.x_sum[m]);
      for (int q = 0; q < 4; ++q) vst1q_s32(v + 4 * q, vsubq_s32(vpaddq_s32(acc[2 * q], acc[2 * q + 1]), x_sum));
      const int64_t n0 = g * kPackRows;
      if (out.y) {
        rescale_i32(v, rows, out.x_scale[m], out.w_scale + n0, out.y + m * out.ldy + n0);
      } else {
        for (int64_t i = 0; i < rows; ++i) out.y_int[m * out.ldy + n0 + i] = v[i];
      }
    }
  }
}

}  // namespace

const KernelTable& neon_table() {
  static const KernelTable t = [] {
    KernelTable k;
    k.ternary_gemm[static_cast<int>(TernaryLayout::Bits2)] = ternary_gemm_bits2;
    k.rescale_i32 = rescale_i32;
    return k;
  }();
  return t;
}

}  // namespace trit::kernels::detail
