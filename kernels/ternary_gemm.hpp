// The integer core of BitLinear: Y[M x N] (int32) = X[M x K] (int8) * W^T, W ternary N x K.
//
// This is the product the accelerator computes; every implementation (this scalar reference,
// future SIMD variants, the driver's reference model, the RTL) must produce the same int32
// values bit for bit. Scales never enter here: the caller rescales in float.
#pragma once

#include <cstdint>
#include <string_view>

namespace trit::kernels {

// Largest K for which the int32 accumulator cannot overflow: 127 * K < 2^31.
inline constexpr int64_t kMaxTernaryK = (int64_t{1} << 31) / 127 - 1;

// X: int8 activations [M][K], row stride ldx (elements).
// W: ternary codes int8 in {-1, 0, +1} [N][K], row stride ldw.
// Y: int32 [M][N], row stride ldy: Y[m][n] = sum_k X[m][k] * W[n][k].
// Plain loops, obviously right: the reference every other variant is tested against.
void gemm_i8_ternary_ref(int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W,
                         int64_t ldw, int32_t* Y, int64_t ldy);

// Kernel variants that can run on this CPU; "scalar" always. Tests run every one against the
// reference; `force` lets benchmarks and tests pin one.
enum class Variant { Scalar };
std::string_view variant_name(Variant v);
// The dispatched entry point: same contract as gemm_i8_ternary_ref, fastest variant available
// (or the forced one).
void gemm_i8_ternary(int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W, int64_t ldw,
                     int32_t* Y, int64_t ldy);
void gemm_i8_ternary(Variant v, int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W,
                     int64_t ldw, int32_t* Y, int64_t ldy);
// Every variant this CPU supports, the reference first.
const Variant* available_variants(int* count);

}  // namespace trit::kernels
