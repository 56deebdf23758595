// The driver API on the reference backend: random GEMMs against direct math, every host-side
// error path, ring wrap-around, device errors and recovery, threads sharing a device.

#include <random>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "gemm_cases.hpp"
#include "ref/ref_backend.hpp"
#include "test_seed.hpp"
#include "trit/driver/device.hpp"

using namespace trit::driver;
using trit::regs::ErrCode;
using trit::testing::GemmCase;

namespace {

const ArrayConfig kSmall{2, 4, 4, 8, 512, 32, 16};
const ArrayConfig kMid{3, 5, 8, 16, 2048, 40, 32};

std::unique_ptr<Device> open_ref(const ArrayConfig& cfg, DeviceOptions opt = {}) {
  return std::make_unique<Device>(std::make_unique<RefBackend>(cfg), opt);
}

}  // namespace

TEST(DeviceRef, OpensAndReadsItsConfiguration) {
  auto dev = open_ref(kMid);
  EXPECT_EQ(dev->config(), kMid);
  DeviceOptions opt;
  opt.expect = kSmall;
  EXPECT_THROW(open_ref(kMid, opt), ConfigError);
}

TEST(DeviceRef, RandomGemmsMatchDirectMath) {
  std::mt19937_64 rng(trit::testing::test_seed());
  for (const ArrayConfig& cfg : {kSmall, kMid}) {
    auto dev = open_ref(cfg);
    int cases = 0, split = 0;
    for (int batch = 0; batch < 60; ++batch) {
      std::vector<GemmCase> b;
      const int n = std::uniform_int_distribution<int>(1, 4)(rng);
      for (int i = 0; i < n; ++i) b.push_back(trit::testing::random_case(rng, cfg, 300, 40, 3 * cfg.rows + 1));
      const auto res = trit::testing::run_batch(*dev, b);
      for (const auto& p : res.problems) ADD_FAILURE() << cfg.name() << ": " << p;
      cases += n;
      // Event counters are exact in the reference model: every K segment writes its partial sums.
      uint64_t out_bytes = 0, descs = 0;
      for (const auto& c : b) {
        const uint64_t parts = plan_k_segments(cfg, c.k).size();
        out_bytes += parts * c.m * c.n * 4;
        descs += parts;
        split += parts > 1;
      }
      EXPECT_EQ(res.counters[trit::regs::Counter::OUT_BYTES], out_bytes);
      EXPECT_EQ(res.counters[trit::regs::Counter::DESCS], descs);
      EXPECT_EQ(res.descriptors, descs);
    }
    EXPECT_GE(cases, 60);
    EXPECT_GT(split, 5) << "the random cases must include K beyond k_max";
  }
}

namespace {

// Bursts of a read or write of `bytes` from `addr` as the definition puts them: the part of the
// request in each 4 KiB page goes in bursts of at most max_burst beats (written out by page here;
// the model cuts greedily, as the DMA does).
uint64_t bursts_by_page(uint64_t addr, uint64_t bytes, const ArrayConfig& cfg) {
  uint64_t n = 0;
  for (uint64_t a = addr; a < addr + bytes;) {
    const uint64_t part = std::min((a / 4096 + 1) * 4096, addr + bytes) - a;
    n += (part / cfg.bus_bytes + cfg.max_burst - 1) / cfg.max_burst;
    a += part;
  }
  return n;
}

}  // namespace

// The energy-model counters of the reference model against their definitions
// (docs/architecture.md, "Performance counters"), written out independently, on random shapes
// placed at random offsets (so requests cross 4 KiB boundaries at random points), including a
// configuration whose descriptor fetch takes several bursts.
TEST(DeviceRef, EnergyCountersFollowTheirDefinitions) {
  using trit::regs::Counter;
  std::mt19937_64 rng(trit::testing::test_seed());
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  const ArrayConfig kShortBursts{5, 3, 2, 8, 64, 32, 3};
  for (const ArrayConfig& cfg : {kSmall, kMid, kShortBursts}) {
    auto dev = open_ref(cfg);
    const uint64_t bus = cfg.bus_bytes, R = cfg.rows, C = cfg.cols, V = cfg.lanes;
    for (int i = 0; i < 40; ++i) {
      const uint32_t m = static_cast<uint32_t>(pick(1, 3 * R + 1)), n = static_cast<uint32_t>(pick(1, 5 * C + 3));
      const uint32_t k = static_cast<uint32_t>(pick(1, cfg.k_max));
      const auto format = pick(0, 1) ? WeightFormat::T5 : WeightFormat::T2;
      const uint32_t x_stride = static_cast<uint32_t>((k + bus - 1) / bus * bus + bus * pick(0, 2));
      const uint32_t y_stride = static_cast<uint32_t>((4 * n + bus - 1) / bus * bus + bus * pick(0, 2));
      const Buffer spacer = dev->alloc(pick(1, 8192));
      std::vector<int8_t> w(uint64_t{n} * k);
      for (auto& v : w) v = static_cast<int8_t>(static_cast<int>(pick(0, 2)) - 1);
      const Weights wt = dev->upload_weights(w, n, k, format);
      const Buffer x = dev->alloc(uint64_t{m} * x_stride), y = dev->alloc(uint64_t{m} * y_stride);
      const GemmDesc d[] = {dev->gemm(m, x, x_stride, wt, y, y_stride)};
      const JobId job = dev->submit(d, {.profile = true});
      dev->wait(job);
      const Counters got = dev->profile(job).counters;

      const WeightLayout& l = wt.layout;
      const uint64_t passes = (m + R - 1) / R, tiles = l.n_tiles, chunks = l.n_chunks;
      const uint64_t issue = passes * tiles * chunks;
      uint64_t read_bursts = bursts_by_page(0, std::max<uint64_t>(bus, 64), cfg);  // the descriptor
      for (uint64_t r = 0; r < m; ++r) read_bursts += bursts_by_page(x.addr + r * x_stride, (k + bus - 1) / bus * bus, cfg);
      for (uint64_t t = 0; t < tiles; ++t) read_bursts += passes * bursts_by_page(wt.buf.addr + t * l.tile_bytes, l.tile_bytes, cfg);
      uint64_t write_beats = 0, write_bursts = 0;
      for (uint64_t r = 0; r < m; ++r)
        for (uint64_t t = 0; t < tiles; ++t) {
          const uint64_t first = y.addr + r * y_stride + 4 * t * C;
          const uint64_t last = first + 4 * std::min<uint64_t>(C, n - t * C) - 1;
          const uint64_t beats = last / bus - first / bus + 1;
          write_beats += beats;
          write_bursts += bursts_by_page(first / bus * bus, beats * bus, cfg);
        }
      const std::string what = fmt::format("{} M={} N={} K={}", cfg.name(), m, n, k);
      EXPECT_EQ(got[Counter::ISSUE], issue) << what;
      EXPECT_EQ(got[Counter::ACT_READ_BYTES], tiles * chunks * m * V) << what;  // active rows only
      EXPECT_EQ(got[Counter::WFIFO_WRITES], passes * l.total_bytes / bus) << what;
      EXPECT_EQ(got[Counter::WFIFO_READS], passes * l.total_bytes / bus) << what;
      EXPECT_EQ(got[Counter::WREG_LOADS], tiles * chunks * m) << what;  // down to the last active row
      EXPECT_EQ(got[Counter::ACC_UPDATES], tiles * chunks * C * m) << what;
      EXPECT_EQ(got[Counter::SHADOW_UPDATES], tiles * C * m) << what;
      EXPECT_EQ(got[Counter::DRAIN_READS], tiles * C * m) << what;
      EXPECT_EQ(got[Counter::WRITE_BEATS], write_beats) << what;
      EXPECT_EQ(got[Counter::READ_BURSTS], read_bursts) << what;
      EXPECT_EQ(got[Counter::WRITE_BURSTS], write_bursts) << what;
      for (const Buffer& b : {spacer, x, y, wt.buf}) dev->free(b);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(DeviceRef, RingWrapsAroundWithMoreDescriptorsThanSlots) {
  DeviceOptions opt;
  opt.ring_log2 = 2;  // 4 slots, 3 usable
  auto dev = open_ref(kSmall, opt);
  std::mt19937_64 rng(trit::testing::test_seed());
  std::vector<GemmCase> b;
  for (int i = 0; i < 11; ++i) b.push_back(trit::testing::make_case(rng, kSmall, 2, 5, 9, WeightFormat::T5, "wrap"));
  const auto res = trit::testing::run_batch(*dev, b);
  for (const auto& p : res.problems) ADD_FAILURE() << p;
}

TEST(DeviceRef, HostSideChecksGiveTypedErrors) {
  auto dev = open_ref(kSmall);
  std::vector<int8_t> w(4 * 8, 1);
  const Weights wt = dev->upload_weights(w, 4, 8, WeightFormat::T2);
  const Buffer x = dev->alloc(64), y = dev->alloc(64);
  EXPECT_THROW(dev->gemm(0, x, 8, wt, y, 16), ShapeError);
  EXPECT_THROW(dev->gemm(2, x, 12, wt, y, 16), AlignmentError);
  EXPECT_THROW(dev->gemm(2, x, 8, wt, y, 8), ShapeError);           // y_stride < 4N
  EXPECT_THROW(dev->gemm(9, x, 8, wt, y, 16), ShapeError);          // X buffer too small
  const Buffer odd{x.addr + 4, 32};
  EXPECT_THROW(dev->gemm(1, odd, 8, wt, y, 16), AlignmentError);
  std::vector<int8_t> big(uint64_t{1} * 600, 0);
  EXPECT_THROW(dev->upload_weights(std::vector<int8_t>{1, 2}, 1, 2, WeightFormat::T2), ShapeError);
  const Weights wide = dev->upload_weights(big, 1, 600, WeightFormat::T5);  // K > k_max = 512
  EXPECT_THROW(dev->gemm(1, dev->alloc(640), 640, wide, y, 8), ShapeError);
  EXPECT_THROW(dev->alloc(1ull << 40), MemoryError);
  EXPECT_THROW(dev->free(Buffer{0x1234, 8}), MemoryError);
  EXPECT_THROW(dev->write(x, 60, std::vector<uint8_t>(8)), MemoryError);
}

TEST(DeviceRef, AllocatorReusesFreedMemory) {
  auto dev = open_ref(kSmall);
  const uint64_t free0 = dev->bytes_free();
  std::vector<Buffer> bufs;
  for (int i = 0; i < 50; ++i) bufs.push_back(dev->alloc(1000 + i * 13));
  for (size_t i = 0; i < bufs.size(); i += 2) dev->free(bufs[i]);
  for (size_t i = 1; i < bufs.size(); i += 2) dev->free(bufs[i]);
  EXPECT_EQ(dev->bytes_free(), free0);
  const Buffer big = dev->alloc(free0 - 4096);  // only possible if the heap merged back
  dev->free(big);
}

TEST(DeviceRef, BadDescriptorHaltsWithItsCodeAndIndexThenResetRecovers) {
  auto dev = open_ref(kSmall);
  std::mt19937_64 rng(trit::testing::test_seed());
  const GemmCase c = trit::testing::make_case(rng, kSmall, 1, 4, 8, WeightFormat::T5, "ok");
  const Weights w = dev->upload_weights(c.w, c.n, c.k, c.format);
  const Buffer x = dev->alloc(64), y = dev->alloc(64);
  const GemmDesc ok = dev->gemm(1, x, 8, w, y, 16);
  trit::regs::Descriptor bad = encode(ok);
  bad.k = 0;
  const trit::regs::Descriptor batch[] = {encode(ok), encode(ok), bad, encode(ok)};
  const JobId job = dev->submit_unchecked(batch);
  try {
    dev->wait(job);
    FAIL() << "expected a DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.code(), ErrCode::ZERO_DIM);
    EXPECT_EQ(e.ring_index(), 2u);
    EXPECT_NE(std::string(e.what()).find("ZERO_DIM"), std::string::npos) << e.what();
  }
  EXPECT_EQ(dev->backend().read_reg(trit::regs::RING_HEAD), 2u);
  dev->soft_reset();
  const GemmDesc again[] = {ok};
  dev->wait(dev->submit(again));
}

TEST(DeviceRef, HostRejectsWhatTheDeviceWouldReject) {
  auto dev = open_ref(kSmall);
  GemmDesc d;
  d.m = 1;
  d.n = 4;
  d.k = 8;
  d.x_addr = d.w_addr = d.y_addr = 0x10000004;  // misaligned
  const GemmDesc ds[] = {d};
  EXPECT_THROW(dev->submit(ds), AlignmentError);
  d.x_addr = d.w_addr = d.y_addr = 0x10000000;
  d.k = 4096;  // beyond k_max
  const GemmDesc too_long[] = {d};
  EXPECT_THROW(dev->submit(too_long), ShapeError);
}

TEST(DeviceRef, AxiErrorOnAnAddressOutsideMemory) {
  auto dev = open_ref(kSmall);
  GemmDesc d;
  d.m = 1;
  d.n = 4;
  d.k = 8;
  d.x_addr = 0x00000100;  // below device memory: the bus answers DECERR
  d.w_addr = 0x10000000;
  d.y_addr = 0x10000000;
  d.format = WeightFormat::T2;
  const trit::regs::Descriptor raw[] = {encode(d)};
  try {
    dev->wait(dev->submit_unchecked(raw));
    FAIL() << "expected a DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.code(), ErrCode::AXI_READ);
    EXPECT_EQ(e.address(), 0x100u);
  }
  dev->soft_reset();
  EXPECT_EQ(dev->backend().read_reg(trit::regs::ERR_CODE), 0u);
}

TEST(DeviceRef, ThreadsSharingADeviceAreSerialised) {
  auto dev = open_ref(kSmall);
  const uint64_t seed = trit::testing::test_seed();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed + t);
      for (int i = 0; i < 10; ++i) {
        std::vector<GemmCase> b{trit::testing::random_case(rng, kSmall, 64, 16, 5)};
        const auto res = trit::testing::run_batch(*dev, b);
        failures += static_cast<int>(res.problems.size());
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}
