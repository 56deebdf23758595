// Row kernels of the float path for any vector width: BitNet's activation quantiser, RMSNorm and
// the squared-ReLU gate. Included inside a variant file's anonymous namespace after it defines
// `RowOps`: the lane count W, vector types F (W floats), D (W / 2 doubles) and I (W int32), and
//   load(p), load_tail(p, count)    W floats; a tail reads only lanes < count, the rest are 0
//   store(p, v), store_tail(p, v, count)
//   zero, set1, mul, min, max, abs
//                                   min/max as x86's minps/maxps: the second operand where
//                                   either lane is NaN (the kernels below rely on this)
//   reduce_max(v)                   the largest lane (no lane is NaN)
//   round_even(v)                   to an integral value, ties to even, no exceptions
//   ordered(y, r)                   r's lanes where y is a number, 0 where y is NaN
//   store_i8(q, r), store_i8_tail(q, r, count)
//                                   lanes integral in [-127, 127] as int8
//   zero_d, lo_d(v), hi_d(v)        v's lanes [0, W/2) and [W/2, W) widened to double
//   fma_d, add_d, hsum_d(d)         hsum_d in a fixed order of the variant's choosing
//   div, load_i32(p), load_i32_tail(p, count), to_float(i)   (int32 lanes I; for rescale_impl.hpp)
// Every kernel here is the same IEEE operations per element as its scalar reference (the
// quantiser and the gate are bit-identical to it on every variant); RMSNorm's sum of squares
// is in double in a fixed order per variant (two D accumulators, hsum_d, then the tail in
// order), so it does not depend on the batch or the thread split either.

// One vector of the quantiser: clamp(round_half_even(x * s), -127, 127), NaN -> 0.
TRIT_INLINE RowOps::F quantize_lanes(RowOps::F x, RowOps::F s) {
  const RowOps::F y = RowOps::mul(x, s);
  const RowOps::F r =
      RowOps::min(RowOps::max(RowOps::round_even(y), RowOps::set1(-127.0f)), RowOps::set1(127.0f));
  return RowOps::ordered(y, r);
}

// Bit-identical to quantize_row_i8_absmax_ref: the max of |x| is exact in any order (a NaN x is
// max's first operand, so it never replaces the running max: skipped, as the reference's
// comparisons skip it), and x * s, round-half-even and the clamp are the same IEEE operations.
float quantize_row(const float* x, int64_t n, int8_t* q) {
  constexpr int64_t W = RowOps::W;
  RowOps::F vmax = RowOps::zero();
  int64_t i = 0;
  for (; i + W <= n; i += W) vmax = RowOps::max(RowOps::abs(RowOps::load(x + i)), vmax);
  if (i < n) vmax = RowOps::max(RowOps::abs(RowOps::load_tail(x + i, n - i)), vmax);
  const auto lane_max = static_cast<double>(RowOps::reduce_max(vmax));
  const double max = lane_max > 1e-5 ? lane_max : 1e-5;
  const auto s = static_cast<float>(127.0 / max);
  const RowOps::F vs = RowOps::set1(s);
  for (i = 0; i + W <= n; i += W) RowOps::store_i8(q + i, quantize_lanes(RowOps::load(x + i), vs));
  if (i < n) RowOps::store_i8_tail(q + i, quantize_lanes(RowOps::load_tail(x + i, n - i), vs), n - i);
  return s;
}

// RMSNorm: the sum of squares in double (see the top), then y = (x * scale) * w element-wise.
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps) {
  constexpr int64_t W = RowOps::W;
  RowOps::D s0 = RowOps::zero_d(), s1 = RowOps::zero_d();
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const RowOps::F v = RowOps::load(x + i);
    const RowOps::D lo = RowOps::lo_d(v), hi = RowOps::hi_d(v);
    s0 = RowOps::fma_d(lo, lo, s0);
    s1 = RowOps::fma_d(hi, hi, s1);
  }
  double ss = RowOps::hsum_d(RowOps::add_d(s0, s1));
  for (int64_t t = i; t < n; ++t) ss += static_cast<double>(x[t]) * x[t];
  const auto scale = static_cast<float>(1.0 / __builtin_sqrt(ss / static_cast<double>(n) + eps));
  const RowOps::F vs = RowOps::set1(scale);
  for (i = 0; i + W <= n; i += W) {
    RowOps::F v = RowOps::mul(RowOps::load(x + i), vs);
    if (w) v = RowOps::mul(v, RowOps::load(w + i));
    RowOps::store(y + i, v);
  }
  for (; i < n; ++i) y[i] = x[i] * scale * (w ? w[i] : 1.0f);
}

// g = max(g, 0)^2 * u. max(0, g) keeps a NaN g (it is the second operand), like std::max(g, 0.0f)
// in the reference, and gives -0 for g = -0 as it does.
TRIT_INLINE RowOps::F squared_relu_lanes(RowOps::F g, RowOps::F u) {
  const RowOps::F r = RowOps::max(RowOps::zero(), g);
  return RowOps::mul(RowOps::mul(r, r), u);
}

void squared_relu_mul(float* g, const float* u, int64_t n) {
  constexpr int64_t W = RowOps::W;
  int64_t i = 0;
  for (; i + W <= n; i += W) RowOps::store(g + i, squared_relu_lanes(RowOps::load(g + i), RowOps::load(u + i)));
  if (i < n)
    RowOps::store_tail(g + i, squared_relu_lanes(RowOps::load_tail(g + i, n - i), RowOps::load_tail(u + i, n - i)),
                       n - i);
}
