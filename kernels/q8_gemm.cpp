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
}

void Q8Matrix::set_row(int64_t n, const float* w) {
  uint8_t* r = mutable_row(n);
  for (int64_t b = 0; b < kp_ / kQ8Block; ++b) {
    float amax = 0;
    for (int64_t i = b * kQ8Block; i < std::min(k_, (b + 1) * kQ8Block); ++i) amax = std::max(amax, std::fabs(w[i]));
    const uint16_t dh = detail::float_to_half(amax / 127.0f);
    const float d = detail::half_to_float(dh);
    const float inv = d != 0.0f ? 1.0f / d : 0.0f;
    for (int64_t i = b * kQ8Block; i < (b + 1) * kQ8Block; ++i) {
      const float q = i < k_ ? std::nearbyint(w[i] * inv) : 0.0f;
      r[i] = static_cast<uint8_t>(static_cast<int>(std::clamp(q, -127.0f, 127.0f)) + 128);
    }
    std::memcpy(r + kp_ + 2 * b, &dh, 2);
  }
}

void Q8Matrix::set_row_q8_0(int64_t n, const uint8_t* blocks) {
  uint8_t* r = mutable_row(n);
  for (int64_t b = 0; b < kp_ / kQ8Block; ++b) {
    uint16_t dh = 0;
    if (b * kQ8Block < k_) {
      const uint8_t* blk = blocks + b * (2 + kQ8Block);
      std::memcpy(&dh, blk, 2);
      for (int64_t i = 0; i < kQ8Block; ++i) r[b * kQ8Block + i] = static_cast<uint8_t>(static_cast<int8_t>(blk[2 + i]) + 128);
    } else {
      std::memset(r + b * kQ8Block, 128, kQ8Block);
    }
    std::memcpy(r + kp_ + 2 * b, &dh, 2);
  }
}

void Q8Activations::quantize(const float* X, int64_t M, int64_t K, int64_t ldx, int64_t kp) {
  const auto nq = static_cast<size_t>(M * kp), nd = static_cast<size_t>(M * (kp / kQ8Block));
  if (nq > cap_q_) {
    q_.reset(new int8_t[nq]);
    corr_.reset(new int32_t[nq / 4]);
    cap_q_ = nq;
  }
  if (nd > cap_d_) {
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
    int32_t* c = corr_.get() + m * (kp / 4);
    for (int64_t j = 0; j < kp / 4; ++j) c[j] = -128 * (q[4 * j] + q[4 * j + 1] + q[4 * j + 2] + q[4 * j + 3]);
  }
  in_ = Q8Input{q_.get(), corr_.get(), d_.get(), kp, M};
}

void gemm_q8_ref(const Q8Matrix& w, int64_t n0, int64_t n1, const Q8Input& in, float* Y, int64_t ldy) {
  const int64_t kp = w.cols_padded(), nb = kp / kQ8Block;
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t* r = w.row(n);
    for (int64_t m = 0; m < in.M; ++m) {
      const int8_t* q = in.q + m * in.kp;
      const float* dx = in.d + m * (in.kp / kQ8Block);
      float acc = 0;
      for (int64_t b = 0; b < nb; ++b) {
        int32_t s = 0;
        for (int64_t i = b * kQ8Block; i < (b + 1) * kQ8Block; ++i) s += (static_cast<int32_t>(r[i]) - 128) * q[i];
        uint16_t dh;
        std::memcpy(&dh, r + kp + 2 * b, 2);
        acc += static_cast<float>(s) * (detail::half_to_float(dh) * dx[b]);
      }
      Y[m * ldy + n] = acc;
    }
  }
}

void gemm_q8(const Q8Matrix& w, int64_t n0, int64_t n1, const Q8Input& in, float* Y, int64_t ldy) {
  if (in.kp != w.cols_padded()) throw std::invalid_argument("gemm_q8: activations quantised for another width");
  if (n0 < 0 || n1 > w.rows() || n0 > n1) throw std::invalid_argument("gemm_q8: row range out of bounds");
  detail::table(active_variant()).q8_gemm(w, n0, n1, in, Y, ldy);
}

}  // namespace trit::kernels
