// The integer core of BitLinear: Y[M x N] (int32) = X[M x K] (int8) * W^T, W ternary N x K.
//
// This is the product the accelerator computes; every implementation (the scalar reference,
// the SIMD variants, the driver's reference model, the RTL) must produce the same int32
// values bit for bit. Scales never enter the integer product: the caller rescales in float
// (or asks the packed GEMM to, with exactly the expression the forward pass uses).
//
// Two entry points:
//  - gemm_i8_ternary: weights as int8 codes {-1, 0, +1}, [N][K]. The reference, and a
//    convenience for tests; it packs on the fly.
//  - PackedTernary + gemm_packed: weights repacked once at load into the layout the kernels
//    read fastest. This is what the CPU device runs.
//
// Packed layouts. Rows are packed in groups of 16; a chunk is 64 bytes holding 16 rows x
// kChunkK columns; a group is its chunks in K order, groups follow each other:
//
//    data = [group g = rows 16g..16g+15][chunk c][byte 4i + j]          (i: row in group, j < 4)
//
//  Bits2 (2 bits per weight, 16 columns per chunk): byte 4i + j holds the codes of row i at
//    columns 16c + 4p + j for p = 0..3 in bits 2p+1..2p, code = weight + 1.
//  Base3 (1.6 bits per weight, 20 columns per chunk): byte 4i + j holds the five trits of row i
//    at columns 20c + 4p + j, p = 0..4, as sum_p (weight_p + 1) * 3^p (0..242).
//
// "Plane" p of a chunk (the codes at columns 4p..4p+3 of every row) is then a 64-byte vector
// whose 32-bit lane i holds row i's four codes: one VNNI dot-product instruction against the
// four activations x[4p..4p+3] broadcast to every lane adds those columns to 16 rows at once,
// and the result lanes are 16 consecutive output rows (no horizontal sums). Codes are unsigned
// (weight + 1); the kernels subtract sum(x) once per output to undo the offset, exactly (int32
// arithmetic wraps, and the true result fits).
//
// Rows past N in the last group and columns past K are packed as weight 0; the activations a
// packed GEMM reads must be zero past K (prepare_ternary_input does both).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "kernels/cpu_features.hpp"

namespace trit::kernels {

// Largest K for which the int32 accumulator cannot overflow: 127 * K < 2^31.
inline constexpr int64_t kMaxTernaryK = (int64_t{1} << 31) / 127 - 1;

// X: int8 activations [M][K], row stride ldx (elements).
// W: ternary codes int8 in {-1, 0, +1} [N][K], row stride ldw.
// Y: int32 [M][N], row stride ldy: Y[m][n] = sum_k X[m][k] * W[n][k].
// Plain loops, obviously right: the reference every other variant is tested against.
void gemm_i8_ternary_ref(int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W,
                         int64_t ldw, int32_t* Y, int64_t ldy);

// The same contract through the packed kernels of variant `v` (packing W on the fly in the
// variant's preferred layout), or of the active variant.
void gemm_i8_ternary(Variant v, int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W,
                     int64_t ldw, int32_t* Y, int64_t ldy);
void gemm_i8_ternary(int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W, int64_t ldw,
                     int32_t* Y, int64_t ldy);

// ---------------------------------------------------------------------------------------------
// Packed weights

enum class TernaryLayout { Bits2, Base3 };
std::string_view layout_name(TernaryLayout l);

inline constexpr int64_t kPackRows = 16;     // rows per group (one 32-bit lane each)
inline constexpr int64_t kChunkBytes = 64;   // bytes per chunk (one 512-bit vector)
constexpr int64_t chunk_k(TernaryLayout l) { return l == TernaryLayout::Bits2 ? 16 : 20; }
constexpr int64_t planes(TernaryLayout l) { return l == TernaryLayout::Bits2 ? 4 : 5; }
constexpr int64_t padded_k(TernaryLayout l, int64_t K) { return (K + chunk_k(l) - 1) / chunk_k(l) * chunk_k(l); }

// Whether variant `v` has native kernels for `l` (others still compute it, more slowly).
bool layout_native(Variant v, TernaryLayout l);
// The layout to pack a weight stored at `source_bits` bits per weight in, for variant `v`:
// Base3 for 1.6-bit sources where the variant decodes it natively (less memory traffic than the
// 2-bit form), Bits2 otherwise.
TernaryLayout preferred_layout(Variant v, double source_bits);

// Weights of one matrix in a packed layout, 64-byte aligned.
class PackedTernary {
 public:
  PackedTernary() = default;
  PackedTernary(TernaryLayout layout, int64_t N, int64_t K);

  TernaryLayout layout() const { return layout_; }
  int64_t rows() const { return n_; }
  int64_t cols() const { return k_; }
  int64_t cols_padded() const { return kp_; }
  int64_t groups() const { return (n_ + kPackRows - 1) / kPackRows; }
  int64_t chunks() const { return kp_ / chunk_k(layout_); }
  int64_t group_bytes() const { return chunks() * kChunkBytes; }
  size_t bytes() const { return static_cast<size_t>(groups() * group_bytes()); }
  const uint8_t* group(int64_t g) const { return data_.get() + g * group_bytes(); }
  uint8_t* group(int64_t g) { return data_.get() + g * group_bytes(); }

  // Packs group g from codes[r][K] (r < rows in this group; int8 in {-1, 0, +1}, stride ldc).
  // Values outside {-1, 0, +1} are a std::invalid_argument.
  void pack_group(int64_t g, const int8_t* codes, int64_t ldc);
  // Packs every group from codes [N][K] (stride ldc).
  void pack_all(const int8_t* codes, int64_t ldc);

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  TernaryLayout layout_ = TernaryLayout::Bits2;
  int64_t n_ = 0, k_ = 0, kp_ = 0;
  std::unique_ptr<uint8_t[], Free> data_;
};

// Activations as the packed kernels read them: [M][ldx] int8 with zeros from K to ldx, and the
// per-row sums that undo the code offset.
struct TernaryInput {
  const int8_t* x = nullptr;  // [M][ldx]
  int64_t ldx = 0;            // >= the weight's cols_padded()
  const int32_t* x_sum = nullptr;  // [M] sum_k x[m][k]
  int64_t M = 0;
};

// Where results go. Integer: y_int[m * ldy + n] = the exact product. Float (y != nullptr):
// y[m * ldy + n] = float(product) / x_scale[m] * w_scale[n], evaluated in that order in float
// (the forward pass's rescale: the kernels' epilogues compute it with rescale_i32's code, below,
// so it equals rescaling the integer result afterwards, bit for bit).
struct TernaryOutput {
  int32_t* y_int = nullptr;
  float* y = nullptr;
  int64_t ldy = 0;
  const float* x_scale = nullptr;  // [M]
  const float* w_scale = nullptr;  // [N]
};

// The forward pass's rescale of one row of integer BitLinear results, for results that come
// from elsewhere (the accelerator, or a packed GEMM's int32 output):
//   y[i] = float(acc[i]) / x_scale * w_scale[i]   for i < n
// convert (to nearest), divide, multiply: separate IEEE float operations in that order, no FMA
// and no reciprocal. Every variant is bit-identical to the reference, and to the packed
// kernels' fused float output (TernaryOutput::y) for the same row. y must not overlap acc or
// w_scale.
void rescale_i32_ref(const int32_t* acc, int64_t n, float x_scale, const float* w_scale, float* y);
void rescale_i32(Variant v, const int32_t* acc, int64_t n, float x_scale, const float* w_scale, float* y);
void rescale_i32(const int32_t* acc, int64_t n, float x_scale, const float* w_scale, float* y);

// Copies X [M][K] (stride ldx) into xp [M][ldxp] with zero padding and fills x_sum[M].
void prepare_ternary_input(const int8_t* X, int64_t M, int64_t K, int64_t ldx, int8_t* xp, int64_t ldxp,
                           int32_t* x_sum);

// Output rows [16 g0, min(N, 16 g1)) for every input row, with variant v (or the active one).
// Safe to call concurrently on disjoint group ranges.
void gemm_packed(Variant v, const PackedTernary& w, int64_t g0, int64_t g1, const TernaryInput& in,
                 const TernaryOutput& out);
void gemm_packed(const PackedTernary& w, int64_t g0, int64_t g1, const TernaryInput& in, const TernaryOutput& out);

}  // namespace trit::kernels
