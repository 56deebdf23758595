// Int8 GEMV/GEMM for an LM head quantised to Q8_0's numbers: int8 weights with one scale per
// 32 columns, against activations quantised the same way (as llama.cpp runs Q8_0 weights).
// Used for heads stored as Q8_0 (repacked exactly) and for the opt-in quantised head, which
// halves the bytes decode streams for the head (2 bytes -> 1.0625 bytes per weight).
//
//   y[n] = sum_b float(isum_b) * (dw[n][b] * dx[b]),   isum_b = sum_{k in block b} qw[n][k] * qx[k]
//
// summed in float in block order b = 0, 1, ... from 0, each product and sum rounded as written
// (no FMA). Every variant computes exactly this, so all of them are bit-identical to the scalar
// reference, whatever the batch size, row range or thread split.
//
// Layout (like the ternary kernels', ternary_gemm.hpp): rows in groups of 16, one 32-bit lane
// each, so one VNNI instruction adds four columns of 16 rows at once with no horizontal sums.
// kp = K rounded up to 64 (padding: qw = 0), so a row has an even number of blocks; a group is
// its block pairs in K order, a block pair is 17 cache lines:
//
//   group  = [pair p = blocks 2p, 2p+1][1088 bytes]
//   pair   = [block h < 2][quad q < 8][row i < 16][byte j < 4]  qw[16g+i][32(2p+h)+4q+j] + 128
//            then [block h < 2][row i < 16] fp16 dw[16g+i][2p+h]
//
// Weights are stored + 128 (unsigned): VNNI multiplies unsigned by signed bytes. Rows past N
// in the last group are zero weights with zero scales.
#pragma once

#include <cstdint>
#include <memory>

namespace trit::kernels {

inline constexpr int64_t kQ8Block = 32;

inline constexpr int64_t kQ8Rows = 16;          // rows per group
inline constexpr int64_t kQ8PairBytes = 1088;    // two blocks of 16 rows: 1024 code + 64 scale bytes
static_assert(kQ8PairBytes == 2 * kQ8Rows * kQ8Block + 2 * kQ8Rows * 2 && kQ8PairBytes % 64 == 0);

class Q8Matrix {
 public:
  Q8Matrix() = default;
  Q8Matrix(int64_t N, int64_t K);

  int64_t rows() const { return n_; }
  int64_t cols() const { return k_; }
  int64_t cols_padded() const { return kp_; }
  int64_t groups() const { return (n_ + kQ8Rows - 1) / kQ8Rows; }
  int64_t group_bytes() const { return kp_ / (2 * kQ8Block) * kQ8PairBytes; }
  size_t bytes() const { return static_cast<size_t>(groups() * group_bytes()); }
  const uint8_t* group(int64_t g) const { return data_.get() + g * group_bytes(); }

  // The stored numbers of row n (for tests and references): int8 weight at column k < kp, and
  // the fp16 bits of block b's scale.
  int8_t weight(int64_t n, int64_t k) const;
  uint16_t scale_bits(int64_t n, int64_t b) const;

  // Quantises row n from floats: per 32 columns d = absmax / 127 (rounded to fp16), q =
  // round_half_even(w / d), as ggml's Q8_0 does except for its ties-away rounding.
  void set_row(int64_t n, const float* w);
  // Row n from Q8_0 blocks (fp16 d, int8 q[32]) exactly as stored.
  void set_row_q8_0(int64_t n, const uint8_t* blocks);

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  // Byte offsets of row n's weight at column k and of its block-b scale.
  size_t weight_offset(int64_t n, int64_t k) const;
  size_t scale_offset(int64_t n, int64_t b) const;
  int64_t n_ = 0, k_ = 0, kp_ = 0;
  std::unique_ptr<uint8_t[], Free> data_;
};

// Activations of M rows quantised for Q8Matrix (per 32 columns, d = absmax / 127 in float, q =
// round_half_even(x / d)), with what the kernels need precomputed:
struct Q8Input {
  const int8_t* q = nullptr;    // [M][kp]
  const int32_t* corr = nullptr;  // [M][kp/32] -128 * (sum of each block's q): undoes the +128
  const float* d = nullptr;     // [M][kp/32]
  int64_t kp = 0, M = 0;
};

// Owns the buffers of a Q8Input.
class Q8Activations {
 public:
  // Quantises X [M][K] (row stride ldx) for a matrix with `kp` padded columns.
  void quantize(const float* X, int64_t M, int64_t K, int64_t ldx, int64_t kp);
  const Q8Input& input() const { return in_; }

 private:
  std::unique_ptr<int8_t[]> q_;
  std::unique_ptr<int32_t[]> corr_;
  std::unique_ptr<float[]> d_;
  size_t cap_q_ = 0, cap_d_ = 0;
  Q8Input in_;
};

// Y[m * ldy + n] for the rows n in [16 g0, min(N, 16 g1)) of groups [g0, g1), every input row;
// dispatched by the active variant. Safe to call concurrently on disjoint group ranges.
void gemm_q8(const Q8Matrix& w, int64_t g0, int64_t g1, const Q8Input& in, float* Y, int64_t ldy);
// Scalar reference, the same contract: plain loops over the formula above.
void gemm_q8_ref(const Q8Matrix& w, int64_t g0, int64_t g1, const Q8Input& in, float* Y, int64_t ldy);

}  // namespace trit::kernels
