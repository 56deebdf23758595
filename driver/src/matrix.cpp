// Matrices of any K: the K split (plan_k_segments), their upload and their descriptors. The
// device never sees K > k_max; a wider product is several descriptors over column ranges of the
// same activation rows, each writing int32 partial sums that the host adds exactly
// (docs/architecture.md, "K beyond k_max", has why this and not an accumulate-into-Y flag).

#include <cstring>

#include <fmt/format.h>

#include "trit/driver/device.hpp"

namespace trit::driver {

std::vector<KSegment> plan_k_segments(const ArrayConfig& cfg, uint32_t k) {
  if (k == 0) throw ShapeError("K = 0: a matrix needs at least one column");
  // |Y| <= 128 K must fit an int32, segment sums included.
  if (k > (1u << 24)) throw ShapeError(fmt::format("K = {} exceeds 2^24: int32 results could overflow", k));
  if (k <= cfg.k_max) return {{0, k}};
  const uint64_t parts = (uint64_t{k} + cfg.k_max - 1) / cfg.k_max;
  const uint64_t even = (k + parts - 1) / parts;
  // A multiple of the bus width (k_max is one, so this never exceeds it): every segment's X
  // slice starts on a beat, as the descriptor's x_addr must.
  const uint64_t len = (even + cfg.bus_bytes - 1) / cfg.bus_bytes * cfg.bus_bytes;
  std::vector<KSegment> segs;
  for (uint64_t k0 = 0; k0 < k; k0 += len)
    segs.push_back({static_cast<uint32_t>(k0), static_cast<uint32_t>(std::min<uint64_t>(len, k - k0))});
  return segs;
}

uint64_t MatrixWeights::device_bytes() const {
  uint64_t b = 0;
  for (const Part& p : parts) b += p.w.layout.total_bytes;
  return b;
}

MatrixWeights Device::upload_matrix(std::span<const int8_t> w, uint32_t n, uint32_t k, WeightFormat format) {
  if (w.size() != uint64_t{n} * k)
    throw ShapeError(fmt::format("weight matrix has {} values, expected {} x {} = {}", w.size(), n, k,
                                 uint64_t{n} * k));
  MatrixWeights m;
  m.n = n;
  m.k = k;
  m.format = format;
  const std::vector<KSegment> segs = plan_k_segments(info_.config, k);
  try {
    std::vector<int8_t> slice;
    for (const KSegment& s : segs) {
      std::span<const int8_t> src = w;
      if (segs.size() > 1) {
        slice.resize(uint64_t{n} * s.k);  // [n][s.k]
        for (uint32_t r = 0; r < n; ++r)
          std::memcpy(&slice[uint64_t{r} * s.k], &w[uint64_t{r} * k + s.k0], s.k);
        src = slice;
      }
      m.parts.push_back({s, upload_weights(src, n, s.k, format)});
    }
  } catch (...) {
    free(m);
    throw;
  }
  return m;
}

void Device::free(const MatrixWeights& w) {
  for (const MatrixWeights::Part& p : w.parts) free(p.w);
}

std::vector<GemmDesc> Device::gemm(uint32_t m, const Buffer& x, uint32_t x_stride, const MatrixWeights& w,
                                   const Buffer& y, uint32_t y_stride, uint64_t part_stride) const {
  if (w.parts.empty()) throw ShapeError("GEMM with a matrix that has no parts (not uploaded?)");
  std::vector<GemmDesc> out;
  out.reserve(w.parts.size());
  for (size_t s = 0; s < w.parts.size(); ++s) {
    const MatrixWeights::Part& p = w.parts[s];
    if (p.seg.k0 > x.size) throw ShapeError(fmt::format("X buffer of {} bytes ends before column {}", x.size, p.seg.k0));
    const uint64_t y_off = s * part_stride;
    if (y_off > y.size)
      throw ShapeError(fmt::format("Y buffer of {} bytes cannot hold part {} at offset {}", y.size, s, y_off));
    if (w.parts.size() > 1 && part_stride < uint64_t{m - 1} * y_stride + uint64_t{w.n} * 4)
      throw ShapeError(fmt::format("part_stride {} is smaller than one part's {} rows of N={} (stride {})",
                                   part_stride, m, w.n, y_stride));
    // Sub-buffers: x from column k0 on (same rows and stride), y at this part's partial sums;
    // gemm() checks each against the device's rules exactly as for a single GEMM.
    const Buffer xs{x.addr + p.seg.k0, x.size - p.seg.k0};
    const Buffer ys{y.addr + y_off, y.size - y_off};
    out.push_back(gemm(m, xs, x_stride, p.w, ys, y_stride));
  }
  return out;
}

void sum_partials(const uint8_t* parts, size_t n_parts, uint64_t part_stride, uint32_t y_stride, uint32_t rows,
                  uint32_t cols, int32_t* out, size_t ld_out) {
  for (uint32_t r = 0; r < rows; ++r) {
    int32_t* o = out + r * ld_out;
    std::memcpy(o, parts + uint64_t{r} * y_stride, uint64_t{cols} * 4);
    for (size_t s = 1; s < n_parts; ++s) {
      const uint8_t* row = parts + s * part_stride + uint64_t{r} * y_stride;
      for (uint32_t c = 0; c < cols; ++c) {
        int32_t v;
        std::memcpy(&v, row + uint64_t{c} * 4, 4);
        o[c] += v;
      }
    }
  }
}

}  // namespace trit::driver
