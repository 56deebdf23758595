// The driver API on every backend of this build: the reference model, the fpga backend on the
// stand-in board, and (when the Verilated models are built) the simulator. The same GEMMs must
// give bit-identical results everywhere; every error path must give its typed error and leave a
// device that computes correctly; threads sharing a device must be serialised.

#include <atomic>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "error_message.hpp"
#include "fake_board.hpp"
#include "gemm_cases.hpp"
#include "test_seed.hpp"
#include "ref/ref_backend.hpp"
#include "trit/driver/open.hpp"
#include "vp/vp_backend.hpp"
#ifdef TRIT_HAVE_SIM
#include "sim_board.hpp"
#include "sim_control.hpp"
#include "sim_registry.hpp"
#endif

namespace driver = trit::driver;
namespace regs = trit::regs;
namespace tt = trit::testing;
using driver::Device;
using driver::DeviceError;
using driver::GemmDesc;
using regs::ErrCode;
using tt::FakeBoard;
using tt::message_of;
using tt::GemmCase;

namespace {

const driver::ArrayConfig kSmall{2, 4, 4, 8, 512, 32, 16};

// Fault injection into a model, whichever it is (the reference model or a simulator).
void model_inject(driver::Backend& m, uint64_t lo, uint64_t hi, bool read, bool write) {
  if (auto* ref = dynamic_cast<driver::RefBackend*>(&m)) return ref->inject_error(lo, hi, read, write);
#ifdef TRIT_HAVE_SIM
  if (auto* sim = dynamic_cast<trit::sim::SimControl*>(&m)) return sim->axi().inject_error(lo, hi, read, write);
#endif
  if (auto* vp = dynamic_cast<driver::VpBackend*>(&m)) return vp->inject_error(lo, hi, read, write);
  FAIL() << m.name() << ": no fault injection";
}
void model_clear(driver::Backend& m) {
  if (auto* ref = dynamic_cast<driver::RefBackend*>(&m)) return ref->clear_errors();
#ifdef TRIT_HAVE_SIM
  if (auto* sim = dynamic_cast<trit::sim::SimControl*>(&m)) return sim->axi().clear_errors();
#endif
  if (auto* vp = dynamic_cast<driver::VpBackend*>(&m)) return vp->clear_errors();
}
void model_freeze(driver::Backend& m, bool on) {
  if (auto* ref = dynamic_cast<driver::RefBackend*>(&m)) return ref->freeze(on);
#ifdef TRIT_HAVE_SIM
  if (auto* sim = dynamic_cast<trit::sim::SimControl*>(&m)) return sim->axi().freeze(on);
#endif
  if (auto* vp = dynamic_cast<driver::VpBackend*>(&m)) return vp->freeze(on);
}
void model_run(driver::Backend& m, uint64_t cycles) {
#ifdef TRIT_HAVE_SIM
  if (auto* sim = dynamic_cast<trit::sim::SimControl*>(&m)) sim->run(cycles);
#endif
  if (auto* vp = dynamic_cast<driver::VpBackend*>(&m)) vp->run(cycles);
  (void)m;
  (void)cycles;
}

// A device under test and the model behind it.
struct Subject {
  std::unique_ptr<FakeBoard> board;  // the stand-in board behind an fpga device (outlives dev)
  std::unique_ptr<Device> dev;
  bool clocked = false;  // the model only advances while the host waits (in-process simulator)
  // Short deadlines that still let a healthy device finish (device time: cycles or wall).
  std::chrono::nanoseconds short_wait = std::chrono::milliseconds(20);

  Subject() = default;
  Subject(Subject&&) = default;
  Subject& operator=(Subject&& other) {
    close();
    board = std::move(other.board);
    dev = std::move(other.dev);
    clocked = other.clocked;
    short_wait = other.short_wait;
    return *this;
  }
  // The device goes before the board it talks to.
  void close() {
    dev.reset();
    board.reset();
  }
  void on_model(const std::function<void(driver::Backend&)>& fn) {
    if (board) board->with_model(fn);
    else fn(dev->backend());
  }
};

// "ref", "fpga" (the stand-in board with the reference model), "sim:<config>" and
// "fpga-sim:<config>" (the stand-in board with the RTL) when the simulator is built.
std::vector<std::string> subject_names() {
  std::vector<std::string> names{"ref", "fpga"};
#ifdef TRIT_HAVE_SIM
  for (const std::string& c : trit::sim::sim_configs()) names.push_back("sim:" + c);
  for (const std::string& c : trit::sim::sim_configs())
    if (tt::simulated_board(c)) names.push_back("fpga-sim:" + c);
#endif
#ifdef TRIT_HAVE_VP
  names.push_back("vp");  // the virtual platform's process (sim/vp)
#endif
  return names;
}

Subject open_subject(const std::string& name, driver::DeviceOptions dopt = {}) {
  Subject s;
  driver::OpenOptions o;
  o.device = dopt;
  std::string device = name;
  if (name == "fpga") {
    s.board = std::make_unique<FakeBoard>(FakeBoard::reference(kSmall));
    o.params = s.board->fpga_params();
#ifdef TRIT_HAVE_SIM
  } else if (name.starts_with("fpga-sim:")) {
    // The RTL runs by itself on the board thread: device time is wall time, as on a board.
    s.board = std::make_unique<FakeBoard>(*tt::simulated_board(name.substr(9)));
    o.params = s.board->fpga_params();
    device = "fpga";
#endif
  } else if (name == "ref") {
    o.config = kSmall;
  } else {
    s.clocked = true;
    o.memory_latency = 20;
    s.short_wait = std::chrono::microseconds(20);
    // A reset that cannot finish is found out after 50k cycles, not the default 2.5M.
    o.device.reset_timeout = std::chrono::microseconds(200);
  }
  s.dev = driver::open_device(device, o);
  return s;
}

class Backends : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    s_ = open_subject(GetParam());
    cfg_ = s_.dev->config();
    rng_.seed(tt::test_seed() ^ std::hash<std::string>{}(GetParam()));
  }
  void TearDown() override {
    if (s_.board) {
      EXPECT_TRUE(s_.board->model_error().empty()) << s_.board->model_error();
    }
  }

  // The device still computes correctly.
  void expect_works(const std::string& after) {
    for (const auto& p : tt::check_still_works(*s_.dev, rng_, std::chrono::seconds(5)))
      ADD_FAILURE() << "after " << after << ": " << p;
  }
  using Staged = tt::StagedGemm;
  Staged stage(uint32_t m, uint32_t n, uint32_t k) { return tt::stage_gemm(*s_.dev, rng_, m, n, k); }

  Subject s_;
  driver::ArrayConfig cfg_;
  std::mt19937_64 rng_;
};

}  // namespace

// ---- results ---------------------------------------------------------------------------------------

TEST(AllBackends, TheSameGemmsGiveBitIdenticalResults) {
  // One list of GEMMs (sized for the smallest array), run on every backend; results compared with
  // the direct computation (run_batch) and with each other.
  std::mt19937_64 rng(tt::test_seed());
  std::vector<std::vector<GemmCase>> batches;
  for (int b = 0; b < 6; ++b) {
    std::vector<GemmCase> cases;
    for (int i = 0; i < 4; ++i) cases.push_back(tt::random_case(rng, kSmall, 160, 24, 5));
    batches.push_back(std::move(cases));
  }
  std::vector<std::vector<int32_t>> first;  // per GEMM, [m][n]
  std::string first_name;
  for (const std::string& name : subject_names()) {
    Subject s = open_subject(name);
    std::vector<std::vector<int32_t>> ys;
    for (auto cases : batches) {
      const uint32_t bus = s.dev->config().bus_bytes;  // same data, strides this device accepts
      for (GemmCase& c : cases) {
        c.x_stride = (c.x_stride + bus - 1) / bus * bus;
        c.y_stride = (c.y_stride + bus - 1) / bus * bus;
      }
      const auto res = tt::run_batch(*s.dev, cases, std::chrono::seconds(5));
      for (const auto& p : res.problems) ADD_FAILURE() << name << ": " << p;
      ys.insert(ys.end(), res.y.begin(), res.y.end());
    }
    if (first.empty()) {
      first = ys;
      first_name = name;
    } else {
      EXPECT_TRUE(ys == first) << name << " differs from " << first_name;
    }
  }
}

TEST_P(Backends, PerJobAndCumulativeCounters) {
  std::vector<GemmCase> cases;
  for (int i = 0; i < 3; ++i) cases.push_back(tt::random_case(rng_, cfg_, 100, 20, 4));
  const driver::Counters before = s_.dev->counters();
  const auto res = tt::run_batch(*s_.dev, cases, std::chrono::seconds(5));
  for (const auto& p : res.problems) ADD_FAILURE() << p;
  const driver::Counters total = s_.dev->counters() - before;
  // Every K segment writes its partial sums with its own descriptor.
  uint64_t out_bytes = 0, descs = 0;
  for (const auto& c : cases) {
    const uint64_t parts = driver::plan_k_segments(cfg_, c.k).size();
    out_bytes += parts * c.m * c.n * 4;
    descs += parts;
  }
  EXPECT_EQ(total[regs::Counter::OUT_BYTES], out_bytes);
  EXPECT_EQ(total[regs::Counter::DESCS], descs);
  EXPECT_EQ(res.descriptors, descs);

  // A profiled job alone on the device: its counters are its own.
  const Staged st = stage(cfg_.rows + 1, 2 * cfg_.cols + 1, 3 * cfg_.lanes);
  const GemmDesc d[] = {st.desc, st.desc};
  const driver::JobId job = s_.dev->submit(d, {.profile = true});
  EXPECT_THROW(s_.dev->profile(job + 100), driver::DriverError);
  s_.dev->wait(job, std::chrono::seconds(5));
  const driver::JobProfile p = s_.dev->profile(job);
  EXPECT_TRUE(p.exclusive);
  EXPECT_EQ(p.counters[regs::Counter::DESCS], 2u);
  EXPECT_EQ(p.counters[regs::Counter::DESC_BYTES], 2u * regs::kDescriptorBytes);
  EXPECT_EQ(p.counters[regs::Counter::OUT_BYTES], 2u * (cfg_.rows + 1) * (2 * cfg_.cols + 1) * 4);
  EXPECT_GT(p.counters[regs::Counter::BUSY], 0u);
  EXPECT_LE(p.counters[regs::Counter::BUSY], p.counters[regs::Counter::CYCLES]);
  // Two jobs in flight together: neither is exclusive.
  const GemmDesc one[] = {st.desc};
  const driver::JobId a = s_.dev->submit(one, {.profile = true});
  const driver::JobId b = s_.dev->submit(one, {.profile = true});
  s_.dev->wait(b, std::chrono::seconds(5));
  s_.dev->wait(a, std::chrono::seconds(5));
  if (!s_.dev->profile(a).exclusive) {
    EXPECT_FALSE(s_.dev->profile(b).exclusive);
  }
}

TEST_P(Backends, RingSmallerThanTheBatch) {
  s_.close();  // one stand-in board per process
  driver::DeviceOptions small_ring;
  small_ring.ring_log2 = 2;  // 3 usable slots
  Subject small = open_subject(GetParam(), small_ring);
  std::vector<GemmCase> cases;
  for (int i = 0; i < 10; ++i) cases.push_back(tt::make_case(rng_, cfg_, 2, 5, 9, driver::WeightFormat::T5, "wrap"));
  const auto res = tt::run_batch(*small.dev, cases, std::chrono::seconds(5));
  for (const auto& p : res.problems) ADD_FAILURE() << p;
}

// ---- host-side errors --------------------------------------------------------------------------------

TEST_P(Backends, HostSideChecksGiveTypedErrorsBeforeTheDeviceSeesAnything) {
  Device& dev = *s_.dev;
  const uint32_t bus = cfg_.bus_bytes;
  const driver::Weights w = dev.upload_weights(std::vector<int8_t>(4 * 8, 1), 4, 8, driver::WeightFormat::T2);
  const driver::Buffer x = dev.alloc(4 * bus), y = dev.alloc(4 * bus);
  std::string msg = message_of<driver::ShapeError>([&] { dev.gemm(0, x, bus, w, y, bus); });
  EXPECT_NE(msg.find("m = 0"), std::string::npos) << msg;
  msg = message_of<driver::AlignmentError>([&] { dev.gemm(2, x, bus + 4, w, y, 2 * bus); });
  EXPECT_NE(msg.find("multiples of"), std::string::npos) << msg;
  msg = message_of<driver::AlignmentError>([&] { dev.gemm(1, driver::Buffer{x.addr + 4, x.size - 4}, bus, w, y, bus); });
  EXPECT_NE(msg.find("aligned"), std::string::npos) << msg;
  msg = message_of<driver::ShapeError>([&] { dev.gemm(9, x, bus, w, y, 2 * bus); });
  EXPECT_NE(msg.find("too small"), std::string::npos) << msg;
  msg = message_of<driver::ShapeError>([&] { dev.upload_weights(std::vector<int8_t>{1, 2}, 1, 2, driver::WeightFormat::T5); });
  EXPECT_NE(msg.find("not ternary"), std::string::npos) << msg;
  msg = message_of<driver::MemoryError>([&] { dev.alloc(dev.info().memory.size + 1); });
  EXPECT_NE(msg.find("out of device memory"), std::string::npos) << msg;
  msg = message_of<driver::AlignmentError>([&] { dev.alloc(64, 96); });
  EXPECT_NE(msg.find("power of two"), std::string::npos) << msg;
  dev.free(x);
  msg = message_of<driver::MemoryError>([&] { dev.free(x); });
  EXPECT_NE(msg.find("double free"), std::string::npos) << msg;
  msg = message_of<driver::MemoryError>([&] { dev.write(x, 0, std::vector<uint8_t>(4)); });
  EXPECT_NE(msg.find("not inside an allocated buffer"), std::string::npos) << msg;
  std::vector<uint8_t> four(4);
  msg = message_of<driver::MemoryError>([&] { dev.read(y, 4 * bus - 2, four); });
  EXPECT_NE(msg.find("overruns"), std::string::npos) << msg;
  GemmDesc bad = dev.gemm(1, y, bus, w, y, bus);
  bad.k = cfg_.k_max + 1;
  const GemmDesc too_long[] = {bad};
  msg = message_of<driver::ShapeError>([&] { dev.submit(too_long); });
  EXPECT_NE(msg.find("K_TOO_LARGE"), std::string::npos) << msg;
  EXPECT_THROW(dev.wait(12345), driver::DriverError);
  EXPECT_EQ(dev.counters()[regs::Counter::DESCS], 0u);  // nothing reached the device
  expect_works("host-side errors");
}

TEST_P(Backends, OpeningWithTheWrongExpectationsIsRefused) {
  driver::ArrayConfig other = cfg_;
  other.rows += 1;
  s_.close();  // one stand-in board per process
  driver::DeviceOptions expect_other;
  expect_other.expect = other;
  const std::string msg = message_of<driver::ConfigError>([&] { open_subject(GetParam(), expect_other); });
  EXPECT_NE(msg.find("host and device builds disagree"), std::string::npos) << msg;
  EXPECT_NE(msg.find(other.name()), std::string::npos) << msg;
}

// ---- device errors -------------------------------------------------------------------------------------

TEST_P(Backends, EveryBadDescriptorHaltsWithItsCodeThenResetRecovers) {
  const Staged st = stage(2, cfg_.cols + 2, 2 * cfg_.lanes + 3);
  struct Bad {
    const char* what;
    ErrCode code;
    void (*mutate)(regs::Descriptor&, const driver::ArrayConfig&);
  };
  const Bad bads[] = {
      {"opcode", ErrCode::BAD_OPCODE, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.ctrl = (d.ctrl & ~0xffu) | 0x42; }},
      {"format", ErrCode::BAD_FORMAT, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.ctrl |= 3u << regs::DESC_CTRL_WFMT_SHIFT; }},
      {"k=0", ErrCode::ZERO_DIM, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.k = 0; }},
      {"k>k_max", ErrCode::K_TOO_LARGE, [](regs::Descriptor& d, const driver::ArrayConfig& c) { d.k = c.k_max + 1; }},
      {"w misaligned", ErrCode::MISALIGNED, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.w_addr += 1; }},
      {"y stride < 4N", ErrCode::BAD_STRIDE, [](regs::Descriptor& d, const driver::ArrayConfig& c) { d.y_stride = c.bus_bytes; d.n = c.bus_bytes; }},
  };
  for (const Bad& bad : bads) {
    regs::Descriptor raw = driver::encode(st.desc);
    bad.mutate(raw, cfg_);
    const regs::Descriptor batch[] = {driver::encode(st.desc), raw, driver::encode(st.desc)};
    const uint32_t head0 = s_.dev->backend().read_reg(regs::RING_HEAD);
    const driver::JobId first = s_.dev->submit_unchecked(std::span(batch, 1));
    const driver::JobId rest = s_.dev->submit_unchecked(std::span(batch + 1, 2));
    try {
      s_.dev->wait(rest, std::chrono::seconds(5));
      ADD_FAILURE() << bad.what << ": no error";
    } catch (const DeviceError& e) {
      EXPECT_EQ(e.code(), bad.code) << bad.what << ": " << e.what();
      EXPECT_EQ(e.ring_index(), head0 + 1) << bad.what;
      EXPECT_NE(std::string(e.what()).find(regs::to_string(bad.code)), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("soft_reset()"), std::string::npos) << e.what();
    }
    s_.dev->wait(first, std::chrono::seconds(5));  // the descriptor before the bad one completed
    const driver::ErrorStatus es = s_.dev->error_status();
    EXPECT_TRUE(es.halted);
    EXPECT_EQ(es.code, bad.code);
    s_.dev->soft_reset();
    EXPECT_FALSE(s_.dev->error_status().halted);
    EXPECT_THROW(s_.dev->wait(rest), driver::DriverError) << "the job after the bad descriptor was aborted";
  }
  expect_works("bad descriptors");
}

TEST_P(Backends, BadRingHaltsAndResetRestoresTheRing) {
  auto& b = s_.dev->backend();
  b.write_reg(regs::RING_SIZE_LOG2, 0);
  b.write_reg(regs::RING_TAIL, 1);
  s_.on_model([](driver::Backend& m) { model_run(m, 200); });
  EXPECT_TRUE(b.read_reg(regs::STATUS) & regs::status::HALTED);
  EXPECT_EQ(b.read_reg(regs::ERR_CODE), static_cast<uint32_t>(ErrCode::BAD_RING));
  s_.dev->soft_reset();
  expect_works("a bad ring");
}

TEST_P(Backends, AxiReadErrorOnWeights) {
  const Staged st = stage(cfg_.rows + 1, 3 * cfg_.cols, 4 * cfg_.lanes);
  const uint64_t lo = st.w.buf.addr, hi = st.w.buf.addr + st.w.buf.size;
  s_.on_model([&](driver::Backend& m) { model_inject(m, lo, hi, true, false); });
  const GemmDesc d[] = {st.desc};
  try {
    s_.dev->wait(s_.dev->submit(d), std::chrono::seconds(5));
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.code(), ErrCode::AXI_READ) << e.what();
    EXPECT_GE(e.address(), lo);
    EXPECT_LT(e.address(), hi);
    EXPECT_NE(std::string(e.what()).find(fmt::format("0x{:x}", e.address())), std::string::npos) << e.what();
  }
  s_.on_model([](driver::Backend& m) { model_clear(m); });
  s_.dev->soft_reset();
  expect_works("an AXI read error");
}

TEST_P(Backends, AxiWriteErrorOnOutputs) {
  const Staged st = stage(cfg_.rows + 1, 3 * cfg_.cols, 4 * cfg_.lanes);
  const uint64_t lo = st.y.addr, hi = st.y.addr + st.y.size;
  s_.on_model([&](driver::Backend& m) { model_inject(m, lo, hi, false, true); });
  const GemmDesc d[] = {st.desc};
  try {
    s_.dev->wait(s_.dev->submit(d), std::chrono::seconds(5));
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.code(), ErrCode::AXI_WRITE) << e.what();
    EXPECT_GE(e.address(), lo);
    EXPECT_LT(e.address(), hi);
  }
  s_.on_model([](driver::Backend& m) { model_clear(m); });
  s_.dev->soft_reset();
  expect_works("an AXI write error");
}

TEST_P(Backends, StalledMemoryTimesOutWithTheDeviceStateThenRecovers) {
  const Staged st = stage(2, 2 * cfg_.cols, 2 * cfg_.lanes);
  s_.on_model([](driver::Backend& m) { model_freeze(m, true); });
  const GemmDesc d[] = {st.desc};
  const driver::JobId job = s_.dev->submit(d);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string msg = message_of<driver::TimeoutError>([&] { s_.dev->wait(job, s_.short_wait); });
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5)) << "the deadline was not kept";
  EXPECT_NE(msg.find("not complete after"), std::string::npos) << msg;
  EXPECT_NE(msg.find("STATUS="), std::string::npos) << msg;
  EXPECT_NE(msg.find("busy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CNT_CYCLES="), std::string::npos) << msg;
  // A reset cannot finish while the memory holds the device's transactions: it says so.
  const std::string reset_msg = message_of<driver::TimeoutError>([&] { s_.dev->soft_reset(); });
  EXPECT_NE(reset_msg.find("soft reset did not finish"), std::string::npos) << reset_msg;
  EXPECT_THROW(s_.dev->submit(d), driver::DriverError);  // not before a reset finished
  s_.on_model([](driver::Backend& m) { model_freeze(m, false); });
  s_.dev->soft_reset();
  const std::string aborted = message_of<driver::DriverError>([&] { s_.dev->wait(job); });
  EXPECT_NE(aborted.find("aborted by a soft reset"), std::string::npos) << aborted;
  EXPECT_TRUE(s_.dev->done(job));
  expect_works("a stalled memory");
}

TEST_P(Backends, SoftResetMidJob) {
  // Long enough (tens of thousands of cycles) that the resets below land inside it.
  const Staged st = stage(3 * cfg_.rows, 16 * cfg_.cols, cfg_.k_max);
  for (uint64_t after : {3ull, 200ull, 2000ull}) {
    const GemmDesc d[] = {st.desc, st.desc};
    if (!s_.clocked) s_.on_model([](driver::Backend& m) { model_freeze(m, true); });  // hold the job in flight
    const driver::JobId job = s_.dev->submit(d);
    s_.on_model([&](driver::Backend& m) { model_run(m, after); });
    EXPECT_FALSE(s_.dev->done(job)) << "after " << after;
    if (!s_.clocked) {
      EXPECT_THROW(s_.dev->soft_reset(), driver::TimeoutError);  // the frozen memory holds it
      s_.on_model([](driver::Backend& m) { model_freeze(m, false); });
    }
    s_.dev->soft_reset();
    EXPECT_EQ(s_.dev->backend().read_reg(regs::RING_HEAD), 0u);
    EXPECT_EQ(s_.dev->backend().read_reg(regs::STATUS) & (regs::status::BUSY | regs::status::RESETTING), 0u);
    EXPECT_THROW(s_.dev->wait(job), driver::DriverError) << "after " << after;
  }
  expect_works("a soft reset mid-job");
}

// ---- threads -----------------------------------------------------------------------------------------

TEST_P(Backends, ThreadsSharingADeviceAreSerialised) {
  const uint64_t seed = tt::test_seed();
  std::atomic<int> failures{0};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> descriptors{0};  // one per K segment of each case
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed + t);
      for (int i = 0; i < 6; ++i) {
        std::vector<GemmCase> b{tt::random_case(rng, cfg_, 64, 16, 5), tt::random_case(rng, cfg_, 64, 16, 5)};
        const auto res = tt::run_batch(*s_.dev, b, std::chrono::seconds(10));
        descriptors += res.descriptors;
        for (const auto& p : res.problems) {
          ++failures;
          ADD_FAILURE() << "thread " << t << ": " << p;
        }
      }
    });
  // Meanwhile another thread reads the counters and the state (64-bit LO/HI reads must pair up).
  std::thread watcher([&] {
    uint64_t last = 0;
    while (!stop) {
      const uint64_t d = s_.dev->counters()[regs::Counter::DESCS];
      if (d < last) ++failures;
      last = d;
      (void)s_.dev->state();
    }
  });
  for (auto& th : threads) th.join();
  stop = true;
  watcher.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(descriptors.load(), 36u);
  EXPECT_EQ(s_.dev->counters()[regs::Counter::DESCS], descriptors.load());
}

INSTANTIATE_TEST_SUITE_P(Each, Backends, ::testing::ValuesIn(subject_names()), [](const auto& p) {
  std::string n = p.param;
  for (char& c : n)
    if (c == ':' || c == '-') c = '_';
  return n;
});
