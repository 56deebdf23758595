#include "kernels/float_ops.hpp"

#include <algorithm>
#include <cmath>

namespace trit::kernels {

void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps) {
  double ss = 0;
  for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const auto scale = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(n) + eps));
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * (w ? w[i] : 1.0f);
}

float quantize_row_i8_absmax(const float* x, int64_t n, int8_t* q) {
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

}  // namespace trit::kernels
