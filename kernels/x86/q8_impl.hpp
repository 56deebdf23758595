// Q8 head GEMV/GEMM (q8_gemm.hpp), included inside a variant file's anonymous namespace after it
// defines `Q8Ops`: L (rows per vector, 8 or 16), vector types I (int32 lanes) and F (float
// lanes), and
//   codes(p)        L x 4 code bytes: four columns of L rows, one row per 32-bit lane
//   bcast_x(p)      four activation bytes into every lane
//   init(corr)      a block sum's start value (the -128 correction, where dot() takes the
//                   stored unsigned codes as they are)
//   dot(s, u, x)    s + per-lane sum of the four products (code - 128) x activation, exactly
//   add_int(a, b)   lane-wise int32 sum
//   scales(p)       L fp16 -> float
//   zero, set1, to_float, mul, add, store(y, v, count)
//
// A 16-row group is 16 / L "units" of L rows; unit p of a group has its lanes at byte 4 L p of
// every 64-byte quad and at scale L p of every block's 16. Each row accumulates
// float(isum_b) * (dw_b * dx_b) in block order with separate multiplies and adds, as the
// scalar reference does, so every variant is bit-identical to it.

template <int MB, int NU>
TRIT_INLINE void q8_tile(const Q8View& w, int64_t u0, const Q8Input& in, int64_t m0, float* Y, int64_t ldy) {
  using I = typename Q8Ops::I;
  using F = typename Q8Ops::F;
  constexpr int64_t L = Q8Ops::L, P = kQ8Rows / L;
  const int64_t nb = w.kp / kQ8Block;
  const uint8_t* codes[NU];
  const uint8_t* scales[NU];
  for (int j = 0; j < NU; ++j) {
    const int64_t u = u0 + j;
    const uint8_t* group = w.data + (u / P) * w.group_bytes;
    codes[j] = group + (u % P) * 4 * L;
    scales[j] = group + 2 * kQ8Rows * kQ8Block + (u % P) * 2 * L;
  }
  const int8_t* xr[MB];
  const int32_t* corr[MB];
  const float* dx[MB];
  for (int m = 0; m < MB; ++m) {
    xr[m] = in.q + (m0 + m) * in.kp;
    corr[m] = in.corr + (m0 + m) * nb;
    dx[m] = in.d + (m0 + m) * nb;
  }
  F acc[MB][NU];
  for (int m = 0; m < MB; ++m)
    for (int j = 0; j < NU; ++j) acc[m][j] = Q8Ops::zero();
  for (int64_t b = 0; b < nb; ++b) {
    const int64_t pair = (b / 2) * kQ8PairBytes;
    const int64_t code_off = pair + (b % 2) * kQ8Rows * kQ8Block, scale_off = pair + (b % 2) * kQ8Rows * 2;
    // Few tiles in flight: even and odd quads in two chains (exact integer sums either way).
    constexpr int C = MB * NU < 4 ? 2 : 1;
    I s[C][MB][NU];
    for (int m = 0; m < MB; ++m)
      for (int j = 0; j < NU; ++j) {
        s[0][m][j] = Q8Ops::init(corr[m][b]);
        if constexpr (C == 2) s[C - 1][m][j] = Q8Ops::init(0);
      }
    for (int q = 0; q < kQ8Block / 4; ++q) {
      I u[NU];
      for (int j = 0; j < NU; ++j) u[j] = Q8Ops::codes(codes[j] + code_off + q * kQ8Rows * 4);
      for (int m = 0; m < MB; ++m) {
        const I x = Q8Ops::bcast_x(xr[m] + b * kQ8Block + 4 * q);
        for (int j = 0; j < NU; ++j) s[q % C][m][j] = Q8Ops::dot(s[q % C][m][j], u[j], x);
      }
    }
    if constexpr (C == 2)
      for (int m = 0; m < MB; ++m)
        for (int j = 0; j < NU; ++j) s[0][m][j] = Q8Ops::add_int(s[0][m][j], s[1][m][j]);
    F dw[NU];
    for (int j = 0; j < NU; ++j) dw[j] = Q8Ops::scales(scales[j] + scale_off);
    for (int m = 0; m < MB; ++m) {
      const F d = Q8Ops::set1(dx[m][b]);
      for (int j = 0; j < NU; ++j)
        acc[m][j] = Q8Ops::add(acc[m][j], Q8Ops::mul(Q8Ops::to_float(s[0][m][j]), Q8Ops::mul(dw[j], d)));
    }
  }
  for (int j = 0; j < NU; ++j) {
    const int64_t n0 = (u0 + j) * L, rows = w.n - n0 < L ? w.n - n0 : L;
    if (rows <= 0) continue;  // a padding unit of the last group
    for (int m = 0; m < MB; ++m) Q8Ops::store(Y + (m0 + m) * ldy + n0, acc[m][j], rows);
  }
}

template <int MB, int NU>
TRIT_INLINE void q8_rows(const Q8View& w, int64_t u0, int64_t u1, const Q8Input& in, int64_t m0, float* Y,
                         int64_t ldy) {
  int64_t u = u0;
  for (; u + NU <= u1; u += NU) q8_tile<MB, NU>(w, u, in, m0, Y, ldy);
  for (; u < u1; ++u) q8_tile<MB, 1>(w, u, in, m0, Y, ldy);
}

void q8_gemm(const Q8View& w, int64_t g0, int64_t g1, const Q8Input& in, float* Y, int64_t ldy) {
  constexpr int P = static_cast<int>(kQ8Rows / Q8Ops::L);
  if (in.M == 1) {
    // One group at a time: one sequential weight stream per thread.
    q8_rows<1, P>(w, g0 * P, g1 * P, in, 0, Y, ldy);
    return;
  }
  // Batches: one group x MB activation rows per tile (MB x 16 rows of sums and accumulators
  // fit the registers); the group stays in L1/L2 while every activation row passes.
  constexpr int MB = 4 / P;
  for (int64_t u = g0 * P; u < g1 * P; u += P) {
    int64_t m = 0;
    for (; m + MB <= in.M; m += MB) q8_rows<MB, P>(w, u, u + P, in, m, Y, ldy);
    for (; m < in.M; ++m) q8_rows<1, P>(w, u, u + P, in, m, Y, ldy);
  }
}
