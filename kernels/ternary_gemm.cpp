#include "kernels/ternary_gemm.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace trit::kernels {

void gemm_i8_ternary_ref(int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W,
                         int64_t ldw, int32_t* Y, int64_t ldy) {
  if (K > kMaxTernaryK) throw std::invalid_argument("gemm_i8_ternary: K = " + std::to_string(K) + " overflows int32");
  for (int64_t m = 0; m < M; ++m) {
    const int8_t* x = X + m * ldx;
    for (int64_t n = 0; n < N; ++n) {
      const int8_t* w = W + n * ldw;
      int32_t acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += static_cast<int32_t>(x[k]) * static_cast<int32_t>(w[k]);
      Y[m * ldy + n] = acc;
    }
  }
}

std::string_view variant_name(Variant v) {
  switch (v) {
    case Variant::Scalar: return "scalar";
  }
  return "?";
}

const Variant* available_variants(int* count) {
  static constexpr std::array kVariants = {Variant::Scalar};
  *count = static_cast<int>(kVariants.size());
  return kVariants.data();
}

void gemm_i8_ternary(Variant v, int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W,
                     int64_t ldw, int32_t* Y, int64_t ldy) {
  switch (v) {
    case Variant::Scalar:
      gemm_i8_ternary_ref(M, N, K, X, ldx, W, ldw, Y, ldy);
      return;
  }
}

void gemm_i8_ternary(int64_t M, int64_t N, int64_t K, const int8_t* X, int64_t ldx, const int8_t* W, int64_t ldw,
                     int32_t* Y, int64_t ldy) {
  gemm_i8_ternary(Variant::Scalar, M, N, K, X, ldx, W, ldw, Y, ldy);
}

}  // namespace trit::kernels
