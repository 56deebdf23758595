#include "gemm_cases.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace trit::testing {

using driver::WeightFormat;

namespace {

constexpr uint8_t kSentinel = 0xa5;

uint32_t pick(std::mt19937_64& rng, uint32_t lo, uint32_t hi) {
  return std::uniform_int_distribution<uint32_t>(lo, hi)(rng);
}

uint32_t round_up(uint32_t v, uint32_t to) { return (v + to - 1) / to * to; }

}  // namespace

GemmCase make_case(std::mt19937_64& rng, const driver::ArrayConfig& cfg, uint32_t m, uint32_t n, uint32_t k,
                   WeightFormat format, const std::string& label) {
  GemmCase c;
  c.label = label;
  c.m = m;
  c.n = n;
  c.k = k;
  c.format = format;
  const uint32_t bus = cfg.bus_bytes;
  c.x_stride = round_up(k, bus) + bus * pick(rng, 0, 2);
  c.y_stride = round_up(4 * n, bus) + bus * pick(rng, 0, 2);
  c.x.resize(uint64_t{m} * k);
  c.w.resize(uint64_t{n} * k);
  std::uniform_int_distribution<int> act(-128, 127);
  for (auto& v : c.x) v = static_cast<int8_t>(act(rng));
  // BitNet-like weights: P(0) = 0.4, P(+1) = P(-1) = 0.3.
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& v : c.w) {
    const double r = u(rng);
    v = r < 0.4 ? 0 : (r < 0.7 ? 1 : -1);
  }
  return c;
}

GemmCase random_case(std::mt19937_64& rng, const driver::ArrayConfig& cfg, uint32_t max_k, uint32_t max_n,
                     uint32_t max_m) {
  const WeightFormat format = pick(rng, 0, 1) ? WeightFormat::T5 : WeightFormat::T2;
  const uint32_t within = std::min(max_k, cfg.k_max);
  // M: decode, within one pass, or several passes with a ragged last one.
  uint32_t m;
  switch (pick(rng, 0, 4)) {
    case 0:
    case 1: m = 1; break;
    case 2: m = pick(rng, 1, cfg.rows); break;
    default: m = pick(rng, 1, std::max(max_m, cfg.rows + 1)); break;
  }
  // K: mostly ragged (not multiples of V), sometimes exact multiples, tiny, exactly k_max, or
  // beyond k_max (the driver then splits K into segments whose partial sums the host adds).
  uint32_t k, n;
  switch (pick(rng, 0, 8)) {
    case 0: k = pick(rng, 1, cfg.lanes); break;
    case 1: k = cfg.lanes * pick(rng, 1, std::max(1u, within / cfg.lanes)); break;
    case 2: k = within; break;
    case 3: k = cfg.k_max; break;
    case 4: k = cfg.k_max + pick(rng, 1, cfg.lanes); break;
    case 5: k = pick(rng, cfg.k_max + 1, cfg.k_max + std::max(max_k, cfg.k_max / 2)); break;
    default: k = pick(rng, 1, within); break;
  }
  // N: ragged, exact multiples of C, or tiny.
  switch (pick(rng, 0, 4)) {
    case 0: n = pick(rng, 1, cfg.cols); break;
    case 1: n = cfg.cols * pick(rng, 1, std::max(1u, max_n / cfg.cols)); break;
    default: n = pick(rng, 1, max_n); break;
  }
  GemmCase c = make_case(rng, cfg, m, n, k, format, "random");
  // Edge values in some cases.
  switch (pick(rng, 0, 9)) {
    case 0:
      std::fill(c.w.begin(), c.w.end(), int8_t{0});
      c.label = "all-zero weights";
      break;
    case 1:
      std::fill(c.x.begin(), c.x.end(), int8_t{-128});
      std::fill(c.w.begin(), c.w.end(), int8_t{-1});
      c.label = "x=-128, w=-1";
      break;
    case 2:
      std::fill(c.x.begin(), c.x.end(), int8_t{127});
      std::fill(c.w.begin(), c.w.end(), int8_t{1});
      c.label = "x=127, w=+1";
      break;
    case 3:
      for (size_t i = 0; i < c.x.size(); ++i) c.x[i] = (i & 1) ? int8_t{127} : int8_t{-128};
      c.label = "alternating extremes";
      break;
    default: break;
  }
  return c;
}

std::vector<int32_t> expected_y(const GemmCase& c) {
  std::vector<int32_t> y(uint64_t{c.m} * c.n);
  for (uint32_t m = 0; m < c.m; ++m)
    for (uint32_t n = 0; n < c.n; ++n) {
      int64_t acc = 0;
      for (uint32_t k = 0; k < c.k; ++k) acc += int64_t{c.x[uint64_t{m} * c.k + k]} * c.w[uint64_t{n} * c.k + k];
      y[uint64_t{m} * c.n + n] = static_cast<int32_t>(acc);
    }
  return y;
}

std::string describe(const GemmCase& c) {
  return fmt::format("{} M={} N={} K={} {} x_stride={} y_stride={}", c.label, c.m, c.n, c.k,
                     regs::to_string(c.format), c.x_stride, c.y_stride);
}

BatchResult run_batch(driver::Device& dev, const std::vector<GemmCase>& cases, std::chrono::nanoseconds timeout) {
  // Y of each case: a guard before, then every K segment's partial sums (m rows of y_stride), then
  // a guard after; all of it filled with a sentinel the device must leave alone outside
  // [0, 4N) of each row.
  struct Live {
    driver::MatrixWeights w;
    driver::Buffer x, y;
    uint64_t guard = 0, part_stride = 0;
  };
  BatchResult res;
  std::vector<Live> live;
  std::vector<driver::GemmDesc> descs;
  const uint32_t bus = dev.config().bus_bytes;
  for (const GemmCase& c : cases) {
    Live l;
    l.w = dev.upload_matrix(c.w, c.n, c.k, c.format);
    const uint64_t x_bytes = uint64_t{c.m - 1} * c.x_stride + round_up(c.k, bus);
    l.x = dev.alloc(x_bytes);
    std::vector<uint8_t> xbuf(x_bytes, 0x5a);  // padding bytes hold junk the device must ignore
    for (uint32_t m = 0; m < c.m; ++m)
      std::memcpy(&xbuf[uint64_t{m} * c.x_stride], &c.x[uint64_t{m} * c.k], c.k);
    dev.write(l.x, 0, xbuf);
    l.guard = std::max<uint64_t>(bus, 64);
    l.part_stride = uint64_t{c.m} * c.y_stride;
    const uint64_t y_bytes = 2 * l.guard + l.w.parts.size() * l.part_stride;
    l.y = dev.alloc(y_bytes);
    dev.write(l.y, 0, std::vector<uint8_t>(y_bytes, kSentinel));
    const driver::Buffer y_parts{l.y.addr + l.guard, l.w.parts.size() * l.part_stride};
    for (driver::GemmDesc d : dev.gemm(c.m, l.x, c.x_stride, l.w, y_parts, c.y_stride, l.part_stride)) {
      d.tag = static_cast<uint32_t>(descs.size() + 1);
      descs.push_back(d);
    }
    live.push_back(std::move(l));
  }
  const driver::Counters before = dev.counters();
  const uint64_t cycles0 = dev.backend().cycles();
  const driver::JobId job = dev.submit(descs);
  dev.wait(job, timeout);
  res.cycles = dev.backend().cycles() - cycles0;
  res.counters = dev.counters() - before;
  for (size_t i = 0; i < cases.size(); ++i) {
    const GemmCase& c = cases[i];
    const Live& l = live[i];
    const size_t parts = l.w.parts.size();
    std::vector<uint8_t> ybuf(l.y.size);
    dev.read(l.y, 0, ybuf);
    const uint8_t* first_part = &ybuf[l.guard];
    const std::vector<int32_t> want = expected_y(c);
    std::vector<int32_t> got(uint64_t{c.m} * c.n);
    driver::sum_partials(first_part, parts, l.part_stride, c.y_stride, c.m, c.n, got.data(), c.n);
    uint32_t bad = 0;
    for (uint64_t b = 0; b < ybuf.size(); ++b) {
      const bool in_guard = b < l.guard || b >= l.guard + parts * l.part_stride;
      const uint64_t in_part = (b - l.guard) % l.part_stride;
      const bool in_row = !in_guard && in_part % c.y_stride < uint64_t{c.n} * 4;
      if (!in_row && ybuf[b] != kSentinel && bad++ < 4)
        res.problems.push_back(
            in_guard ? fmt::format("case {} ({}): guard byte {} {} Y was written", i, describe(c),
                                   b < l.guard ? l.guard - b : b - (l.guard + parts * l.part_stride) + 1,
                                   b < l.guard ? "before" : "after")
                     : fmt::format("case {} ({}): part {} row {} byte {} beyond 4N was written", i, describe(c),
                                   (b - l.guard) / l.part_stride, in_part / c.y_stride, in_part % c.y_stride));
    }
    for (uint64_t idx = 0; idx < got.size(); ++idx)
      if (got[idx] != want[idx] && bad++ < 4)
        res.problems.push_back(fmt::format("case {} ({}, {} K segments): Y[{}][{}] = {}, expected {}", i,
                                           describe(c), parts, idx / c.n, idx % c.n, got[idx], want[idx]));
    if (bad > 4) res.problems.push_back(fmt::format("case {}: {} problems in all", i, bad));
    res.y.push_back(std::move(got));
    res.descriptors += parts;
    dev.free(l.w);
    dev.free(l.x);
    dev.free(l.y);
  }
  return res;
}

StagedGemm stage_gemm(driver::Device& dev, std::mt19937_64& rng, uint32_t m, uint32_t n, uint32_t k) {
  const GemmCase c = make_case(rng, dev.config(), m, n, k, driver::WeightFormat::T2, "staged");
  StagedGemm s;
  s.w = dev.upload_weights(c.w, n, k, c.format);
  s.x = dev.alloc(uint64_t{m} * c.x_stride);
  s.y = dev.alloc(uint64_t{m} * c.y_stride);
  s.desc = dev.gemm(m, s.x, c.x_stride, s.w, s.y, c.y_stride);
  return s;
}

std::vector<std::string> check_still_works(driver::Device& dev, std::mt19937_64& rng,
                                           std::chrono::nanoseconds timeout) {
  const driver::ArrayConfig cfg = dev.config();
  const std::vector<GemmCase> b{
      make_case(rng, cfg, cfg.rows + 1, cfg.cols + 1, 3 * cfg.lanes + 1, driver::WeightFormat::T5, "after")};
  return run_batch(dev, b, timeout).problems;
}

}  // namespace trit::testing
