#include "kernels/ternary_gemm.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/detail/kernel_table.hpp"

namespace trit::kernels {

void gemm_i8_ternary_ref(int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W,
                         int64_t ldw, int32_t* Y, int64_t ldy) {
  if (K > kMaxTernaryK) throw std::invalid_argument("gemm_i8_ternary: K = " + std::to_string(K) + " overflows int32");
  for (int64_t m = 0; m < M; ++m) {
    const int8_t* x = X + m * ldx;
    for (int64_t n = 0; n < N; ++n) {
      const int8_t* w = W + n * ldw;
      int32_t acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += static_cast<int32_t>(x[k]) * static_cast<int32_t>(w[k]);
      Y[m * ldy + n] = acc;
    }
  }
}

void rescale_i32_ref(const int32_t* acc, int64_t n, float x_scale, const float* w_scale, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(acc[i]) / x_scale * w_scale[i];
}

std::string_view layout_name(TernaryLayout l) { return l == TernaryLayout::Bits2 ? "bits2" : "base3"; }

bool layout_native(Variant v, TernaryLayout l) {
  return detail::table(v).ternary_gemm[static_cast<int>(l)] != detail::scalar_table().ternary_gemm[static_cast<int>(l)] ||
         v == Variant::Scalar;
}

TernaryLayout preferred_layout(Variant v, double source_bits) {
  if (source_bits < 2.0 && v != Variant::Scalar && layout_native(v, TernaryLayout::Base3)) return TernaryLayout::Base3;
  return TernaryLayout::Bits2;
}

// --- PackedTernary ---------------------------------------------------------------------------

void PackedTernary::Free::operator()(uint8_t* p) const { std::free(p); }

PackedTernary::PackedTernary(TernaryLayout layout, int64_t N, int64_t K)
    : layout_(layout), n_(N), k_(K), kp_(padded_k(layout, K)) {
  if (N < 0 || K < 0) throw std::invalid_argument("PackedTernary: negative shape");
  if (K > kMaxTernaryK) throw std::invalid_argument("PackedTernary: K = " + std::to_string(K) + " overflows int32");
  const size_t size = std::max<size_t>(bytes(), kChunkBytes);
  void* p = std::aligned_alloc(kChunkBytes, (size + kChunkBytes - 1) / kChunkBytes * kChunkBytes);
  if (p == nullptr) throw std::bad_alloc();
  data_.reset(static_cast<uint8_t*>(p));
}

namespace {

// Packs one group from padded codes u[16][kp] (weight + 1, 0..2).
template <TernaryLayout L>
void pack_padded(const uint8_t* u, int64_t kp, int64_t chunks, uint8_t* out) {
  constexpr int64_t ck = chunk_k(L), np = planes(L);
  for (int64_t c = 0; c < chunks; ++c) {
    uint8_t* chunk = out + c * kChunkBytes;
    for (int64_t i = 0; i < kPackRows; ++i) {
      const uint8_t* row = u + i * kp + c * ck;
      for (int64_t j = 0; j < 4; ++j) {
        unsigned v = 0;
        for (int64_t p = np - 1; p >= 0; --p) v = L == TernaryLayout::Bits2 ? (v << 2) | row[4 * p + j] : v * 3 + row[4 * p + j];
        chunk[4 * i + j] = static_cast<uint8_t>(v);
      }
    }
  }
}

}  // namespace

void PackedTernary::pack_group(int64_t g, const int8_t* codes, int64_t ldc) {
  const int64_t rows_here = std::min<int64_t>(kPackRows, n_ - g * kPackRows);
  // weight + 1 for real entries, 1 (weight 0) for padding rows and columns; every code must be
  // ternary (checked branch-free on the way, the culprit found only if one is not).
  thread_local std::vector<uint8_t> scratch;
  scratch.assign(static_cast<size_t>(kPackRows * kp_), 1);
  uint8_t* u = scratch.data();  // a local pointer: byte stores could alias the vector's own
  uint8_t bad = 0;
  for (int64_t i = 0; i < rows_here; ++i) {
    const int8_t* __restrict src = codes + i * ldc;
    uint8_t* __restrict dst = u + i * kp_;
    for (int64_t k = 0; k < k_; ++k) {
      const auto c = static_cast<uint8_t>(src[k] + 1);
      bad |= static_cast<uint8_t>(c > 2u);
      dst[k] = c;
    }
  }
  if (bad) {
    for (int64_t i = 0; i < rows_here; ++i)
      for (int64_t k = 0; k < k_; ++k)
        if (const int8_t c = codes[i * ldc + k]; c < -1 || c > 1)
          throw std::invalid_argument("PackedTernary: code " + std::to_string(c) + " at row " +
                                      std::to_string(g * kPackRows + i) + ", column " + std::to_string(k) +
                                      " is not ternary");
  }
  if (layout_ == TernaryLayout::Bits2) {
    pack_padded<TernaryLayout::Bits2>(u, kp_, chunks(), group(g));
  } else {
    pack_padded<TernaryLayout::Base3>(u, kp_, chunks(), group(g));
  }
}

void PackedTernary::pack_all(const int8_t* codes, int64_t ldc) {
  for (int64_t g = 0; g < groups(); ++g) pack_group(g, codes + g * kPackRows * ldc, ldc);
}

void prepare_ternary_input(const int8_t* X, int64_t M, int64_t K, int64_t ldx, int8_t* xp, int64_t ldxp,
                           int32_t* x_sum) {
  for (int64_t m = 0; m < M; ++m) {
    const int8_t* x = X + m * ldx;
    int8_t* o = xp + m * ldxp;
    uint32_t s = 0;  // wraps like the kernels' int32 lanes (only a K near kMaxTernaryK can)
    for (int64_t k = 0; k < K; ++k) {
      o[k] = x[k];
      s += static_cast<uint32_t>(static_cast<int32_t>(x[k]));
    }
    for (int64_t k = K; k < ldxp; ++k) o[k] = 0;
    x_sum[m] = static_cast<int32_t>(s);
  }
}

namespace detail {

void decode_chunk(TernaryLayout l, const uint8_t* chunk, uint8_t* codes) {
  const int64_t ck = chunk_k(l), np = planes(l);
  for (int64_t i = 0; i < kPackRows; ++i)
    for (int64_t j = 0; j < 4; ++j) {
      unsigned v = chunk[4 * i + j];
      for (int64_t p = 0; p < np; ++p) {
        if (l == TernaryLayout::Bits2) {
          codes[i * ck + 4 * p + j] = static_cast<uint8_t>(v & 3u);
          v >>= 2;
        } else {
          codes[i * ck + 4 * p + j] = static_cast<uint8_t>(v % 3u);
          v /= 3u;
        }
      }
    }
}

namespace {

// Portable packed GEMM: decode a chunk, multiply-accumulate in unsigned (wrapping) arithmetic,
// undo the code offset at the end.
void scalar_ternary_gemm(const PackedView& w, int64_t g0, int64_t g1, const TernaryInput& in,
                         const TernaryOutput& out, uint8_t* /*scratch*/) {
  const int64_t ck = chunk_k(w.layout);
  uint8_t codes[kPackRows * 20];
  std::vector<uint32_t> acc(static_cast<size_t>(in.M * kPackRows));  // [M][16]
  for (int64_t g = g0; g < g1; ++g) {
    std::fill(acc.begin(), acc.end(), 0u);
    const uint8_t* grp = w.data + g * w.group_bytes;
    for (int64_t c = 0; c < w.chunks; ++c) {
      decode_chunk(w.layout, grp + c * kChunkBytes, codes);
      for (int64_t m = 0; m < in.M; ++m) {
        const int8_t* x = in.x + m * in.ldx + c * ck;
        for (int64_t i = 0; i < kPackRows; ++i) {
          uint32_t a = 0;
          for (int64_t k = 0; k < ck; ++k) a += static_cast<uint32_t>(codes[i * ck + k] * static_cast<int32_t>(x[k]));
          acc[static_cast<size_t>(m * kPackRows + i)] += a;
        }
      }
    }
    const int64_t rows = std::min<int64_t>(kPackRows, w.n - g * kPackRows), n0 = g * kPackRows;
    for (int64_t m = 0; m < in.M; ++m) {
      int32_t v[kPackRows];
      for (int64_t i = 0; i < rows; ++i)
        v[i] = static_cast<int32_t>(acc[static_cast<size_t>(m * kPackRows + i)] - static_cast<uint32_t>(in.x_sum[m]));
      if (out.y) {
        rescale_i32_ref(v, rows, out.x_scale[m], out.w_scale + n0, out.y + m * out.ldy + n0);
      } else {
        std::copy(v, v + rows, out.y_int + m * out.ldy + n0);
      }
    }
  }
}

KernelTable make_scalar_table() {
  KernelTable t;
  t.ternary_gemm[0] = scalar_ternary_gemm;
  t.ternary_gemm[1] = scalar_ternary_gemm;
  t.float_gemm = [](FloatType type, const uint8_t* W, int64_t row_bytes, int64_t n0, int64_t n1, int64_t K,
                    const float* X, int64_t ldx, int64_t M, float* Y, int64_t ldy) {
    gemm_float_ref(type, W, row_bytes, n0, n1, K, X, ldx, M, Y, ldy);
  };
  t.quantize_row = quantize_row_i8_absmax_ref;
  t.rms_norm = rms_norm_ref;
  t.attention_head = attention_head_ref;
  t.squared_relu_mul = squared_relu_mul_scalar;
  t.q8_gemm = q8_gemm_scalar;
  t.rescale_i32 = rescale_i32_ref;
  return t;
}

KernelTable filled(KernelTable t) {
  const KernelTable& s = scalar_table();
  for (int l = 0; l < 2; ++l)
    if (!t.ternary_gemm[l]) t.ternary_gemm[l] = s.ternary_gemm[l];
  if (!t.float_gemm) t.float_gemm = s.float_gemm;
  if (!t.quantize_row) t.quantize_row = s.quantize_row;
  if (!t.rms_norm) t.rms_norm = s.rms_norm;
  if (!t.attention_head) t.attention_head = s.attention_head;
  if (!t.squared_relu_mul) t.squared_relu_mul = s.squared_relu_mul;
  if (!t.q8_gemm) t.q8_gemm = s.q8_gemm;
  if (!t.rescale_i32) t.rescale_i32 = s.rescale_i32;
  return t;
}

}  // namespace

const KernelTable& scalar_table() {
  static const KernelTable t = make_scalar_table();
  return t;
}

const KernelTable& table(Variant v) {
  switch (v) {
#if defined(__x86_64__) || defined(_M_X64)
    case Variant::Avx2: {
      static const KernelTable t = filled(avx2_table());
      return t;
    }
    case Variant::AvxVnni: {
      static const KernelTable t = filled(avxvnni_table());
      return t;
    }
    case Variant::Avx512: {
      static const KernelTable t = filled(avx512_table());
      return t;
    }
#endif
#if defined(__aarch64__)
    case Variant::Neon: {
      static const KernelTable t = filled(neon_table());
      return t;
    }
#endif
    default:
      return scalar_table();
  }
}

}  // namespace detail

// --- dispatched entry points -----------------------------------------------------------------

void gemm_packed(Variant v, const PackedTernary& w, int64_t g0, int64_t g1, const TernaryInput& in,
                 const TernaryOutput& out) {
  if (in.ldx < w.cols_padded())
    throw std::invalid_argument("gemm_packed: activation stride " + std::to_string(in.ldx) + " < padded K " +
                                std::to_string(w.cols_padded()));
  if (g0 < 0 || g1 > w.groups() || g0 > g1) throw std::invalid_argument("gemm_packed: group range out of bounds");
  if (g0 == g1 || in.M == 0) return;
  const detail::PackedView view{w.layout(), w.rows(), w.cols(), w.cols_padded(), w.chunks(), w.group_bytes(),
                                w.group(0)};
  // Per-thread scratch for kernels that pre-decode row groups of a batch.
  thread_local std::vector<uint8_t> scratch;
  const size_t need = static_cast<size_t>(detail::kScratchGroups * w.chunks() * planes(w.layout()) * kChunkBytes) + kChunkBytes;
  if (scratch.size() < need) scratch.resize(need);
  auto* aligned = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(scratch.data()) + kChunkBytes - 1) /
                                             kChunkBytes * kChunkBytes);
  detail::table(v).ternary_gemm[static_cast<int>(w.layout())](view, g0, g1, in, out, aligned);
}

void gemm_packed(const PackedTernary& w, int64_t g0, int64_t g1, const TernaryInput& in, const TernaryOutput& out) {
  gemm_packed(active_variant(), w, g0, g1, in, out);
}

void rescale_i32(Variant v, const int32_t* acc, int64_t n, float x_scale, const float* w_scale, float* y) {
  detail::table(v).rescale_i32(acc, n, x_scale, w_scale, y);
}

void rescale_i32(const int32_t* acc, int64_t n, float x_scale, const float* w_scale, float* y) {
  rescale_i32(active_variant(), acc, n, x_scale, w_scale, y);
}

void gemm_i8_ternary(Variant v, int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W,
                     int64_t ldw, int32_t* Y, int64_t ldy) {
  if (K > kMaxTernaryK) throw std::invalid_argument("gemm_i8_ternary: K = " + std::to_string(K) + " overflows int32");
  if (M <= 0 || N <= 0) return;
  // Exercise the layout a 1.6-bit file would use on this variant; 2-bit otherwise.
  PackedTernary packed(preferred_layout(v, 1.6), N, K);
  packed.pack_all(W, ldw);
  const int64_t ldxp = packed.cols_padded();
  std::vector<int8_t> xp(static_cast<size_t>(M * ldxp));
  std::vector<int32_t> sums(static_cast<size_t>(M));
  prepare_ternary_input(X, M, K, ldx, xp.data(), ldxp, sums.data());
  gemm_packed(v, packed, 0, packed.groups(), TernaryInput{xp.data(), ldxp, sums.data(), M},
              TernaryOutput{Y, nullptr, ldy, nullptr, nullptr});
}

void gemm_i8_ternary(int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W, int64_t ldw,
                     int32_t* Y, int64_t ldy) {
  gemm_i8_ternary(active_variant(), M, N, K, X, ldx, W, ldw, Y, ldy);
}

}  // namespace trit::kernels
