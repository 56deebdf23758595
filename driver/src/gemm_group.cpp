#include "trit/driver/gemm_group.hpp"

#include <cstring>

#include <fmt/format.h>

namespace trit::driver {

namespace {
uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }
}  // namespace

GemmGroup::~GemmGroup() {
  try {
    if (x_.size) dev_.free(x_);
    if (y_.size) dev_.free(y_);
  } catch (...) {
  }
}

void GemmGroup::reserve(Buffer& b, uint64_t bytes) {
  if (b.size >= bytes) return;
  if (b.size) dev_.free(b);
  b = {};
  // Grown with headroom so that a prefill followed by slightly longer ones does not reallocate.
  b = dev_.alloc(bytes + bytes / 4);
}

void GemmGroup::run(std::span<const Output> outs, const int8_t* x, uint32_t m, uint32_t k, uint32_t ldx,
                    std::chrono::nanoseconds timeout) {
  if (outs.empty()) throw ShapeError("GemmGroup::run with no outputs");
  if (m == 0 || k == 0) throw ShapeError(fmt::format("GemmGroup::run with m = {}, k = {}", m, k));
  if (ldx < k) throw ShapeError(fmt::format("GemmGroup::run: X row stride {} < K = {}", ldx, k));
  for (const Output& o : outs)
    if (!o.w || o.w->k != k)
      throw ShapeError(fmt::format("GemmGroup::run: a matrix of K = {} in a group reading K = {} activations",
                                   o.w ? o.w->k : 0, k));
  const uint64_t bus = dev_.config().bus_bytes;
  const uint64_t x_stride = round_up(k, bus);
  if (x_stride > UINT32_MAX) throw ShapeError(fmt::format("K = {} too large for a row stride", k));

  // Y regions: output j's parts back to back, each part m rows of round_up(4 n_j, bus) bytes.
  struct Region {
    uint64_t offset, part_stride;
    uint32_t y_stride;
  };
  std::vector<Region> regions;
  regions.reserve(outs.size());
  uint64_t y_bytes = 0;
  for (const Output& o : outs) {
    const uint64_t ys = round_up(uint64_t{o.w->n} * 4, bus);
    if (ys > UINT32_MAX) throw ShapeError(fmt::format("N = {} too large for a row stride", o.w->n));
    regions.push_back({y_bytes, m * ys, static_cast<uint32_t>(ys)});
    y_bytes += o.w->parts.size() * m * ys;
  }
  reserve(x_, m * x_stride);
  reserve(y_, y_bytes);

  // X once, with the device's row stride (the bytes past K are read but meet zero weights).
  x_host_.assign(m * x_stride, 0);
  for (uint32_t r = 0; r < m; ++r) std::memcpy(&x_host_[r * x_stride], x + uint64_t{r} * ldx, k);
  dev_.write(x_, 0, x_host_);

  descs_.clear();
  for (size_t j = 0; j < outs.size(); ++j) {
    const Region& g = regions[j];
    const Buffer y{y_.addr + g.offset, outs[j].w->parts.size() * g.part_stride};
    const std::vector<GemmDesc> d = dev_.gemm(m, x_, static_cast<uint32_t>(x_stride), *outs[j].w, y, g.y_stride,
                                              g.part_stride);
    descs_.insert(descs_.end(), d.begin(), d.end());
  }
  dev_.wait(dev_.submit(descs_), timeout);

  // Every result in one transfer, then the partial sums of each K segment added on the host.
  y_host_.resize(y_bytes);
  dev_.read(y_, 0, {y_host_.data(), y_bytes});
  for (size_t j = 0; j < outs.size(); ++j) {
    const Region& g = regions[j];
    sum_partials(&y_host_[g.offset], outs[j].w->parts.size(), g.part_stride, g.y_stride, m, outs[j].w->n, outs[j].y,
                 outs[j].w->n);
  }
  ++stats_.runs;
  stats_.descriptors += descs_.size();
  stats_.bytes_written += x_host_.size();
  stats_.bytes_read += y_bytes;
}

}  // namespace trit::driver
