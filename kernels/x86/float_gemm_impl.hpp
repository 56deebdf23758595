// Float GEMV/GEMM for any vector width, included inside a variant file's anonymous namespace
// after it defines `Vec`: the lane count W, the register type F, and zero / load_x / load_x_tail /
// load_w<T> / load_w_tail<T> / fma / add / hsum. Each output sums in one fixed order: two
// W-lane accumulators over 2W-column steps, a W-column step into the first, the (zero-padded)
// tail into the second, then the lanes. Types only change how weights are loaded, so equal
// weights give equal results in F32, F16 and BF16, and batches do not change any row's order.

template <FloatType T, int NR, int MB>
TRIT_INLINE void float_tile(const uint8_t* W, int64_t row_bytes, int64_t n, int64_t K, const float* X, int64_t ldx,
                            int64_t m0, float* Y, int64_t ldy) {
  using F = typename Vec::F;
  constexpr int64_t L = Vec::W;
  F a0[NR][MB], a1[NR][MB];
  for (int r = 0; r < NR; ++r)
    for (int m = 0; m < MB; ++m) a0[r][m] = a1[r][m] = Vec::zero();
  const uint8_t* rows[NR];
  for (int r = 0; r < NR; ++r) rows[r] = W + (n + r) * row_bytes;
  const float* xs[MB];
  for (int m = 0; m < MB; ++m) xs[m] = X + (m0 + m) * ldx;
  int64_t k = 0;
  for (; k + 2 * L <= K; k += 2 * L) {
    F w0[NR], w1[NR];
    for (int r = 0; r < NR; ++r) {
      w0[r] = Vec::template load_w<T>(rows[r], k);
      w1[r] = Vec::template load_w<T>(rows[r], k + L);
    }
    for (int m = 0; m < MB; ++m) {
      const F x0 = Vec::load_x(xs[m] + k), x1 = Vec::load_x(xs[m] + k + L);
      for (int r = 0; r < NR; ++r) {
        a0[r][m] = Vec::fma(w0[r], x0, a0[r][m]);
        a1[r][m] = Vec::fma(w1[r], x1, a1[r][m]);
      }
    }
  }
  if (K - k >= L) {
    for (int r = 0; r < NR; ++r) {
      const F w0 = Vec::template load_w<T>(rows[r], k);
      for (int m = 0; m < MB; ++m) a0[r][m] = Vec::fma(w0, Vec::load_x(xs[m] + k), a0[r][m]);
    }
    k += L;
  }
  if (K > k) {
    for (int r = 0; r < NR; ++r) {
      const F w1 = Vec::template load_w_tail<T>(rows[r], k, K - k);
      for (int m = 0; m < MB; ++m) a1[r][m] = Vec::fma(w1, Vec::load_x_tail(xs[m] + k, K - k), a1[r][m]);
    }
  }
  for (int r = 0; r < NR; ++r)
    for (int m = 0; m < MB; ++m) Y[(m0 + m) * ldy + n + r] = Vec::hsum(Vec::add(a0[r][m], a1[r][m]));
}

template <FloatType T, int NR, int MB>
TRIT_INLINE void float_rows(const uint8_t* W, int64_t row_bytes, int64_t n0, int64_t n1, int64_t K, const float* X,
                            int64_t ldx, int64_t m0, float* Y, int64_t ldy) {
  int64_t n = n0;
  for (; n + NR <= n1; n += NR) float_tile<T, NR, MB>(W, row_bytes, n, K, X, ldx, m0, Y, ldy);
  for (; n < n1; ++n) float_tile<T, 1, MB>(W, row_bytes, n, K, X, ldx, m0, Y, ldy);
}

template <FloatType T>
void float_gemm_t(const uint8_t* W, int64_t row_bytes, int64_t n0, int64_t n1, int64_t K, const float* X, int64_t ldx,
                  int64_t M, float* Y, int64_t ldy) {
  if (M == 1) {
    // One row at a time: a single sequential weight stream per thread, which the hardware
    // prefetchers follow at full bandwidth (measured faster than 2 or 4 rows in flight, or
    // software prefetch, on Zen 4).
    float_rows<T, 1, 1>(W, row_bytes, n0, n1, K, X, ldx, 0, Y, ldy);
    return;
  }
  // Batches: Vec::kRows weight rows x Vec::kBatch activation rows per tile, over row blocks
  // that stay in L1/L2 while every activation row passes.
  constexpr int64_t kRowBlock = 16;
  for (int64_t nb = n0; nb < n1; nb += kRowBlock) {
    const int64_t ne = nb + kRowBlock < n1 ? nb + kRowBlock : n1;
    int64_t m = 0;
    for (; m + Vec::kBatch <= M; m += Vec::kBatch) float_rows<T, Vec::kRows, Vec::kBatch>(W, row_bytes, nb, ne, K, X, ldx, m, Y, ldy);
    for (; m < M; ++m) float_rows<T, Vec::kRows, 1>(W, row_bytes, nb, ne, K, X, ldx, m, Y, ldy);
  }
}

void float_gemm(FloatType type, const uint8_t* W, int64_t row_bytes, int64_t n0, int64_t n1, int64_t K, const float* X,
                int64_t ldx, int64_t M, float* Y, int64_t ldy) {
  switch (type) {
    case FloatType::F32: float_gemm_t<FloatType::F32>(W, row_bytes, n0, n1, K, X, ldx, M, Y, ldy); return;
    case FloatType::F16: float_gemm_t<FloatType::F16>(W, row_bytes, n0, n1, K, X, ldx, M, Y, ldy); return;
    case FloatType::BF16: float_gemm_t<FloatType::BF16>(W, row_bytes, n0, n1, K, X, ldx, M, Y, ldy); return;
  }
}
