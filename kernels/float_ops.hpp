// Float kernels of the transformer around BitLinear: RMSNorm, BitNet's activation quantiser,
// dot products, softmax, NEOX RoPE. Scalar references; SIMD variants come later.
#pragma once

#include <cstdint>

namespace trit::kernels {

// y = x / sqrt(mean(x^2) + eps) * w, the sum of squares in double. y may alias x; w may be
// null (no weight).
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps);

// BitNet b1.58 activation quantiser for one token (row):
//   s = 127 / max(max|x|, 1e-5)      (max taken in double, s rounded to float, as bitnet.cpp)
//   q = clamp(round_half_even(x * s), -127, 127)   (x * s in float)
// Returns s; the row's real values are then q / s. Round-half-to-even is what bitnet.cpp's
// current quantize_row_i8_s does (its nearest_int), and what hardware rounding gives for free;
// |x * s| <= 127 up to float rounding, so the clamp only catches 127.00001-style overshoot.
float quantize_row_i8_absmax(const float* x, int64_t n, int8_t* q);

float dot_f32(const float* a, const float* b, int64_t n);

// In place: x = exp(x - max) / sum.
void softmax(float* x, int64_t n);

// NEOX-style rotary embedding of one head vector in place: for i < n_rot/2, the pair
// (v[i], v[i + n_rot/2]) is rotated by the angle whose cos/sin are given; dims >= n_rot stay.
void rope_neox(float* v, int64_t n_rot, const float* cos, const float* sin);

}  // namespace trit::kernels
