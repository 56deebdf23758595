// Float kernels of the transformer around BitLinear: RMSNorm, BitNet's activation quantiser,
// dot products, softmax, NEOX RoPE, float GEMV/GEMM (LM head, float-stored weights).
//
// `*_ref` functions are the plain scalar references. The dispatched ones run the active
// variant (cpu_features.hpp). The activation quantiser is bit-identical to its reference on
// every variant (it feeds the integer path). Float reductions (norms, dots) sum in an order of
// the variant's choosing, fixed per variant: the same inputs always give the same result,
// whatever the batch size, row range or thread split.
#pragma once

#include <cstdint>

namespace trit::kernels {

// y = x / sqrt(mean(x^2) + eps) * w. y may alias x; w may be null (no weight).
// Reference: sum of squares in double, in order.
void rms_norm_ref(const float* x, const float* w, float* y, int64_t n, float eps);
// Dispatched: sum of squares in double, vector lanes summed at the end.
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps);

// BitNet b1.58 activation quantiser for one token (row):
//   s = 127 / max(max|x|, 1e-5)      (max taken in double, s rounded to float, as bitnet.cpp)
//   q = clamp(round_half_even(x * s), -127, 127)   (x * s in float; NaN -> 0)
// Returns s; the row's real values are then q / s. Round-half-to-even is what bitnet.cpp's
// current quantize_row_i8_s does (its nearest_int), and what hardware rounding gives for free;
// |x * s| <= 127 up to float rounding, so the clamp only catches 127.00001-style overshoot.
float quantize_row_i8_absmax_ref(const float* x, int64_t n, int8_t* q);
// Dispatched, bit-identical to the reference.
float quantize_row_i8_absmax(const float* x, int64_t n, int8_t* q);

float dot_f32(const float* a, const float* b, int64_t n);

// In place: x = exp(x - max) / sum.
void softmax(float* x, int64_t n);

// NEOX-style rotary embedding of one head vector in place: for i < n_rot/2, the pair
// (v[i], v[i + n_rot/2]) is rotated by the angle whose cos/sin are given; dims >= n_rot stay.
void rope_neox(float* v, int64_t n_rot, const float* cos, const float* sin);

// FFN gates, in place on g: g = max(g, 0)^2 * u (squared ReLU, BitNet b1.58) or
// g = g / (1 + exp(-g)) * u (SiLU, `bitnet`). Element-wise, the same IEEE operations on every
// variant (so bit-identical); a NaN in g propagates.
void squared_relu_mul(float* g, const float* u, int64_t n);
void silu_mul(float* g, const float* u, int64_t n);

// --- attention -------------------------------------------------------------------------------

// One query head over its cached keys and values (causal masking is the caller's n_keys):
//   out[d] = sum_{j < n_keys} p_j V[j][d],  p = softmax_j(scale * (q . K[j]))
// K[j] and V[j] are the head's slices of rows `ld` floats apart. scratch: n_keys floats.
// Reference: dot_f32, softmax (exp in double-summed order), then p_j V[j] accumulated in j order.
void attention_head_ref(const float* q, const float* K, const float* V, int64_t ld, int64_t n_keys, int64_t hd,
                        float scale, float* out, float* scratch);
// Dispatched, bit-identical to the reference on every variant (vectorised dots and weighted
// sum in the reference's order; the exp is the C library's).
void attention_head(const float* q, const float* K, const float* V, int64_t ld, int64_t n_keys, int64_t hd,
                    float scale, float* out, float* scratch);

// --- float GEMV / GEMM -----------------------------------------------------------------------

enum class FloatType { F32, F16, BF16 };

// For n in [n0, n1) and m < M: Y[m * ldy + n] = sum_k W[n][k] * X[m * ldx + k], with W's row n
// at byte offset n * row_bytes from W, stored as `type`. Each output is summed in the same order
// whatever M, n0, n1 (so a batch row equals the same row computed alone), and equal weights
// give equal results in every FloatType.
void gemm_float_ref(FloatType type, const void* W, int64_t row_bytes, int64_t n0, int64_t n1, int64_t K,
                    const float* X, int64_t ldx, int64_t M, float* Y, int64_t ldy);
void gemm_float(FloatType type, const void* W, int64_t row_bytes, int64_t n0, int64_t n1, int64_t K, const float* X,
                int64_t ldx, int64_t M, float* Y, int64_t ldy);

}  // namespace trit::kernels
