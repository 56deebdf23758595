#include "kernels/float_ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/detail/kernel_table.hpp"

namespace trit::kernels {

void rms_norm_ref(const float* x, const float* w, float* y, int64_t n, float eps) {
  double ss = 0;
  for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const auto scale = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(n) + eps));
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * (w ? w[i] : 1.0f);
}

void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps) {
  detail::table(active_variant()).rms_norm(x, w, y, n, eps);
}

float quantize_row_i8_absmax_ref(const float* x, int64_t n, int8_t* q) {
  double max = 1e-5;
  for (int64_t i = 0; i < n; ++i) max = std::max(max, std::fabs(static_cast<double>(x[i])));
  const auto s = static_cast<float>(127.0 / max);
  for (int64_t i = 0; i < n; ++i) {
    // nearbyint in the default rounding mode: round half to even. Written so that a NaN
    // (from corrupt weights upstream) becomes 0 instead of an undefined conversion; the
    // forward pass reports non-finite logits separately.
    const float r = std::nearbyint(x[i] * s);
    q[i] = r >= 127.0f ? int8_t{127} : r <= -127.0f ? int8_t{-127} : r == r ? static_cast<int8_t>(r) : int8_t{0};
  }
  return s;
}

float quantize_row_i8_absmax(const float* x, int64_t n, int8_t* q) {
  return detail::table(active_variant()).quantize_row(x, n, q);
}

float dot_f32(const float* a, const float* b, int64_t n) {
  // Eight independent partial sums: vectorisable, and more accurate than one running sum.
  float acc[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  float tail = 0;
  for (; i < n; ++i) tail += a[i] * b[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  const float max = *std::max_element(x, x + n);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const auto inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void rope_neox(float* v, int64_t n_rot, const float* cos, const float* sin) {
  const int64_t half = n_rot / 2;
  for (int64_t i = 0; i < half; ++i) {
    const float a = v[i];
    const float b = v[i + half];
    v[i] = a * cos[i] - b * sin[i];
    v[i + half] = a * sin[i] + b * cos[i];
  }
}

void squared_relu_mul(float* g, const float* u, int64_t n) {
  detail::table(active_variant()).squared_relu_mul(g, u, n);
}

void silu_mul(float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

namespace detail {
void squared_relu_mul_scalar(float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float r = std::max(g[i], 0.0f);  // NaN stays NaN (std::max returns its first argument)
    g[i] = r * r * u[i];
  }
}
}  // namespace detail

void attention_head_ref(const float* q, const float* K, const float* V, int64_t ld, int64_t n_keys, int64_t hd,
                        float scale, float* out, float* scratch) {
  for (int64_t j = 0; j < n_keys; ++j) scratch[j] = dot_f32(q, K + j * ld, hd) * scale;
  softmax(scratch, n_keys);
  std::fill(out, out + hd, 0.0f);
  for (int64_t j = 0; j < n_keys; ++j) {
    const float p = scratch[j];
    const float* vj = V + j * ld;
    for (int64_t d = 0; d < hd; ++d) out[d] += p * vj[d];
  }
}

void attention_head(const float* q, const float* K, const float* V, int64_t ld, int64_t n_keys, int64_t hd,
                    float scale, float* out, float* scratch) {
  detail::table(active_variant()).attention_head(q, K, V, ld, n_keys, hd, scale, out, scratch);
}

namespace {

float fp16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0x1f) {
    u = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    u = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    u = sign;
  } else {  // subnormal: normalise
    int e = -1;
    uint32_t m = mant;
    do {
      ++e;
      m <<= 1;
    } while ((m & 0x400u) == 0);
    u = sign | (static_cast<uint32_t>(112 - e) << 23) | ((m & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace

namespace detail {
float half_to_float(uint16_t h) { return fp16_to_f32(h); }

uint16_t float_to_half(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const uint32_t abs = u & 0x7fffffffu;
  if (abs >= 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds past the largest half
  if (abs < 0x38800000u) {  // subnormal half (or zero): round mant * 2^-24 to an integer
    const float scaled = std::nearbyint(std::fabs(f) * 16777216.0f);
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(scaled));
  }
  // Normal: drop 13 mantissa bits, round half to even (a carry into the exponent is right).
  const uint32_t rounded = abs + 0xfffu + ((abs >> 13) & 1u);
  return static_cast<uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}
}  // namespace detail

namespace {

float load_weight(FloatType type, const uint8_t* row, int64_t k) {
  switch (type) {
    case FloatType::F32: {
      float f;
      std::memcpy(&f, row + 4 * k, 4);
      return f;
    }
    case FloatType::F16: {
      uint16_t h;
      std::memcpy(&h, row + 2 * k, 2);
      return fp16_to_f32(h);
    }
    case FloatType::BF16: {
      uint16_t b;
      std::memcpy(&b, row + 2 * k, 2);
      const uint32_t u = static_cast<uint32_t>(b) << 16;
      float f;
      std::memcpy(&f, &u, 4);
      return f;
    }
  }
  return 0;
}

}  // namespace

void gemm_float_ref(FloatType type, const void* W, int64_t row_bytes, int64_t n0, int64_t n1, int64_t K,
                    const float* X, int64_t ldx, int64_t M, float* Y, int64_t ldy) {
  // The scalar order: eight partial sums over k mod 8, combined pairwise (as dot_f32).
  const auto* base = static_cast<const uint8_t*>(W);
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t* row = base + n * row_bytes;
    for (int64_t m = 0; m < M; ++m) {
      const float* x = X + m * ldx;
      float acc[8] = {};
      int64_t k = 0;
      for (; k + 8 <= K; k += 8)
        for (int j = 0; j < 8; ++j) acc[j] += load_weight(type, row, k + j) * x[k + j];
      float tail = 0;
      for (; k < K; ++k) tail += load_weight(type, row, k) * x[k];
      Y[m * ldy + n] = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
    }
  }
}

void gemm_float(FloatType type, const void* W, int64_t row_bytes, int64_t n0, int64_t n1, int64_t K, const float* X,
                int64_t ldx, int64_t M, float* Y, int64_t ldy) {
  detail::table(active_variant()).float_gemm(type, static_cast<const uint8_t*>(W), row_bytes, n0, n1, K, X, ldx, M, Y,
                                             ldy);
}

}  // namespace trit::kernels
