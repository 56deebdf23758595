// Int8 GEMV/GEMM for an LM head quantised to Q8_0's numbers: int8 weights with one scale per
// 32 columns, against activations quantised the same way (as llama.cpp runs Q8_0 weights).
// Used for heads stored as Q8_0 (repacked exactly) and for the opt-in quantised head, which
// halves the bytes decode streams for the head (2 bytes -> 1.0625 bytes per weight).
//
//   y[n] = sum_b dw[n][b] * dx[b] * sum_{k in block b} qw[n][k] * qx[k]
//
// Layout per row (Q8Matrix::row): kp bytes of qw + 128 (unsigned, so one VNNI instruction
// multiplies them with the signed activations), then kp/32 fp16 scales dw; kp = K rounded up
// to 64 (padding: qw = 0). The integer block sums are exact; the float accumulation order is
// fixed per variant and independent of the batch size and row range.
#pragma once

#include <cstdint>
#include <memory>

namespace trit::kernels {

inline constexpr int64_t kQ8Block = 32;

class Q8Matrix {
 public:
  Q8Matrix() = default;
  Q8Matrix(int64_t N, int64_t K);

  int64_t rows() const { return n_; }
  int64_t cols() const { return k_; }
  int64_t cols_padded() const { return kp_; }
  int64_t row_bytes() const { return kp_ + kp_ / kQ8Block * 2; }
  size_t bytes() const { return static_cast<size_t>(n_ * row_bytes()); }
  const uint8_t* row(int64_t n) const { return data_.get() + n * row_bytes(); }

  // Quantises row n from floats: per 32 columns d = absmax / 127 (rounded to fp16), q =
  // round_half_even(w / d), as ggml's Q8_0 does except for its ties-away rounding.
  void set_row(int64_t n, const float* w);
  // Row n from Q8_0 blocks (fp16 d, int8 q[32]) exactly as stored.
  void set_row_q8_0(int64_t n, const uint8_t* blocks);

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  uint8_t* mutable_row(int64_t n) { return data_.get() + n * row_bytes(); }
  int64_t n_ = 0, k_ = 0, kp_ = 0;
  std::unique_ptr<uint8_t[], Free> data_;
};

// Activations of M rows quantised for Q8Matrix (per 32 columns, d = absmax / 127 in float, q =
// round_half_even(x / d)), with what the kernels need precomputed:
struct Q8Input {
  const int8_t* q = nullptr;    // [M][kp]
  const int32_t* corr = nullptr;  // [M][kp/4]  -128 * (sum of each 4 consecutive q): undoes the +128
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

// Y[m * ldy + n] for n in [n0, n1), every input row; dispatched by the active variant.
void gemm_q8(const Q8Matrix& w, int64_t n0, int64_t n1, const Q8Input& in, float* Y, int64_t ldy);
// Scalar reference: integer block sums, then sum_b float(isum_b) * (dw * dx) in block order.
void gemm_q8_ref(const Q8Matrix& w, int64_t n0, int64_t n1, const Q8Input& in, float* Y, int64_t ldy);

}  // namespace trit::kernels
