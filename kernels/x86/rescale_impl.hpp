// The forward pass's rescale of integer BitLinear results for any vector width:
//   y = float(acc) / x_scale * w_scale
// convert, divide, multiply: three IEEE operations in that order (no reciprocal, no FMA), so
// each lane equals rescale_i32_ref's. Included inside a variant file's anonymous namespace after
// it defines `RowOps` (row_ops_impl.hpp lists what it provides) and before its ternary GEMM:
// rescale_lanes is the only place an x86 variant writes the expression. The GEMM epilogues call
// it on results still in registers and rescale_i32 (the table entry, for results computed
// elsewhere, e.g. by the accelerator) calls it along a row, so the fused float output and a
// separately rescaled int32 output cannot drift apart.

// y[i] = float(v[i]) / x_scale * w_scale[i] for i < count (0 < count <= W); reads only those
// lanes of w_scale and writes only those of y.
TRIT_INLINE void rescale_lanes(RowOps::I v, int64_t count, float x_scale, const float* w_scale, float* y) {
  const RowOps::F f = RowOps::div(RowOps::to_float(v), RowOps::set1(x_scale));
  if (count == RowOps::W) {
    RowOps::store(y, RowOps::mul(f, RowOps::load(w_scale)));
  } else {
    RowOps::store_tail(y, RowOps::mul(f, RowOps::load_tail(w_scale, count)), count);
  }
}

void rescale_i32(const int32_t* acc, int64_t n, float x_scale, const float* w_scale, float* y) {
  constexpr int64_t W = RowOps::W;
  int64_t i = 0;
  for (; i + W <= n; i += W) rescale_lanes(RowOps::load_i32(acc + i), W, x_scale, w_scale + i, y + i);
  if (i < n) rescale_lanes(RowOps::load_i32_tail(acc + i, n - i), n - i, x_scale, w_scale + i, y + i);
}
