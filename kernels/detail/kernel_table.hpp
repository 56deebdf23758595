// Internal: the functions each kernel variant provides, one table per variant. Variant sources
// (x86/, arm/) are compiled with their own target flags and must not instantiate anything that
// other translation units might share (no STL containers, no shared inline templates that are
// not force-inlined): a COMDAT copy compiled for AVX-512 could otherwise be picked by the linker
// for the scalar path. They see only this header, the public POD structs and intrinsics.
#pragma once

#include <cstdint>

#include "kernels/float_ops.hpp"
#include "kernels/q8_gemm.hpp"
#include "kernels/ternary_gemm.hpp"

namespace trit::kernels::detail {

// A packed matrix as plain data.
struct PackedView {
  TernaryLayout layout;
  int64_t n, k, kp, chunks, group_bytes;
  const uint8_t* data;
};

// A Q8 head matrix as plain data (layout in q8_gemm.hpp).
struct Q8View {
  int64_t n, kp, group_bytes;
  const uint8_t* data;
};

// scratch: 64-byte aligned, kScratchGroups * chunks * planes * 64 bytes, private to the caller's
// thread (kernels may pre-decode row groups into it for batches).
using TernaryGemmFn = void (*)(const PackedView& w, int64_t g0, int64_t g1, const TernaryInput& in,
                               const TernaryOutput& out, uint8_t* scratch);
inline constexpr int64_t kScratchGroups = 3;
using FloatGemmFn = void (*)(FloatType type, const uint8_t* W, int64_t row_bytes, int64_t n0, int64_t n1,
                             int64_t K, const float* X, int64_t ldx, int64_t M, float* Y, int64_t ldy);
using QuantizeFn = float (*)(const float* x, int64_t n, int8_t* q);
using RmsNormFn = void (*)(const float* x, const float* w, float* y, int64_t n, float eps);
using AttentionHeadFn = void (*)(const float* q, const float* K, const float* V, int64_t ld, int64_t n_keys,
                                 int64_t hd, float scale, float* out, float* scratch);

using GateFn = void (*)(float* g, const float* u, int64_t n);
// Groups [g0, g1) (16 rows each).
using Q8GemmFn = void (*)(const Q8View& w, int64_t g0, int64_t g1, const Q8Input& in, float* Y, int64_t ldy);
using RescaleFn = void (*)(const int32_t* acc, int64_t n, float x_scale, const float* w_scale, float* y);

struct KernelTable {
  TernaryGemmFn ternary_gemm[2] = {};  // by TernaryLayout; nullptr: not native here
  FloatGemmFn float_gemm = nullptr;
  QuantizeFn quantize_row = nullptr;
  RmsNormFn rms_norm = nullptr;
  AttentionHeadFn attention_head = nullptr;
  GateFn squared_relu_mul = nullptr;
  Q8GemmFn q8_gemm = nullptr;
  RescaleFn rescale_i32 = nullptr;
};

// IEEE half <-> float (round to nearest even), for code that must not assume F16C.
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);

void squared_relu_mul_scalar(float* g, const float* u, int64_t n);
void q8_gemm_scalar(const Q8View& w, int64_t g0, int64_t g1, const Q8Input& in, float* Y, int64_t ldy);

const KernelTable& scalar_table();
#if defined(__x86_64__) || defined(_M_X64)
const KernelTable& avx2_table();
const KernelTable& avxvnni_table();
const KernelTable& avx512_table();
#endif
#if defined(__aarch64__)
const KernelTable& neon_table();
#endif

// The table of `v`, with every missing entry filled from the scalar table.
const KernelTable& table(Variant v);

// Scalar decoding of one packed chunk into codes [16][chunk_k] (weight + 1, i.e. 0..2).
void decode_chunk(TernaryLayout l, const uint8_t* chunk, uint8_t* codes /*[16][chunk_k(l)]*/);

}  // namespace trit::kernels::detail
