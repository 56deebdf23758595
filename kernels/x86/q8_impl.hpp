// Q8 head GEMV/GEMM (q8_gemm.hpp) on 256-bit vectors, included inside a variant file's
// anonymous namespace after it defines q8_block_sum(u, x, corr): the exact integer sums of one
// 32-column block in 8 lanes (u: weights + 128, x: activations, corr: their -128 correction).
// Each block's sum is scaled by dw * dx and accumulated in float, blocks alternating between two
// accumulators, then the lanes are summed: the same order for every batch size and row range.

TRIT_INLINE float q8_hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

template <int MB>
TRIT_INLINE void q8_tile(const Q8Matrix& w, int64_t n, const Q8Input& in, int64_t m0, float* Y, int64_t ldy) {
  const int64_t kp = w.cols_padded(), blocks = kp / kQ8Block;  // blocks is even (kp % 64 == 0)
  const uint8_t* r = w.row(n);
  const uint8_t* dw = r + kp;
  __m256 a[2][MB];
  for (int m = 0; m < MB; ++m) a[0][m] = a[1][m] = _mm256_setzero_ps();
  // dw * dx of 8 blocks at a time in one vector; each block's scale is then one lane broadcast.
  for (int64_t b0 = 0; b0 < blocks; b0 += 8) {
    const int64_t nb = blocks - b0 < 8 ? blocks - b0 : 8;
    alignas(16) uint16_t dw8[8] = {};
    std::memcpy(dw8, dw + 2 * b0, static_cast<size_t>(nb) * 2);
    const __m256 dwv = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(dw8)));
    __m256 scales[MB];
    for (int m = 0; m < MB; ++m) {
      alignas(32) float dx8[8] = {};
      std::memcpy(dx8, in.d + (m0 + m) * (in.kp / kQ8Block) + b0, static_cast<size_t>(nb) * 4);
      scales[m] = _mm256_mul_ps(dwv, _mm256_load_ps(dx8));
    }
    for (int64_t j = 0; j < nb; ++j) {
      const int64_t b = b0 + j;
      const __m256i u = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + kQ8Block * b));
      const __m256i lane = _mm256_set1_epi32(static_cast<int>(j));
      for (int m = 0; m < MB; ++m) {
        const int64_t row = m0 + m;
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in.q + row * in.kp + kQ8Block * b));
        const __m256i s = q8_block_sum(u, x, in.corr + row * (in.kp / 4) + 8 * b);
        const __m256 scale = _mm256_permutevar8x32_ps(scales[m], lane);
        a[b & 1][m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), scale, a[b & 1][m]);
      }
    }
  }
  for (int m = 0; m < MB; ++m) Y[(m0 + m) * ldy + n] = q8_hsum(_mm256_add_ps(a[0][m], a[1][m]));
}

void q8_gemm(const Q8Matrix& w, int64_t n0, int64_t n1, const Q8Input& in, float* Y, int64_t ldy) {
  constexpr int64_t kRowBlock = 16;  // rows stay in L1 while every activation row passes
  for (int64_t nb = n0; nb < n1; nb += kRowBlock) {
    const int64_t ne = nb + kRowBlock < n1 ? nb + kRowBlock : n1;
    int64_t m = 0;
    for (; m + 4 <= in.M; m += 4)
      for (int64_t n = nb; n < ne; ++n) q8_tile<4>(w, n, in, m, Y, ldy);
    for (; m < in.M; ++m)
      for (int64_t n = nb; n < ne; ++n) q8_tile<1>(w, n, in, m, Y, ldy);
  }
}
