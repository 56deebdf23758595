#include "kernels/q8_gemm.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "kernels/detail/kernel_table.hpp"

namespace trit::kernels {

void Q8Matrix::Free::operator()(uint8_t* p) const { std::free(p); }

Q8Matrix::Q8Matrix(int64_t N, int64_t K) : n_(N), k_(K), kp_((K + 63) / 64 * 64) {
  if (N < 0 || K < 0) throw std::invalid_argument("Q8Matrix: negative shape");
  const size_t size = std::max<size_t>(bytes(), 64);
  void* p = std::aligned_alloc(64, (size + 63) / 64 * 64);
  if (p == nullptr) throw std::bad_alloc();
  data_.reset(static_cast<uint8_t*>(p));
  // Weight 0 (code 128) with scale 0 everywhere: what padding rows keep.
  for (int64_t g = 0; g < groups(); ++g)
    for (int64_t pair = 0; pair < kp_ / (2 * kQ8Block); ++pair) {
      uint8_t* d = data_.get() + g * group_bytes() + pair * kQ8PairBytes;
      std::memset(d, 128, 2 * kQ8Rows * kQ8Block);
      std::memset(d + 2 * kQ8Rows * kQ8Block, 0, 2 * kQ8Rows * 2);
    }
}

namespace {

// Where row n's weight at column k and its block-b scale live (layout in q8_gemm.hpp).
size_t q8_weight_offset(int64_t group_bytes, int64_t n, int64_t k) {
  const int64_t b = k / kQ8Block, c = k % kQ8Block;
  return static_cast<size_t>((n / kQ8Rows) * group_bytes + (b / 2) * kQ8PairBytes + (b % 2) * kQ8Rows * kQ8Block +
                             (c / 4) * kQ8Rows * 4 + (n % kQ8Rows) * 4 + c % 4);
}

size_t q8_scale_offset(int64_t group_bytes, int64_t n, int64_t b) {
  return static_cast<size_t>((n / kQ8Rows) * group_bytes + (b / 2) * kQ8PairBytes + 2 * kQ8Rows * kQ8Block +
                             ((b % 2) * kQ8Rows + n % kQ8Rows) * 2);
}

}  // namespace

size_t Q8Matrix::weight_offset(int64_t n, int64_t k) const { return q8_weight_offset(group_bytes(), n, k); }
size_t Q8Matrix::scale_offset(int64_t n, int64_t b) const { return q8_scale_offset(group_bytes(), n, b); }

int8_t Q8Matrix::weight(int64_t n, int64_t k) const {
  return static_cast<int8_t>(static_cast<int>(data_[weight_offset(n, k)]) - 128);
}

uint16_t Q8Matrix::scale_bits(int64_t n, int64_t b) const {
  uint16_t h;
  std::memcpy(&h, data_.get() + scale_offset(n, b), 2);
  return h;
}

void Q8Matrix::set_row(int64_t n, const float* w) {
  for (int64_t b = 0; b < kp_ / kQ8Block; ++b) {
    float amax = 0;
    for (int64_t i = b * kQ8Block; i < std::min(k_, (b + 1) * kQ8Block); ++i) amax = std::max(amax, std::fabs(w[i]));
    const uint16_t dh = detail::float_to_half(amax / 127.0f);
    const float d = detail::half_to_float(dh);
    const float inv = d != 0.0f ? 1.0f / d : 0.0f;
    for (int64_t i = b * kQ8Block; i < (b + 1) * kQ8Block; ++i) {
      const float q = i < k_ ? std::nearbyint(w[i] * inv) : 0.0f;
      data_[weight_offset(n, i)] = static_cast<uint8_t>(static_cast<int>(std::clamp(q, -127.0f, 127.0f)) + 128);
    }
    std::memcpy(data_.get() + scale_offset(n, b), &dh, 2);
  }
}

void Q8Matrix::set_row_q8_0(int64_t n, const uint8_t* blocks) {
  for (int64_t b = 0; b < kp_ / kQ8Block; ++b) {
    uint16_t dh = 0;
    if (b * kQ8Block < k_) {
      const uint8_t* blk = blocks + b * (2 + kQ8Block);
      std::memcpy(&dh, blk, 2);
      for (int64_t i = 0; i < kQ8Block; ++i)
        data_[weight_offset(n, b * kQ8Block + i)] = static_cast<uint8_t>(static_cast<int8_t>(blk[2 + i]) + 128);
    } else {
      for (int64_t i = 0; i < kQ8Block; ++i) data_[weight_offset(n, b * kQ8Block + i)] = 128;
    }
    std::memcpy(data_.get() + scale_offset(n, b), &dh, 2);
  }
}

void Q8Activations::quantize(const float* X, int64_t M, int64_t K, int64_t ldx, int64_t kp) {
  const auto nq = static_cast<size_t>(M * kp), nd = static_cast<size_t>(M * (kp / kQ8Block));
  if (nq > cap_q_) {
    q_.reset(new int8_t[nq]);
    cap_q_ = nq;
  }
  if (nd > cap_d_) {
    corr_.reset(new int32_t[nd]);
    d_.reset(new float[nd]);
    cap_d_ = nd;
  }
  for (int64_t m = 0; m < M; ++m) {
    const float* x = X + m * ldx;
    int8_t* q = q_.get() + m * kp;
    float* d = d_.get() + m * (kp / kQ8Block);
    for (int64_t b = 0; b < kp / kQ8Block; ++b) {
      float amax = 0;
      for (int64_t i = b * kQ8Block; i < std::min(K, (b + 1) * kQ8Block); ++i) amax = std::max(amax, std::fabs(x[i]));
      d[b] = amax / 127.0f;
      const float inv = amax != 0.0f ? 127.0f / amax : 0.0f;
      for (int64_t i = b * kQ8Block; i < (b + 1) * kQ8Block; ++i) {
        const float v = i < K ? std::nearbyint(x[i] * inv) : 0.0f;
        q[i] = static_cast<int8_t>(v == v ? std::clamp(v, -127.0f, 127.0f) : 0.0f);
      }
    }
    int32_t* c = corr_.get() + m * (kp / kQ8Block);
    for (int64_t b = 0; b < kp / kQ8Block; ++b) {
      int32_t sum = 0;
      for (int64_t i = b * kQ8Block; i < (b + 1) * kQ8Block; ++i) sum += q[i];
      c[b] = -128 * sum;
    }
  }
  in_ = Q8Input{q_.get(), corr_.get(), d_.get(), kp, M};
}

namespace detail {
void q8_gemm_scalar(const Q8View& w, int64_t g0, int64_t g1, const Q8Input& in, float* Y, int64_t ldy) {
  const int64_t nb = w.kp / kQ8Block;
  for (int64_t n = g0 * kQ8Rows; n < std::min(w.n, g1 * kQ8Rows); ++n) {
    for (int64_t m = 0; m < in.M; ++m) {
      const int8_t* q = in.q + m * in.kp;
      const float* dx = in.d + m * nb;
      float acc = 0;
      for (int64_t b = 0; b < nb; ++b) {
        int32_t s = 0;
        for (int64_t i = b * kQ8Block; i < (b + 1) * kQ8Block; ++i)
          s += (static_cast<int32_t>(w.data[q8_weight_offset(w.group_bytes, n, i)]) - 128) * q[i];
        uint16_t dh;
        std::memcpy(&dh, w.data + q8_scale_offset(w.group_bytes, n, b), 2);
        acc += static_cast<float>(s) * (half_to_float(dh) * dx[b]);
      }
      Y[m * ldy + n] = acc;
    }
  }
}
}  // namespace detail

namespace {
detail::Q8View view(const Q8Matrix& w) { return {w.rows(), w.cols_padded(), w.group_bytes(), w.group(0)}; }

void check(const Q8Matrix& w, int64_t g0, int64_t g1, const Q8Input& in) {
  if (in.kp != w.cols_padded()) throw std::invalid_argument("gemm_q8: activations quantised for another width");
  if (g0 < 0 || g1 > w.groups() || g0 > g1) throw std::invalid_argument("gemm_q8: group range out of bounds");
}
}  // namespace

void gemm_q8_ref(const Q8Matrix& w, int64_t g0, int64_t g1, const Q8Input& in, float* Y, int64_t ldy) {
  check(w, g0, g1, in);
  detail::q8_gemm_scalar(view(w), g0, g1, in, Y, ldy);
}

void gemm_q8(const Q8Matrix& w, int64_t g0, int64_t g1, const Q8Input& in, float* Y, int64_t ldy) {
  check(w, g0, g1, in);
  detail::table(active_variant()).q8_gemm(view(w), g0, g1, in, Y, ldy);
}

}  // namespace trit::kernels
