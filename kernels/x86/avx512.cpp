// AVX-512 kernels (F, BW, VL, DQ, VNNI, VBMI; this file is compiled with those flags and only
// called when CPUID reports them). See kernel_table.hpp for what may be used here.
#include <immintrin.h>

#include <cstring>

// GCC 12 reports its own _mm512_undefined_*() placeholders inside the reduce/mask intrinsics
// as uninitialised when they are inlined at -O3 (a known false positive of the headers).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/detail/kernel_table.hpp"

#define TRIT_INLINE inline __attribute__((always_inline))

namespace trit::kernels::detail {
namespace {

// ---------------------------------------------------------------------------------------------
// Row kernels (row_ops_impl.hpp) and the int32 -> float rescale (rescale_impl.hpp) on 16 lanes,
// masked tails.

struct RowOps {
  using F = __m512;
  using D = __m512d;
  using I = __m512i;
  static constexpr int64_t W = 16;
  static TRIT_INLINE __mmask16 tail_mask(int64_t count) { return static_cast<__mmask16>((1u << count) - 1u); }
  static TRIT_INLINE F load(const float* p) { return _mm512_loadu_ps(p); }
  static TRIT_INLINE F load_tail(const float* p, int64_t count) { return _mm512_maskz_loadu_ps(tail_mask(count), p); }
  static TRIT_INLINE void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static TRIT_INLINE void store_tail(float* p, F v, int64_t count) { _mm512_mask_storeu_ps(p, tail_mask(count), v); }
  static TRIT_INLINE F zero() { return _mm512_setzero_ps(); }
  static TRIT_INLINE F set1(float f) { return _mm512_set1_ps(f); }
  static TRIT_INLINE F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static TRIT_INLINE F div(F a, F b) { return _mm512_div_ps(a, b); }
  static TRIT_INLINE F min(F a, F b) { return _mm512_min_ps(a, b); }
  static TRIT_INLINE F max(F a, F b) { return _mm512_max_ps(a, b); }
  static TRIT_INLINE F abs(F v) { return _mm512_and_ps(v, _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff))); }
  static TRIT_INLINE float reduce_max(F v) { return _mm512_reduce_max_ps(v); }
  static TRIT_INLINE F round_even(F v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static TRIT_INLINE F ordered(F y, F r) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(y, y, _CMP_ORD_Q), r); }
  static TRIT_INLINE void store_i8(int8_t* q, F r) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(r)));
  }
  static TRIT_INLINE void store_i8_tail(int8_t* q, F r, int64_t count) {
    _mm512_mask_cvtsepi32_storeu_epi8(q, tail_mask(count), _mm512_cvtps_epi32(r));
  }
  static TRIT_INLINE D zero_d() { return _mm512_setzero_pd(); }
  static TRIT_INLINE D lo_d(F v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
  static TRIT_INLINE D hi_d(F v) {
    return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  }
  static TRIT_INLINE D fma_d(D a, D b, D c) { return _mm512_fmadd_pd(a, b, c); }
  static TRIT_INLINE D add_d(D a, D b) { return _mm512_add_pd(a, b); }
  static TRIT_INLINE double hsum_d(D v) { return _mm512_reduce_add_pd(v); }
  static TRIT_INLINE I load_i32(const int32_t* p) { return _mm512_loadu_si512(p); }
  static TRIT_INLINE I load_i32_tail(const int32_t* p, int64_t count) {
    return _mm512_maskz_loadu_epi32(tail_mask(count), p);
  }
  static TRIT_INLINE F to_float(I v) { return _mm512_cvtepi32_ps(v); }
};

#include "kernels/x86/rescale_impl.hpp"

// ---------------------------------------------------------------------------------------------
// Ternary GEMM on packed weights (layouts in ternary_gemm.hpp).
//
// One tile = MB activation rows x NB row groups (16 output rows each), accumulated over every
// chunk of K with one vpdpbusd per (row, group, plane): 64 unsigned codes x 64 activations. The
// weight codes are decoded in registers: Bits2 planes are (byte >> 2p) & 3; Base3 bytes are
// split into the fifth trit (compares against 81 and 162) and a 0..80 remainder that a
// 128-entry byte permute turns into the other four trits as 2-bit fields.

TRIT_INLINE __m512i bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// u in [0, 81) -> t0 | t1 << 2 | t2 << 4 | t3 << 6 where u = t0 + 3 t1 + 9 t2 + 27 t3.
struct Base3Lut {
  alignas(64) uint8_t v[128];
  constexpr Base3Lut() : v{} {
    for (int u = 0; u < 128; ++u) {
      int r = u < 81 ? u : 0, packed = 0;
      for (int p = 0; p < 4; ++p) {
        packed |= (r % 3) << (2 * p);
        r /= 3;
      }
      v[u] = static_cast<uint8_t>(packed);
    }
  }
};
constexpr Base3Lut kBase3Lut{};

struct Consts {
  __m512i m3, lut_lo, lut_hi, c81, c162, one;
  TRIT_INLINE Consts()
      : m3(_mm512_set1_epi8(3)),
        lut_lo(_mm512_load_si512(kBase3Lut.v)),
        lut_hi(_mm512_load_si512(kBase3Lut.v + 64)),
        c81(_mm512_set1_epi8(81)),
        c162(_mm512_set1_epi8(static_cast<char>(162))),
        one(_mm512_set1_epi8(1)) {}
};

// Base3 byte v = u + 81 t4 (u < 81): returns the four low trits as 2-bit fields, t4 in `hi`.
TRIT_INLINE __m512i base3_split(__m512i v, const Consts& k, __m512i& hi) {
  const __mmask64 ge1 = _mm512_cmpge_epu8_mask(v, k.c81);
  const __mmask64 ge2 = _mm512_cmpge_epu8_mask(v, k.c162);
  hi = _mm512_mask_add_epi8(_mm512_maskz_mov_epi8(ge1, k.one), ge2, _mm512_maskz_mov_epi8(ge1, k.one), k.one);
  __m512i u = _mm512_mask_sub_epi8(v, ge1, v, k.c81);
  u = _mm512_mask_sub_epi8(u, ge2, u, k.c81);
  return _mm512_permutex2var_epi8(k.lut_lo, u, k.lut_hi);
}

TRIT_INLINE __m512i field(__m512i packed, int p, const Consts& k) {
  return p == 0 ? _mm512_and_si512(packed, k.m3) : _mm512_and_si512(_mm512_srli_epi16(packed, 2 * p), k.m3);
}

// One group's 16 results of row m: int32 as they are, or rescaled to float (both masked to N).
TRIT_INLINE void store_group(const TernaryOutput& out, int64_t m, int64_t n0, int64_t rows, __m512i v) {
  if (out.y != nullptr) {
    rescale_lanes(v, rows, out.x_scale[m], out.w_scale + n0, out.y + m * out.ldy + n0);
  } else {
    _mm512_mask_storeu_epi32(out.y_int + m * out.ldy + n0, RowOps::tail_mask(rows), v);
  }
}

// Tile epilogue: undo the code offset, then store.
template <int MB, int NB>
TRIT_INLINE void store_tile(const PackedView& w, int64_t g, const TernaryInput& in, int64_t m0,
                            const TernaryOutput& out, const __m512i (&acc)[MB][NB]) {
  for (int j = 0; j < NB; ++j) {
    const int64_t n0 = (g + j) * kPackRows;
    const int64_t rows = w.n - n0 < kPackRows ? w.n - n0 : kPackRows;
    for (int m = 0; m < MB; ++m)
      store_group(out, m0 + m, n0, rows, _mm512_sub_epi32(acc[m][j], _mm512_set1_epi32(in.x_sum[m0 + m])));
  }
}

// Decodes groups g .. g + nb - 1 into planes: out[j][c][p][64 bytes], codes 0..2.
template <TernaryLayout L>
void decode_planes(const PackedView& w, int64_t g, int64_t nb, uint8_t* out) {
  constexpr int NP = static_cast<int>(planes(L));
  const Consts k;
  for (int64_t j = 0; j < nb; ++j) {
    const uint8_t* src = w.data + (g + j) * w.group_bytes;
    uint8_t* dst = out + j * w.chunks * NP * kChunkBytes;
    for (int64_t c = 0; c < w.chunks; ++c) {
      const __m512i v = _mm512_load_si512(src + c * kChunkBytes);
      __m512i packed = v, hi = v;
      if constexpr (L == TernaryLayout::Base3) packed = base3_split(v, k, hi);
      for (int p = 0; p < NP; ++p)
        _mm512_store_si512(dst + (c * NP + p) * kChunkBytes, (L == TernaryLayout::Base3 && p == 4) ? hi : field(packed, p, k));
    }
  }
}

// A tile's codes come from the packed chunks, decoded in registers for each tile (decoded ==
// nullptr), or from planes pre-decoded once per row-group block: decoded[j][c][p][64 bytes].
template <TernaryLayout L, int MB, int NB>
TRIT_INLINE void ternary_tile(const PackedView& w, int64_t g, const TernaryInput& in, int64_t m0,
                              const TernaryOutput& out, const uint8_t* decoded = nullptr) {
  constexpr int64_t CK = chunk_k(L);
  constexpr int NP = static_cast<int>(planes(L));
  if (decoded != nullptr) {
    __m512i acc[MB][NB];
    for (int m = 0; m < MB; ++m)
      for (int j = 0; j < NB; ++j) acc[m][j] = _mm512_setzero_si512();
    const int8_t* xr[MB];
    for (int m = 0; m < MB; ++m) xr[m] = in.x + (m0 + m) * in.ldx;
    const int64_t group_stride = w.chunks * NP * kChunkBytes;
    for (int64_t c = 0; c < w.chunks; ++c) {
      for (int p = 0; p < NP; ++p) {
        __m512i wp[NB];
        for (int j = 0; j < NB; ++j) wp[j] = _mm512_load_si512(decoded + j * group_stride + (c * NP + p) * kChunkBytes);
        for (int m = 0; m < MB; ++m) {
          const __m512i x = bcast4(xr[m] + c * CK + 4 * p);
          for (int j = 0; j < NB; ++j) acc[m][j] = _mm512_dpbusd_epi32(acc[m][j], wp[j], x);
        }
      }
    }
    store_tile<MB, NB>(w, g, in, m0, out, acc);
    return;
  }
  const Consts k;
  __m512i acc[MB][NB];
  for (int m = 0; m < MB; ++m)
    for (int j = 0; j < NB; ++j) acc[m][j] = _mm512_setzero_si512();
  const uint8_t* gp[NB];
  for (int j = 0; j < NB; ++j) gp[j] = w.data + (g + j) * w.group_bytes;
  const int8_t* xr[MB];
  for (int m = 0; m < MB; ++m) xr[m] = in.x + (m0 + m) * in.ldx;

  for (int64_t c = 0; c < w.chunks; ++c) {
    __m512i packed[NB], hi[NB];
    for (int j = 0; j < NB; ++j) {
      const uint8_t* src = gp[j] + c * kChunkBytes;
      const __m512i v = _mm512_load_si512(src);
      if constexpr (L == TernaryLayout::Base3) {
        packed[j] = base3_split(v, k, hi[j]);
      } else {
        packed[j] = v;
        hi[j] = v;  // unused
      }
    }
    for (int p = 0; p < NP; ++p) {
      __m512i wp[NB];
      for (int j = 0; j < NB; ++j) wp[j] = (L == TernaryLayout::Base3 && p == 4) ? hi[j] : field(packed[j], p, k);
      for (int m = 0; m < MB; ++m) {
        const __m512i x = bcast4(xr[m] + c * CK + 4 * p);
        for (int j = 0; j < NB; ++j) acc[m][j] = _mm512_dpbusd_epi32(acc[m][j], wp[j], x);
      }
    }
  }

  store_tile<MB, NB>(w, g, in, m0, out, acc);
}

// Single activation rows (decode), the memory-bound case: per-plane accumulators instead of
// shifts. Plane p's codes are taken in place with a byte mask (code << 2p, at most 128 for
// p = 3), so accumulator p holds 4^p times the plane's sum; the plane sums are recovered with
// exact arithmetic shifts at the end. |accumulator| <= 64 * 2 * 128 * K/4 must fit in int32,
// hence kGemvMaxK (larger K takes the shift path).
constexpr int64_t kGemvMaxK = (int64_t{1} << 31) / 4096 - 64;

template <TernaryLayout L, int NB>
TRIT_INLINE void ternary_gemv_tile(const PackedView& w, int64_t g, const TernaryInput& in, int64_t m0,
                                   const TernaryOutput& out) {
  constexpr int64_t CK = chunk_k(L);
  constexpr int NP = static_cast<int>(planes(L));
  const Consts k;
  const __m512i mask[4] = {_mm512_set1_epi8(0x03), _mm512_set1_epi8(0x0c), _mm512_set1_epi8(0x30),
                           _mm512_set1_epi8(static_cast<char>(0xc0))};
  __m512i acc[NB][NP];
  for (int j = 0; j < NB; ++j)
    for (int p = 0; p < NP; ++p) acc[j][p] = _mm512_setzero_si512();
  const uint8_t* gp[NB];
  for (int j = 0; j < NB; ++j) gp[j] = w.data + (g + j) * w.group_bytes;
  const int8_t* xr = in.x + m0 * in.ldx;
  for (int64_t c = 0; c < w.chunks; ++c) {
    __m512i x[NP];
    for (int p = 0; p < NP; ++p) x[p] = bcast4(xr + c * CK + 4 * p);
    for (int j = 0; j < NB; ++j) {
      const uint8_t* src = gp[j] + c * kChunkBytes;
      const __m512i v = _mm512_load_si512(src);
      __m512i packed = v, hi = v;
      if constexpr (L == TernaryLayout::Base3) packed = base3_split(v, k, hi);
      for (int p = 0; p < 4; ++p) acc[j][p] = _mm512_dpbusd_epi32(acc[j][p], _mm512_and_si512(packed, mask[p]), x[p]);
      if constexpr (NP == 5) acc[j][4] = _mm512_dpbusd_epi32(acc[j][4], hi, x[4]);
    }
  }
  for (int j = 0; j < NB; ++j) {
    __m512i sum = acc[j][0];
    for (int p = 1; p < 4; ++p) sum = _mm512_add_epi32(sum, _mm512_srai_epi32(acc[j][p], 2 * p));
    if constexpr (NP == 5) sum = _mm512_add_epi32(sum, acc[j][4]);
    const int64_t n0 = (g + j) * kPackRows;
    const int64_t rows = w.n - n0 < kPackRows ? w.n - n0 : kPackRows;
    store_group(out, m0, n0, rows, _mm512_sub_epi32(sum, _mm512_set1_epi32(in.x_sum[m0])));
  }
}

// Largest tile per layout for batches (registers: MB * NB accumulators + NB decoded codes).
template <TernaryLayout L>
struct TileShape;
template <>
struct TileShape<TernaryLayout::Bits2> {
  static constexpr int MB = 6, NB = 3;
};
template <>
struct TileShape<TernaryLayout::Base3> {
  static constexpr int MB = 6, NB = 3;
};
// Single rows (decode): one group at a time, so each thread reads one sequential stream, which
// the hardware prefetchers follow at full bandwidth (measured: more groups in flight, i.e. more
// streams, or software prefetch, are slower on Zen 4).
constexpr int kGemvGroups = 1;

template <TernaryLayout L, int MB>
TRIT_INLINE void ternary_rows(const PackedView& w, int64_t g0, int64_t g1, const TernaryInput& in, int64_t m0,
                              const TernaryOutput& out) {
  int64_t g = g0;
  if (MB == 1 && w.kp <= kGemvMaxK) {
    for (; g < g1; ++g) ternary_gemv_tile<L, kGemvGroups>(w, g, in, m0, out);
    return;
  }
  constexpr int NB = MB == 1 ? kGemvGroups : TileShape<L>::NB;
  for (; g + NB <= g1; g += NB) ternary_tile<L, MB, NB>(w, g, in, m0, out);
  for (; g < g1; ++g) ternary_tile<L, MB, 1>(w, g, in, m0, out);
}

// Batches of at least this many rows pre-decode Base3 row groups once and reuse the planes for
// every row block (decoding in registers per tile costs a quarter of the VNNI throughput).
constexpr int64_t kPredecodeMinRows = 12;

template <TernaryLayout L, int MB>
TRIT_INLINE void ternary_predecoded(const PackedView& w, int64_t g, int64_t nb, const TernaryInput& in, int64_t m0,
                                    const TernaryOutput& out, const uint8_t* planes) {
  constexpr int NB = TileShape<L>::NB;
  static_assert(NB == kScratchGroups);
  switch (nb) {
    case 1: ternary_tile<L, MB, 1>(w, g, in, m0, out, planes); break;
    case 2: ternary_tile<L, MB, 2>(w, g, in, m0, out, planes); break;
    default: ternary_tile<L, MB, NB>(w, g, in, m0, out, planes); break;
  }
}

template <TernaryLayout L>
void ternary_gemm(const PackedView& w, int64_t g0, int64_t g1, const TernaryInput& in, const TernaryOutput& out,
                  uint8_t* scratch) {
  constexpr int MB = TileShape<L>::MB;
  if (L == TernaryLayout::Base3 && in.M >= kPredecodeMinRows) {
    for (int64_t g = g0; g < g1; g += TileShape<L>::NB) {
      const int64_t nb = g1 - g < TileShape<L>::NB ? g1 - g : TileShape<L>::NB;
      decode_planes<L>(w, g, nb, scratch);
      int64_t m = 0;
      for (; m + MB <= in.M; m += MB) ternary_predecoded<L, MB>(w, g, nb, in, m, out, scratch);
      switch (in.M - m) {
        case 0: break;
        case 1: ternary_predecoded<L, 1>(w, g, nb, in, m, out, scratch); break;
        case 2: ternary_predecoded<L, 2>(w, g, nb, in, m, out, scratch); break;
        case 3: ternary_predecoded<L, 3>(w, g, nb, in, m, out, scratch); break;
        case 4: ternary_predecoded<L, 4>(w, g, nb, in, m, out, scratch); break;
        default: ternary_predecoded<L, 5>(w, g, nb, in, m, out, scratch); break;
      }
    }
    return;
  }
  constexpr int64_t kGroupsPerPass = 24;  // weights of a pass stay in L2 while every row block reads them
  for (int64_t gb = g0; gb < g1; gb += kGroupsPerPass) {
    const int64_t ge = gb + kGroupsPerPass < g1 ? gb + kGroupsPerPass : g1;
    int64_t m = 0;
    for (; m + MB <= in.M; m += MB) ternary_rows<L, MB>(w, gb, ge, in, m, out);
    switch (in.M - m) {
      case 0: break;
      case 1: ternary_rows<L, 1>(w, gb, ge, in, m, out); break;
      case 2: ternary_rows<L, 2>(w, gb, ge, in, m, out); break;
      case 3: ternary_rows<L, 3>(w, gb, ge, in, m, out); break;
      case 4: ternary_rows<L, 4>(w, gb, ge, in, m, out); break;
      default: ternary_rows<L, 5>(w, gb, ge, in, m, out); break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Float GEMM (float_gemm_impl.hpp) on 16 lanes, masked tails.

struct Vec {
  using F = __m512;
  static constexpr int64_t W = 16;
  static constexpr int kRows = 2, kBatch = 4;  // 2 x 4 x 2 accumulators
  static TRIT_INLINE F zero() { return _mm512_setzero_ps(); }
  static TRIT_INLINE F load_x(const float* x) { return _mm512_loadu_ps(x); }
  static TRIT_INLINE F load_x_tail(const float* x, int64_t count) {
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1u), x);
  }
  template <FloatType T>
  static TRIT_INLINE F load_w(const uint8_t* row, int64_t k) {
    if constexpr (T == FloatType::F32) {
      return _mm512_loadu_ps(row + 4 * k);
    } else if constexpr (T == FloatType::F16) {
      return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * k)));
    } else {
      const __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * k)));
      return _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
    }
  }
  template <FloatType T>
  static TRIT_INLINE F load_w_tail(const uint8_t* row, int64_t k, int64_t count) {
    const auto mask = static_cast<__mmask16>((1u << count) - 1u);
    if constexpr (T == FloatType::F32) {
      return _mm512_maskz_loadu_ps(mask, row + 4 * k);
    } else if constexpr (T == FloatType::F16) {
      return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, row + 2 * k));
    } else {
      const __m512i h = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, row + 2 * k));
      return _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
    }
  }
  static TRIT_INLINE F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static TRIT_INLINE F add(F a, F b) { return _mm512_add_ps(a, b); }
  static TRIT_INLINE float hsum(F v) { return _mm512_reduce_add_ps(v); }
};

#include "kernels/x86/float_gemm_impl.hpp"

// ---------------------------------------------------------------------------------------------
// Activation quantiser, RMSNorm, squared-ReLU gate.

#include "kernels/x86/row_ops_impl.hpp"

// ---------------------------------------------------------------------------------------------
// Q8 head (q8_impl.hpp): 16 rows per vector, codes taken unsigned by VNNI with the -128
// correction as each block sum's start.
struct Q8Ops {
  using I = __m512i;
  using F = __m512;
  static constexpr int64_t L = 16;
  static TRIT_INLINE I codes(const uint8_t* p) { return _mm512_load_si512(p); }
  static TRIT_INLINE I bcast_x(const int8_t* p) { return bcast4(p); }
  static TRIT_INLINE I init(int32_t corr) { return _mm512_set1_epi32(corr); }
  static TRIT_INLINE I dot(I s, I u, I x) { return _mm512_dpbusd_epi32(s, u, x); }
  static TRIT_INLINE I add_int(I a, I b) { return _mm512_add_epi32(a, b); }
  static TRIT_INLINE F scales(const uint8_t* p) {
    return _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static TRIT_INLINE F zero() { return _mm512_setzero_ps(); }
  static TRIT_INLINE F set1(float f) { return _mm512_set1_ps(f); }
  static TRIT_INLINE F to_float(I v) { return _mm512_cvtepi32_ps(v); }
  static TRIT_INLINE F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static TRIT_INLINE F add(F a, F b) { return _mm512_add_ps(a, b); }
  static TRIT_INLINE void store(float* y, F v, int64_t count) {
    _mm512_mask_storeu_ps(y, static_cast<__mmask16>((1u << count) - 1u), v);
  }
};

#include "kernels/x86/q8_impl.hpp"

}  // namespace

const KernelTable& avx512_table() {
  static const KernelTable t = [] {
    KernelTable k;
    k.ternary_gemm[static_cast<int>(TernaryLayout::Bits2)] = ternary_gemm<TernaryLayout::Bits2>;
    k.ternary_gemm[static_cast<int>(TernaryLayout::Base3)] = ternary_gemm<TernaryLayout::Base3>;
    k.float_gemm = float_gemm;
    k.quantize_row = quantize_row;
    k.rms_norm = rms_norm;
    // Attention is bit-identical to the reference on every variant (its exp is the C library's):
    // the AVX2 version is the fastest such; it runs here too.
    k.attention_head = avx2_table().attention_head;
    k.squared_relu_mul = squared_relu_mul;
    k.q8_gemm = q8_gemm;
    k.rescale_i32 = rescale_i32;
    return k;
  }();
  return t;
}

}  // namespace trit::kernels::detail
