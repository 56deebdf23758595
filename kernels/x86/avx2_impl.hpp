// AVX2 kernels, included by avx2.cpp (AVX2 + FMA + F16C) and avxvnni.cpp (the same plus
// AVX-VNNI, which replaces the two-instruction u8 x s8 dot product with one). Everything here
// lives in the including file's anonymous namespace: each copy is compiled for its own flags.
// TRIT_AVX2_VNNI must be defined to 0 or 1 before inclusion.
#include <immintrin.h>

#include <cstring>

#include "kernels/detail/kernel_table.hpp"

#define TRIT_INLINE inline __attribute__((always_inline))

namespace trit::kernels::detail {
namespace {

TRIT_INLINE __m256i bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// acc += per-lane sum of four u8 x s8 products.
TRIT_INLINE __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
#if TRIT_AVX2_VNNI
  return _mm256_dpbusd_avx_epi32(acc, u, s);
#else
  // Codes are at most 2, so the 16-bit pair sums (<= 2 * 2 * 128) never saturate.
  const __m256i pairs = _mm256_maddubs_epi16(u, s);
  return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
#endif
}

// ---------------------------------------------------------------------------------------------
// Row kernels (row_ops_impl.hpp) and the int32 -> float rescale (rescale_impl.hpp) on 8 lanes.
// Tails use AVX's masked loads and stores, which never touch the lanes left out.

struct RowOps {
  using F = __m256;
  using D = __m256d;
  using I = __m256i;
  static constexpr int64_t W = 8;
  static TRIT_INLINE __m256i tail_mask(int64_t count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static TRIT_INLINE F load(const float* p) { return _mm256_loadu_ps(p); }
  static TRIT_INLINE F load_tail(const float* p, int64_t count) { return _mm256_maskload_ps(p, tail_mask(count)); }
  static TRIT_INLINE void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static TRIT_INLINE void store_tail(float* p, F v, int64_t count) { _mm256_maskstore_ps(p, tail_mask(count), v); }
  static TRIT_INLINE F zero() { return _mm256_setzero_ps(); }
  static TRIT_INLINE F set1(float f) { return _mm256_set1_ps(f); }
  static TRIT_INLINE F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static TRIT_INLINE F div(F a, F b) { return _mm256_div_ps(a, b); }
  static TRIT_INLINE F min(F a, F b) { return _mm256_min_ps(a, b); }
  static TRIT_INLINE F max(F a, F b) { return _mm256_max_ps(a, b); }
  static TRIT_INLINE F abs(F v) { return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
  static TRIT_INLINE float reduce_max(F v) {
    const __m128 h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 q = _mm_max_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_max_ss(q, _mm_movehdup_ps(q)));
  }
  static TRIT_INLINE F round_even(F v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static TRIT_INLINE F ordered(F y, F r) { return _mm256_and_ps(r, _mm256_cmp_ps(y, y, _CMP_ORD_Q)); }
  static TRIT_INLINE __m128i to_i8(F r) {
    const __m256i v = _mm256_cvtps_epi32(r);
    const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return _mm_packs_epi16(w16, w16);
  }
  static TRIT_INLINE void store_i8(int8_t* q, F r) { _mm_storel_epi64(reinterpret_cast<__m128i*>(q), to_i8(r)); }
  static TRIT_INLINE void store_i8_tail(int8_t* q, F r, int64_t count) {
    alignas(16) int8_t b[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(b), to_i8(r));
    for (int64_t i = 0; i < count; ++i) q[i] = b[i];
  }
  static TRIT_INLINE D zero_d() { return _mm256_setzero_pd(); }
  static TRIT_INLINE D lo_d(F v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
  static TRIT_INLINE D hi_d(F v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
  static TRIT_INLINE D fma_d(D a, D b, D c) { return _mm256_fmadd_pd(a, b, c); }
  static TRIT_INLINE D add_d(D a, D b) { return _mm256_add_pd(a, b); }
  static TRIT_INLINE double hsum_d(D v) {
    alignas(32) double l[4];
    _mm256_store_pd(l, v);
    return (l[0] + l[1]) + (l[2] + l[3]);
  }
  static TRIT_INLINE I load_i32(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static TRIT_INLINE I load_i32_tail(const int32_t* p, int64_t count) {
    return _mm256_maskload_epi32(reinterpret_cast<const int*>(p), tail_mask(count));
  }
  static TRIT_INLINE F to_float(I v) { return _mm256_cvtepi32_ps(v); }
};

#include "kernels/x86/rescale_impl.hpp"

// ---------------------------------------------------------------------------------------------
// Ternary GEMM, Bits2 only (Base3 runs on the scalar path here). A 64-byte plane is two 256-bit
// halves: rows 0-7 and rows 8-15 of the group.
template <int MB, int NB>
TRIT_INLINE void ternary_tile(const PackedView& w, int64_t g, const TernaryInput& in, int64_t m0,
                              const TernaryOutput& out) {
  const __m256i m3 = _mm256_set1_epi8(3);
  __m256i acc[MB][NB][2];
  for (int m = 0; m < MB; ++m)
    for (int j = 0; j < NB; ++j) acc[m][j][0] = acc[m][j][1] = _mm256_setzero_si256();
  const uint8_t* gp[NB];
  for (int j = 0; j < NB; ++j) gp[j] = w.data + (g + j) * w.group_bytes;
  const int8_t* xr[MB];
  for (int m = 0; m < MB; ++m) xr[m] = in.x + (m0 + m) * in.ldx;
  for (int64_t c = 0; c < w.chunks; ++c) {
    __m256i raw[NB][2];
    for (int j = 0; j < NB; ++j) {
      const uint8_t* src = gp[j] + c * kChunkBytes;
      raw[j][0] = _mm256_load_si256(reinterpret_cast<const __m256i*>(src));
      raw[j][1] = _mm256_load_si256(reinterpret_cast<const __m256i*>(src + 32));
    }
    for (int p = 0; p < 4; ++p) {
      for (int m = 0; m < MB; ++m) {
        const __m256i x = bcast4(xr[m] + c * 16 + 4 * p);
        for (int j = 0; j < NB; ++j)
          for (int h = 0; h < 2; ++h) {
            const __m256i codes = _mm256_and_si256(_mm256_srli_epi16(raw[j][h], 2 * p), m3);
            acc[m][j][h] = dot_u8s8(acc[m][j][h], codes, x);
          }
      }
    }
  }
  for (int j = 0; j < NB; ++j) {
    const int64_t n0 = (g + j) * kPackRows;
    const int64_t rows = w.n - n0 < kPackRows ? w.n - n0 : kPackRows;
    for (int m = 0; m < MB; ++m) {
      const __m256i sum = _mm256_set1_epi32(in.x_sum[m0 + m]);
      for (int h = 0; h < 2 && 8 * h < rows; ++h) {  // rows 8h .. 8h + 7 of the group
        const int64_t count = rows - 8 * h < 8 ? rows - 8 * h : 8;
        const int64_t at = (m0 + m) * out.ldy + n0 + 8 * h;
        const __m256i v = _mm256_sub_epi32(acc[m][j][h], sum);
        if (out.y != nullptr) {
          rescale_lanes(v, count, out.x_scale[m0 + m], out.w_scale + n0 + 8 * h, out.y + at);
        } else if (count == 8) {
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.y_int + at), v);
        } else {
          _mm256_maskstore_epi32(reinterpret_cast<int*>(out.y_int + at), RowOps::tail_mask(count), v);
        }
      }
    }
  }
}

template <int MB>
TRIT_INLINE void ternary_rows(const PackedView& w, int64_t g0, int64_t g1, const TernaryInput& in, int64_t m0,
                              const TernaryOutput& out) {
  // Single rows read one group at a time: one sequential stream per thread (see avx512.cpp).
  int64_t g = g0;
  if (MB > 1)
    for (; g + 2 <= g1; g += 2) ternary_tile<MB, 2>(w, g, in, m0, out);
  for (; g < g1; ++g) ternary_tile<MB, 1>(w, g, in, m0, out);
}

void ternary_gemm_bits2(const PackedView& w, int64_t g0, int64_t g1, const TernaryInput& in,
                        const TernaryOutput& out, uint8_t* /*scratch*/) {
  constexpr int64_t kGroupsPerPass = 16;
  for (int64_t gb = g0; gb < g1; gb += kGroupsPerPass) {
    const int64_t ge = gb + kGroupsPerPass < g1 ? gb + kGroupsPerPass : g1;
    int64_t m = 0;
    for (; m + 2 <= in.M; m += 2) ternary_rows<2>(w, gb, ge, in, m, out);
    if (m < in.M) ternary_rows<1>(w, gb, ge, in, m, out);
  }
}

// ---------------------------------------------------------------------------------------------
// Float GEMM (float_gemm_impl.hpp) on 8 lanes.

struct Vec {
  using F = __m256;
  static constexpr int64_t W = 8;
  static constexpr int kRows = 2, kBatch = 2;  // 16 registers: 2 x 2 x 2 accumulators
  static TRIT_INLINE F zero() { return _mm256_setzero_ps(); }
  static TRIT_INLINE F load_x(const float* x) { return _mm256_loadu_ps(x); }
  static TRIT_INLINE F load_x_tail(const float* x, int64_t count) {
    alignas(32) float buf[8] = {};
    std::memcpy(buf, x, static_cast<size_t>(count) * 4);
    return _mm256_load_ps(buf);
  }
  template <FloatType T>
  static TRIT_INLINE F load_w(const uint8_t* row, int64_t k) {
    if constexpr (T == FloatType::F32) {
      return _mm256_loadu_ps(reinterpret_cast<const float*>(row + 4 * k));
    } else if constexpr (T == FloatType::F16) {
      return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * k)));
    } else {
      const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * k)));
      return _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
    }
  }
  template <FloatType T>
  static TRIT_INLINE F load_w_tail(const uint8_t* row, int64_t k, int64_t count) {
    constexpr int64_t kElemBytes = T == FloatType::F32 ? 4 : 2;
    alignas(32) uint8_t buf[32] = {};
    std::memcpy(buf, row + k * kElemBytes, static_cast<size_t>(count * kElemBytes));
    return load_w<T>(buf, 0);
  }
  static TRIT_INLINE F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static TRIT_INLINE F add(F a, F b) { return _mm256_add_ps(a, b); }
  static TRIT_INLINE float hsum(F v) {
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
  }
};

#include "kernels/x86/float_gemm_impl.hpp"

// ---------------------------------------------------------------------------------------------
// Activation quantiser, RMSNorm, squared-ReLU gate.

#include "kernels/x86/row_ops_impl.hpp"

// ---------------------------------------------------------------------------------------------
// Attention of one query head, bit-identical to attention_head_ref: the dots in dot_f32's order
// (eight lanes over k mod 8, combined pairwise, then the tail), softmax with the C library's
// expf and a double sum in key order, and the weighted sum as separate multiply and add per
// element in key order. Any float difference upstream of the int8 activation quantiser flips
// codes and moves logits visibly, so attention does not depend on the CPU.

TRIT_INLINE float dot_like_ref(const float* a, const float* b, int64_t n) {
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
  alignas(32) float l[8];
  _mm256_store_ps(l, acc);
  float tail = 0;
  for (; i < n; ++i) tail += a[i] * b[i];
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])) + tail;
}

void attention_head(const float* q, const float* K, const float* V, int64_t ld, int64_t n_keys, int64_t hd,
                    float scale, float* out, float* s) {
  if (hd % 8 != 0 || hd > 256) {
    attention_head_ref(q, K, V, ld, n_keys, hd, scale, out, s);
    return;
  }
  // Four keys at a time: four independent add chains instead of one (each key's dot still sums
  // in dot_f32's order).
  int64_t j = 0;
  for (; j + 4 <= n_keys; j += 4) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t i = 0; i < hd; i += 8) {
      const __m256 qv = _mm256_loadu_ps(q + i);
      for (int k = 0; k < 4; ++k) acc[k] = _mm256_add_ps(acc[k], _mm256_mul_ps(qv, _mm256_loadu_ps(K + (j + k) * ld + i)));
    }
    for (int k = 0; k < 4; ++k) {
      alignas(32) float l[8];
      _mm256_store_ps(l, acc[k]);
      const float tail = 0;  // hd % 8 == 0: dot_f32's tail is empty
      s[j + k] = (((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])) + tail) * scale;
    }
  }
  for (; j < n_keys; ++j) s[j] = dot_like_ref(q, K + j * ld, hd) * scale;
  float max = -__builtin_inff();
  for (j = 0; j < n_keys; ++j) max = s[j] > max ? s[j] : max;
  double sum = 0;
  for (j = 0; j < n_keys; ++j) {
    s[j] = __builtin_expf(s[j] - max);
    sum += s[j];
  }
  const auto inv = static_cast<float>(1.0 / sum);
  for (j = 0; j < n_keys; ++j) s[j] *= inv;
  __m256 o[32];
  const int64_t nv = hd / 8;
  for (int64_t i = 0; i < nv; ++i) o[i] = _mm256_setzero_ps();
  for (j = 0; j < n_keys; ++j) {
    const __m256 p = _mm256_set1_ps(s[j]);
    const float* v = V + j * ld;
    for (int64_t i = 0; i < nv; ++i) o[i] = _mm256_add_ps(o[i], _mm256_mul_ps(p, _mm256_loadu_ps(v + 8 * i)));
  }
  for (int64_t i = 0; i < nv; ++i) _mm256_storeu_ps(out + 8 * i, o[i]);
}

// ---------------------------------------------------------------------------------------------
// Q8 head (q8_impl.hpp): 8 rows per vector (a 16-row group is two units). The exact sums come
// from VNNI on the unsigned codes with the -128 correction as the start, or without VNNI from
// the sign trick (|w| x sign(x, w): pair sums stay below 2 * 128 * 127, so maddubs cannot
// saturate).
struct Q8Ops {
  using I = __m256i;
  using F = __m256;
  static constexpr int64_t L = 8;
  static TRIT_INLINE I codes(const uint8_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }
  static TRIT_INLINE I bcast_x(const int8_t* p) { return bcast4(p); }
#if TRIT_AVX2_VNNI
  static TRIT_INLINE I init(int32_t corr) { return _mm256_set1_epi32(corr); }
  static TRIT_INLINE I dot(I s, I u, I x) { return _mm256_dpbusd_avx_epi32(s, u, x); }
#else
  static TRIT_INLINE I init(int32_t) { return _mm256_setzero_si256(); }
  static TRIT_INLINE I dot(I s, I u, I x) {
    const __m256i ws = _mm256_xor_si256(u, _mm256_set1_epi8(static_cast<char>(0x80)));
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(ws), _mm256_sign_epi8(x, ws));
    return _mm256_add_epi32(s, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
  }
#endif
  static TRIT_INLINE I add_int(I a, I b) { return _mm256_add_epi32(a, b); }
  static TRIT_INLINE F scales(const uint8_t* p) {
    return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static TRIT_INLINE F zero() { return _mm256_setzero_ps(); }
  static TRIT_INLINE F set1(float f) { return _mm256_set1_ps(f); }
  static TRIT_INLINE F to_float(I v) { return _mm256_cvtepi32_ps(v); }
  static TRIT_INLINE F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static TRIT_INLINE F add(F a, F b) { return _mm256_add_ps(a, b); }
  static TRIT_INLINE void store(float* y, F v, int64_t count) {
    if (count == L) {
      _mm256_storeu_ps(y, v);
      return;
    }
    alignas(32) float t[L];
    _mm256_store_ps(t, v);
    for (int64_t i = 0; i < count; ++i) y[i] = t[i];
  }
};

#include "kernels/x86/q8_impl.hpp"

KernelTable make_table() {
  KernelTable k;
  k.ternary_gemm[static_cast<int>(TernaryLayout::Bits2)] = ternary_gemm_bits2;
  k.float_gemm = float_gemm;
  k.quantize_row = quantize_row;
  k.rms_norm = rms_norm;
  k.attention_head = attention_head;
  k.squared_relu_mul = squared_relu_mul;
  k.q8_gemm = q8_gemm;
  k.rescale_i32 = rescale_i32;
  return k;
}

}  // namespace
}  // namespace trit::kernels::detail
