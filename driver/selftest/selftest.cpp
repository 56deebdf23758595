#include "selftest.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <random>

#include <fmt/format.h>

#include "ref/ref_backend.hpp"
#include "trit/driver/errors.hpp"

namespace trit::driver {
namespace {

namespace r = regs;
using Clock = std::chrono::steady_clock;

uint32_t round_up(uint32_t v, uint32_t to) { return (v + to - 1) / to * to; }

// A check failed: the message is the detail column.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One GEMM with its operands.
struct Gemm {
  uint32_t m = 1, n = 1, k = 1;
  WeightFormat format = WeightFormat::T5;
  std::vector<int8_t> x;  // [m][k]
  std::vector<int8_t> w;  // [n][k], ternary
};

Gemm random_gemm(std::mt19937_64& rng, const DeviceInfo& info, uint32_t max_m, uint32_t max_n, uint32_t max_k) {
  auto pick = [&](uint32_t lo, uint32_t hi) { return std::uniform_int_distribution<uint32_t>(lo, hi)(rng); };
  Gemm g;
  g.m = pick(0, 2) == 0 ? 1 : pick(1, max_m);
  g.n = pick(1, max_n);
  g.k = pick(1, std::min(max_k, info.config.k_max));
  const bool t2 = info.supports(WeightFormat::T2), t5 = info.supports(WeightFormat::T5);
  g.format = t2 && (!t5 || pick(0, 1)) ? WeightFormat::T2 : WeightFormat::T5;
  g.x.resize(uint64_t{g.m} * g.k);
  g.w.resize(uint64_t{g.n} * g.k);
  for (auto& v : g.x) v = static_cast<int8_t>(pick(0, 255));
  for (auto& v : g.w) v = static_cast<int8_t>(static_cast<int>(pick(0, 2)) - 1);
  return g;
}

// Y bytes of each GEMM, rows y_stride apart, including one beat of padding after each row that
// starts as a sentinel and must come back unchanged.
struct RunResult {
  std::vector<std::vector<uint8_t>> y;
  std::optional<JobProfile> profile;
  std::chrono::nanoseconds wall{0};
};
constexpr uint8_t kSentinel = 0xc3;

uint32_t y_stride_of(const Device& dev, const Gemm& g) {
  const uint32_t bus = dev.config().bus_bytes;
  return round_up(4 * g.n, bus) + bus;
}

// Device buffers freed on scope exit, so a failing check leaves the allocator as it found it.
class Scratch {
 public:
  explicit Scratch(Device& dev) : dev_(dev) {}
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    for (const Buffer& b : bufs_) try {
        dev_.free(b);
      } catch (...) {
      }
  }
  Buffer alloc(uint64_t bytes) { return bufs_.emplace_back(dev_.alloc(bytes)); }
  Weights upload(const Gemm& g) {
    const Weights w = dev_.upload_weights(g.w, g.n, g.k, g.format);
    bufs_.push_back(w.buf);
    return w;
  }

 private:
  Device& dev_;
  std::vector<Buffer> bufs_;
};

RunResult run(Device& dev, const std::vector<Gemm>& gemms, std::chrono::nanoseconds timeout, bool profile) {
  const uint32_t bus = dev.config().bus_bytes;
  Scratch scratch(dev);
  RunResult res;
  std::vector<GemmDesc> descs;
  std::vector<Buffer> ys;
  for (const Gemm& g : gemms) {
    const Weights w = scratch.upload(g);
    const uint32_t x_stride = round_up(g.k, bus);
    std::vector<uint8_t> x_bytes(uint64_t{g.m} * x_stride, 0);
    for (uint32_t m = 0; m < g.m; ++m) std::memcpy(&x_bytes[uint64_t{m} * x_stride], &g.x[uint64_t{m} * g.k], g.k);
    const Buffer x = scratch.alloc(x_bytes.size());
    dev.write(x, 0, x_bytes);
    const uint32_t y_stride = y_stride_of(dev, g);
    const Buffer y = ys.emplace_back(scratch.alloc(uint64_t{g.m} * y_stride));
    dev.write(y, 0, std::vector<uint8_t>(y.size, kSentinel));
    descs.push_back(dev.gemm(g.m, x, x_stride, w, y, y_stride));
    descs.back().tag = static_cast<uint32_t>(descs.size());
  }
  const auto t0 = Clock::now();
  const JobId job = dev.submit(descs, SubmitOptions{profile});
  dev.wait(job, timeout);
  res.wall = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0);
  if (profile) res.profile = dev.profile(job);
  for (const Buffer& y : ys) {
    std::vector<uint8_t> bytes(y.size);
    dev.read(y, 0, bytes);
    res.y.push_back(std::move(bytes));
  }
  return res;
}

std::string shape(const Gemm& g) {
  return fmt::format("{}x{}x{} {}", g.m, g.n, g.k, r::to_string(g.format));
}

// Compares device output with the reference's, byte for byte; names the first differences.
void expect_same(const std::vector<Gemm>& gemms, const RunResult& got, const RunResult& want, const Device& dev) {
  std::string problems;
  int count = 0;
  for (size_t i = 0; i < gemms.size(); ++i) {
    const uint32_t y_stride = y_stride_of(dev, gemms[i]);
    for (size_t b = 0; b < got.y[i].size(); ++b) {
      if (got.y[i][b] == want.y[i][b]) continue;
      if (count++ < 3) {
        const uint64_t row = b / y_stride, col = b % y_stride;
        if (col < uint64_t{gemms[i].n} * 4) {
          int32_t g, w;
          std::memcpy(&g, &got.y[i][row * y_stride + col / 4 * 4], 4);
          std::memcpy(&w, &want.y[i][row * y_stride + col / 4 * 4], 4);
          problems += fmt::format("; GEMM {} ({}): Y[{}][{}] = {}, reference {}", i, shape(gemms[i]), row, col / 4, g, w);
          b = row * y_stride + col / 4 * 4 + 3;  // one report per element
        } else {
          problems += fmt::format("; GEMM {} ({}): row {} byte {} past 4N was written", i, shape(gemms[i]), row, col);
        }
      }
    }
  }
  if (count) throw Failure(fmt::format("{} bytes differ{}", count, problems));
}

// The reference model of the same array, with room for the same buffers at the same addresses
// (the burst counters depend on where the 4 KiB boundaries fall).
std::unique_ptr<Device> reference_for(const Device& dev) {
  RefBackend::Options o;
  o.mem_base = dev.info().memory.base;
  o.mem_size = std::max<uint64_t>(o.mem_size, dev.info().memory.size);
  return std::make_unique<Device>(std::make_unique<RefBackend>(dev.config(), o));
}

// ---- the checks ----------------------------------------------------------------------------------

std::string check_registers(Device& dev, std::mt19937_64& rng) {
  Backend& b = dev.backend();
  std::vector<uint32_t> patterns = {0u, ~0u, 0xa5a5a5a5u, 0x5a5a5a5au};
  for (unsigned i = 0; i < 32; ++i) {
    patterns.push_back(1u << i);
    patterns.push_back(~(1u << i));
  }
  for (int i = 0; i < 8; ++i) patterns.push_back(static_cast<uint32_t>(rng()));
  std::string bad;
  int errors = 0;
  for (uint32_t p : patterns) {
    b.write_reg(r::SCRATCH, p);
    const uint32_t got = b.read_reg(r::SCRATCH);
    if (got != p && errors++ < 3) bad += fmt::format("; SCRATCH wrote 0x{:08x}, read 0x{:08x}", p, got);
  }
  if (b.read_reg(r::ID) != r::kIdMagic) bad += fmt::format("; ID reads 0x{:08x}", b.read_reg(r::ID));
  b.write_reg(r::ID, ~r::kIdMagic);
  if (b.read_reg(r::ID) != r::kIdMagic) bad += "; ID (read-only) changed when written";
  const uint32_t irq_enable = b.read_reg(r::IRQ_ENABLE);
  for (uint32_t v : {0x0u, 0x5u, 0x2u, 0x7u}) {
    b.write_reg(r::IRQ_ENABLE, v);
    if (const uint32_t got = b.read_reg(r::IRQ_ENABLE); got != v)
      bad += fmt::format("; IRQ_ENABLE wrote 0x{:x}, read 0x{:x}", v, got);
  }
  b.write_reg(r::IRQ_ENABLE, irq_enable);
  if (!bad.empty()) throw Failure(bad.substr(2));
  return fmt::format("SCRATCH {} patterns, ID read-only, IRQ_ENABLE read-back", patterns.size());
}

std::string check_identity(Device& dev, const SelftestOptions& opt) {
  Backend& b = dev.backend();
  const DeviceInfo& in = dev.info();
  const ArrayConfig& c = in.config;
  const std::pair<uint32_t, uint32_t> regs_and_values[] = {
      {r::CFG_ROWS, c.rows},       {r::CFG_COLS, c.cols},           {r::CFG_LANES, c.lanes},
      {r::CFG_BUS_BYTES, c.bus_bytes}, {r::CFG_K_MAX, c.k_max},     {r::CFG_ADDR_BITS, c.addr_bits},
      {r::CFG_MAX_BURST, c.max_burst}, {r::CFG_FORMATS, in.formats}, {r::CFG_CLOCK_KHZ, in.clock_khz}};
  for (auto [reg, value] : regs_and_values)
    if (const uint32_t again = b.read_reg(reg); again != value)
      throw Failure(fmt::format("register 0x{:03x} read {} at open and {} now", reg, value, again));
  if (!opt.expect_name.empty() && opt.expect_name != c.name())
    throw Failure(fmt::format("device is {}, expected {}", c.name(), opt.expect_name));
  std::string formats;
  for (WeightFormat f : {WeightFormat::T2, WeightFormat::T5})
    if (in.supports(f)) formats += fmt::format("{}{}", formats.empty() ? "" : "+", r::to_string(f));
  return fmt::format("map v{}.{}, {}: R={} C={} V={}, {}-bit bus, k_max {}, {}-bit addresses, bursts {}, {}, {}, "
                     "{} MiB at 0x{:x}",
                     in.version_major, in.version_minor, c.name(), c.rows, c.cols, c.lanes, c.bus_bytes * 8, c.k_max,
                     c.addr_bits, c.max_burst, formats,
                     in.clock_khz ? fmt::format("{} MHz", in.clock_khz / 1000.0) : "clock unknown",
                     in.memory.size >> 20, in.memory.base);
}

std::string check_host_memory(Device& dev, std::mt19937_64& rng) {
  const uint64_t big = std::min<uint64_t>(1 << 20, dev.bytes_free() / 4);
  uint64_t bytes = 0;
  int buffers = 0;
  for (uint64_t size : {uint64_t{1}, uint64_t{7}, uint64_t{64}, uint64_t{4096 + 13}, big}) {
    const uint64_t offset = std::min<uint64_t>(size - 1, rng() % 4);
    const Buffer buf = dev.alloc(size + 8);
    std::vector<uint8_t> data(size), back(size);
    for (auto& v : data) v = static_cast<uint8_t>(rng());
    dev.write(buf, offset, data);
    dev.read(buf, offset, back);
    dev.free(buf);
    if (data != back) {
      const size_t at = std::mismatch(data.begin(), data.end(), back.begin()).first - data.begin();
      throw Failure(fmt::format("{} bytes at 0x{:x}+{}: byte {} wrote 0x{:02x}, read 0x{:02x}", size, buf.addr, offset,
                                at, data[at], back[at]));
    }
    bytes += size;
    ++buffers;
  }
  return fmt::format("{} buffers, {} bytes written and read back at odd offsets", buffers, bytes);
}

std::string check_loopback(Device& dev, Device& ref, std::mt19937_64& rng, const SelftestOptions& opt) {
  const DeviceInfo& in = dev.info();
  const uint32_t k = std::min<uint32_t>(in.config.k_max, 256);
  uint64_t bytes = 0;
  std::string formats;
  for (WeightFormat f : {WeightFormat::T2, WeightFormat::T5}) {
    if (!in.supports(f)) continue;
    Gemm g;
    g.m = in.config.rows + 1;  // two passes
    g.n = g.k = k;
    g.format = f;
    g.x.resize(uint64_t{g.m} * k);
    for (auto& v : g.x) v = static_cast<int8_t>(rng());
    g.w.assign(uint64_t{k} * k, 0);
    for (uint32_t i = 0; i < k; ++i) g.w[uint64_t{i} * k + i] = 1;
    const std::vector<Gemm> one{g};
    const RunResult got = run(dev, one, opt.timeout, false);
    const uint32_t y_stride = y_stride_of(dev, g);
    for (uint32_t m = 0; m < g.m; ++m)
      for (uint32_t n = 0; n < k; ++n) {
        int32_t y;
        std::memcpy(&y, &got.y[0][uint64_t{m} * y_stride + 4 * n], 4);
        if (y != g.x[uint64_t{m} * k + n])
          throw Failure(fmt::format("{}: row {} byte {} sent {} came back as {}", r::to_string(f), m, n,
                                    g.x[uint64_t{m} * k + n], y));
      }
    expect_same(one, got, run(ref, one, opt.timeout, false), dev);  // the padding too
    bytes += uint64_t{g.m} * k;
    formats += fmt::format("{}{}", formats.empty() ? "" : "+", r::to_string(f));
  }
  return fmt::format("Y = X * I, {} random bytes through DMA read and write, {} weights, rows of {}", bytes, formats, k);
}

std::string check_gemms(Device& dev, Device& ref, std::mt19937_64& rng, const SelftestOptions& opt) {
  const ArrayConfig& c = dev.config();
  std::vector<Gemm> gemms;
  // Sizes that keep a simulated run short but cover ragged K and N, several tiles and passes.
  for (uint32_t i = 0; i < opt.random_gemms; ++i)
    gemms.push_back(random_gemm(rng, dev.info(), 3 * c.rows + 1, 5 * c.cols + 3, 20 * c.bus_bytes));
  const RunResult got = run(dev, gemms, opt.timeout, false);
  expect_same(gemms, got, run(ref, gemms, opt.timeout, false), dev);
  uint64_t outputs = 0;
  for (const Gemm& g : gemms) outputs += uint64_t{g.m} * g.n;
  return fmt::format("{} random GEMMs in one submission, {} int32 outputs bit-identical", gemms.size(), outputs);
}

std::string check_counters(Device& dev, Device& ref, std::mt19937_64& rng, const SelftestOptions& opt) {
  const ArrayConfig& c = dev.config();
  std::vector<Gemm> gemms;
  for (int i = 0; i < 3; ++i) gemms.push_back(random_gemm(rng, dev.info(), 2 * c.rows + 1, 3 * c.cols + 1, 8 * c.bus_bytes));
  const JobProfile got = *run(dev, gemms, opt.timeout, true).profile;
  const JobProfile want = *run(ref, gemms, opt.timeout, true).profile;
  // Counters fixed by the work itself, not by timing.
  const r::Counter exact[] = {r::Counter::ISSUE,          r::Counter::WEIGHT_BYTES,   r::Counter::ACT_BYTES,
                              r::Counter::OUT_BYTES,      r::Counter::DESC_BYTES,     r::Counter::LANE_OPS,
                              r::Counter::ZERO_SKIPS,     r::Counter::DESCS,          r::Counter::ACT_READ_BYTES,
                              r::Counter::WFIFO_WRITES,   r::Counter::WFIFO_READS,    r::Counter::WREG_LOADS,
                              r::Counter::ACC_UPDATES,    r::Counter::SHADOW_UPDATES, r::Counter::DRAIN_READS,
                              r::Counter::WRITE_BEATS,    r::Counter::READ_BURSTS,    r::Counter::WRITE_BURSTS};
  std::string bad;
  for (r::Counter k : exact)
    if (got.counters[k] != want.counters[k])
      bad += fmt::format("; {} = {}, reference {}", r::kCounters[static_cast<unsigned>(k)].name, got.counters[k],
                         want.counters[k]);
  const uint64_t cycles = got.counters[r::Counter::CYCLES], busy = got.counters[r::Counter::BUSY];
  if (!got.exclusive) bad += "; the job was not alone on the device";
  if (cycles == 0) bad += "; CNT_CYCLES did not advance";
  if (busy == 0 || busy > cycles) bad += fmt::format("; CNT_BUSY = {} with CNT_CYCLES = {}", busy, cycles);
  if (got.counters[r::Counter::DESCS] != gemms.size())
    bad += fmt::format("; CNT_DESCS = {} for {} descriptors", got.counters[r::Counter::DESCS], gemms.size());
  if (!bad.empty()) throw Failure(bad.substr(2));
  return fmt::format("{} exact counters equal the reference over 3 GEMMs; busy {} of {} cycles", std::size(exact), busy,
                     cycles);
}

std::string check_interrupt(Device& dev, std::mt19937_64& rng, const SelftestOptions& opt) {
  const ArrayConfig& c = dev.config();
  Scratch scratch(dev);
  const Gemm g = random_gemm(rng, dev.info(), 1, c.cols, 4 * c.lanes);
  const uint32_t x_stride = c.x_stride(g.k), y_stride = c.y_stride(g.n);
  const GemmDesc d[] = {dev.gemm(1, scratch.alloc(x_stride), x_stride, scratch.upload(g), scratch.alloc(y_stride), y_stride)};
  Backend& b = dev.backend();
  const uint64_t cycles0 = b.cycles();
  const auto t0 = Clock::now();
  const JobId job = dev.submit(d);
  const bool line = b.wait_irq(opt.timeout);
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  const std::string after = dev.info().counts_cycles ? fmt::format("{} cycles", b.cycles() - cycles0)
                                                     : fmt::format("{:.0f} us", us);
  const uint32_t status = b.read_reg(r::IRQ_STATUS);
  dev.wait(job, opt.timeout);
  b.write_reg(r::IRQ_STATUS, r::irq_status::DONE);
  if (!line) throw Failure(fmt::format("no interrupt within the timeout (IRQ_STATUS = 0x{:x})", status));
  if (!(status & r::irq_status::DONE)) throw Failure(fmt::format("interrupt raised but IRQ_STATUS = 0x{:x}", status));
  return fmt::format("IRQ_STATUS.DONE raised the line {} after submission", after);
}

std::string check_error_recovery(Device& dev, Device& ref, std::mt19937_64& rng, const SelftestOptions& opt) {
  const ArrayConfig& c = dev.config();
  std::string what;
  {
    Scratch scratch(dev);
    const Gemm g = random_gemm(rng, dev.info(), c.rows, c.cols + 1, 3 * c.lanes);
    const uint32_t x_stride = c.x_stride(g.k), y_stride = c.y_stride(g.n);
    const GemmDesc ok = dev.gemm(g.m, scratch.alloc(uint64_t{g.m} * x_stride), x_stride, scratch.upload(g),
                                 scratch.alloc(uint64_t{g.m} * y_stride), y_stride);
    r::Descriptor bad = encode(ok);
    bad.k = 0;
    const r::Descriptor batch[] = {encode(ok), bad, encode(ok)};
    const uint32_t head = dev.backend().read_reg(r::RING_HEAD);
    const uint32_t want_index = (head + 1) & (dev.info().ring_entries - 1);
    try {
      dev.wait(dev.submit_unchecked(batch), opt.timeout);
      what = "the bad descriptor completed";
    } catch (const DeviceError& e) {
      if (e.code() != r::ErrCode::ZERO_DIM || e.ring_index() != want_index)
        what = fmt::format("expected ZERO_DIM at ring index {}, got: {}", want_index, e.what());
    }
  }
  if (!what.empty()) throw Failure(what);
  dev.soft_reset();
  if (dev.error_status().halted) throw Failure("still halted after soft_reset()");
  const std::vector<Gemm> after{random_gemm(rng, dev.info(), c.rows + 1, 2 * c.cols, 4 * c.lanes)};
  expect_same(after, run(dev, after, opt.timeout, false), run(ref, after, opt.timeout, false), dev);
  return "bad descriptor: ZERO_DIM at its ring index; soft reset; next GEMM correct";
}

std::string check_timing(Device& dev, std::mt19937_64& rng, const SelftestOptions& opt) {
  const ArrayConfig& c = dev.config();
  const uint32_t k = std::min<uint32_t>(c.k_max, 1024), n = 8 * c.cols;
  std::string out;
  for (uint32_t m : {1u, 2 * c.rows}) {
    Gemm g;
    g.m = m;
    g.n = n;
    g.k = k;
    g.format = dev.info().supports(WeightFormat::T5) ? WeightFormat::T5 : WeightFormat::T2;
    g.x.resize(uint64_t{m} * k);
    g.w.resize(uint64_t{n} * k);
    for (auto& v : g.x) v = static_cast<int8_t>(rng());
    for (auto& v : g.w) v = static_cast<int8_t>(static_cast<int>(rng() % 3) - 1);
    const RunResult res = run(dev, {g}, opt.timeout, true);
    const Counters& cnt = res.profile->counters;
    const uint64_t cycles = cnt[r::Counter::CYCLES], busy = cnt[r::Counter::BUSY];
    if (busy == 0 || busy > cycles) throw Failure(fmt::format("{}: CNT_BUSY = {}, CNT_CYCLES = {}", shape(g), busy, cycles));
    out += fmt::format("{}{} ({}): {:.2f} ms wall, {} busy cycles, {:.2f} weight B/cycle", out.empty() ? "" : "; ",
                       m == 1 ? "decode" : "prefill", shape(g), std::chrono::duration<double, std::milli>(res.wall).count(),
                       busy, busy ? static_cast<double>(cnt[r::Counter::WEIGHT_BYTES]) / busy : 0.0);
  }
  if (dev.info().backend == "ref") out += " (cycles: the reference model's analytic estimate)";
  return out;
}

}  // namespace

bool SelftestReport::passed() const {
  return !checks.empty() && std::all_of(checks.begin(), checks.end(), [](const CheckResult& c) { return c.passed; });
}

std::string SelftestReport::table() const {
  std::string s = fmt::format("Trit self-test on {} (seed {})\n", device, seed);
  s += fmt::format("  {:<18} {:<6} {:>9}  {}\n", "check", "result", "time", "detail");
  int passed_count = 0;
  for (const CheckResult& c : checks) {
    s += fmt::format("  {:<18} {:<6} {:>8.3f}s  {}\n", c.name, c.passed ? "PASS" : "FAIL", c.seconds, c.detail);
    passed_count += c.passed;
  }
  s += fmt::format("{}: {} of {} checks passed\n", passed() ? "PASS" : "FAIL", passed_count, checks.size());
  return s;
}

SelftestReport run_selftest(Device& dev, const SelftestOptions& opt) {
  SelftestReport report;
  report.device = dev.name();
  report.seed = opt.seed;
  std::mt19937_64 rng(opt.seed);
  std::unique_ptr<Device> ref = reference_for(dev);
  auto check = [&](const char* name, const std::function<std::string()>& body) {
    CheckResult res;
    res.name = name;
    const auto t0 = Clock::now();
    try {
      res.detail = body();
      res.passed = true;
    } catch (const std::exception& e) {
      res.detail = e.what();
      // Leave a usable device to the next check; if even that fails, say so.
      try {
        dev.soft_reset();
      } catch (const std::exception& again) {
        res.detail += fmt::format(" [and the soft reset after it failed: {}]", again.what());
      }
    }
    res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    report.checks.push_back(std::move(res));
  };
  check("registers", [&] { return check_registers(dev, rng); });
  check("identity", [&] { return check_identity(dev, opt); });
  check("host memory", [&] { return check_host_memory(dev, rng); });
  check("DMA loop-back", [&] { return check_loopback(dev, *ref, rng, opt); });
  check("GEMM vs reference", [&] { return check_gemms(dev, *ref, rng, opt); });
  check("counters", [&] { return check_counters(dev, *ref, rng, opt); });
  check("interrupt", [&] { return check_interrupt(dev, rng, opt); });
  check("error recovery", [&] { return check_error_recovery(dev, *ref, rng, opt); });
  check("timing", [&] { return check_timing(dev, rng, opt); });
  return report;
}

}  // namespace trit::driver
