// The virtual platform (trit-vp, sim/vp) through the vp backend.
//
// With the simple memory model it must be the Verilator harness cycle for cycle: the same
// random GEMM batches on vp:<config> and sim:<config>, opened with the same memory settings, give
// the same outputs, every one of the 24 counters equal (cycles and stalls included) and the same
// backend cycle count. Then the process boundary's faults: a platform killed mid-GEMM, a hung
// platform, error responses injected in the TLM memory target, soft reset mid-GEMM; each gives
// its typed error and the next device works.

#include <signal.h>

#include <random>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gemm_cases.hpp"
#include "test_seed.hpp"
#include "trit/driver/device.hpp"
#include "trit/driver/errors.hpp"
#include "trit/driver/open.hpp"
#include "vp/vp_backend.hpp"

using namespace trit;
using driver::Device;
using driver::GemmDesc;
using regs::ErrCode;
using trit::testing::GemmCase;

namespace {

std::vector<std::string> vp_configs() {
  std::vector<std::string> out;
  std::stringstream ss(TRIT_VP_CONFIGS);
  for (std::string s; std::getline(ss, s, ',');)
    if (!s.empty()) out.push_back(s);
  return out;
}

driver::VpBackend& vp_of(Device& d) {
  auto* vp = dynamic_cast<driver::VpBackend*>(&d.backend());
  if (!vp) throw std::runtime_error("not a vp device");
  return *vp;
}

class VpVsSim : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(VpVsSim, SameResultsCountersAndCyclesOnTheSimpleMemory) {
  const std::string config = GetParam();
  std::mt19937_64 rng(trit::testing::test_seed() ^ std::hash<std::string>{}(config));
  int shapes = 0;
  for (int batch = 0; batch < 40; ++batch) {
    driver::OpenOptions o;
    o.memory_latency = std::uniform_int_distribution<uint32_t>(1, 120)(rng);
    o.params["max_reads"] = std::to_string(std::uniform_int_distribution<uint32_t>(1, 16)(rng));
    o.params["max_writes"] = std::to_string(std::uniform_int_distribution<uint32_t>(1, 8)(rng));
    auto sim = driver::open_device("sim:" + config, o);
    auto vp = driver::open_device("vp:" + config, o);
    ASSERT_EQ(sim->backend().cycles(), vp->backend().cycles()) << "opening";
    const driver::ArrayConfig cfg = sim->config();
    std::vector<GemmCase> cases;
    const int n = std::uniform_int_distribution<int>(1, 4)(rng);
    for (int i = 0; i < n; ++i)
      cases.push_back(trit::testing::random_case(rng, cfg, 600, 5 * cfg.cols + 3, 3 * cfg.rows + 1));
    shapes += n;
    const std::string what = fmt::format("{} batch {} (latency {}, reads {}, writes {})", config, batch,
                                         *o.memory_latency, o.params["max_reads"], o.params["max_writes"]);
    const auto want = trit::testing::run_batch(*sim, cases, std::chrono::milliseconds(100));
    const auto got = trit::testing::run_batch(*vp, cases, std::chrono::milliseconds(100));
    for (const auto& p : got.problems) ADD_FAILURE() << what << ": vp: " << p;
    ASSERT_TRUE(want.problems.empty()) << what;
    ASSERT_EQ(got.y, want.y) << what;
    for (unsigned c = 0; c < regs::kNumCounters; ++c)
      EXPECT_EQ(got.counters[static_cast<regs::Counter>(c)], want.counters[static_cast<regs::Counter>(c)])
          << what << ": counter " << regs::kCounters[c].name;
    EXPECT_EQ(got.cycles, want.cycles) << what;
    EXPECT_EQ(vp->backend().cycles(), sim->backend().cycles()) << what;
    if (::testing::Test::HasFailure()) break;
  }
  std::printf("[ shapes   ] %d GEMMs on vp:%s = sim:%s\n", shapes, config.c_str(), config.c_str());
}

INSTANTIATE_TEST_SUITE_P(Configs, VpVsSim, ::testing::ValuesIn(vp_configs()),
                         [](const auto& param_info) { return param_info.param; });

namespace {

class VpFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    rng_.seed(trit::testing::test_seed());
    open();
  }
  void open(driver::OpenOptions o = {}) {
    if (!o.memory_latency) o.memory_latency = 20;
    dev_ = driver::open_device("vp", o);
    cfg_ = dev_->config();
  }
  void expect_works(const char* after) {
    for (const auto& p : trit::testing::check_still_works(*dev_, rng_, std::chrono::milliseconds(50)))
      ADD_FAILURE() << "after " << after << ": " << p;
  }
  using Staged = trit::testing::StagedGemm;
  Staged stage(uint32_t m, uint32_t n, uint32_t k) { return trit::testing::stage_gemm(*dev_, rng_, m, n, k); }

  std::mt19937_64 rng_;
  driver::ArrayConfig cfg_;
  std::unique_ptr<Device> dev_;
};

}  // namespace

TEST_F(VpFaults, PlatformKilledMidGemmIsADeviceErrorNamingTheProcessAndTheNextOpenWorks) {
  const Staged s = stage(3 * cfg_.rows, 8 * cfg_.cols, cfg_.k_max);
  const GemmDesc d[] = {s.desc, s.desc};
  const driver::JobId job = dev_->submit(d);
  vp_of(*dev_).run(100);
  const pid_t pid = vp_of(*dev_).pid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  try {
    dev_->wait(job, std::chrono::milliseconds(50));
    FAIL() << "no error after the platform was killed";
  } catch (const driver::DeviceError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(fmt::format("trit-vp (pid {})", pid)), std::string::npos) << m;
    EXPECT_NE(m.find("killed by signal 9"), std::string::npos) << m;
  }
  // Later calls say the same, without hanging.
  EXPECT_THROW(dev_->backend().read_reg(regs::STATUS), driver::DeviceError);
  dev_.reset();
  open();
  expect_works("a killed platform");
}

TEST_F(VpFaults, HungPlatformIsATimeoutNamingTheProcessAndTheNextOpenWorks) {
  driver::OpenOptions o;
  o.params["request_timeout_s"] = "1.5";
  open(o);
  const pid_t pid = vp_of(*dev_).pid();
  vp_of(*dev_).inject_hang();
  const auto t0 = std::chrono::steady_clock::now();
  try {
    dev_->backend().read_reg(regs::STATUS);
    FAIL() << "no error from a hung platform";
  } catch (const driver::TimeoutError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(fmt::format("trit-vp (pid {})", pid)), std::string::npos) << m;
    EXPECT_NE(m.find("did not answer within 1.5 s and was killed"), std::string::npos) << m;
  }
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(waited, 1.4);
  EXPECT_LT(waited, 10.0);
  EXPECT_NE(kill(pid, 0), 0) << "the hung process is still there";
  dev_.reset();
  open();
  expect_works("a hung platform");
}

TEST_F(VpFaults, ReadErrorResponseFromTheMemoryTarget) {
  const Staged s = stage(cfg_.rows + 1, 3 * cfg_.cols, 4 * cfg_.lanes);
  vp_of(*dev_).inject_error(s.w.buf.addr, s.w.buf.addr + s.w.buf.size, true, false);
  const GemmDesc d[] = {s.desc};
  try {
    dev_->wait(dev_->submit(d), std::chrono::milliseconds(20));
    FAIL() << "no error";
  } catch (const driver::DeviceError& e) {
    EXPECT_EQ(e.code(), ErrCode::AXI_READ) << e.what();
    EXPECT_GE(e.address(), s.w.buf.addr);
    EXPECT_LT(e.address(), s.w.buf.addr + s.w.buf.size);
  }
  vp_of(*dev_).clear_errors();
  dev_->soft_reset();
  expect_works("a read error response");
  EXPECT_NE(vp_of(*dev_).memory_stats().find("\"error_responses\""), std::string::npos);
}

TEST_F(VpFaults, WriteErrorResponseFromTheMemoryTarget) {
  const Staged s = stage(cfg_.rows + 1, 3 * cfg_.cols, 4 * cfg_.lanes);
  vp_of(*dev_).inject_error(s.y.addr, s.y.addr + s.y.size, false, true, 3);
  const GemmDesc d[] = {s.desc};
  try {
    dev_->wait(dev_->submit(d), std::chrono::milliseconds(20));
    FAIL() << "no error";
  } catch (const driver::DeviceError& e) {
    EXPECT_EQ(e.code(), ErrCode::AXI_WRITE) << e.what();
    EXPECT_GE(e.address(), s.y.addr);
    EXPECT_LT(e.address(), s.y.addr + s.y.size);
  }
  vp_of(*dev_).clear_errors();
  dev_->soft_reset();
  expect_works("a write error response");
}

TEST_F(VpFaults, SoftResetMidGemm) {
  const Staged s = stage(3 * cfg_.rows, 8 * cfg_.cols, cfg_.k_max);
  for (uint64_t after : {3ull, 50ull, 400ull, 2000ull}) {
    const GemmDesc d[] = {s.desc, s.desc};
    const driver::JobId job = dev_->submit(d);
    vp_of(*dev_).run(after);
    EXPECT_FALSE(dev_->done(job));
    dev_->soft_reset();
    EXPECT_EQ(dev_->backend().read_reg(regs::RING_HEAD), 0u);
    EXPECT_EQ(dev_->backend().read_reg(regs::STATUS) & (regs::status::BUSY | regs::status::RESETTING), 0u);
  }
  expect_works("soft reset mid-GEMM");
}

TEST(VpOpen, ErrorsNameTheProblem) {
  driver::OpenOptions o;
  o.params["memory_model"] = "sram";
  EXPECT_THROW(
      {
        try {
          driver::open_device("vp", o);
        } catch (const driver::ConfigError& e) {
          EXPECT_NE(std::string(e.what()).find("memory_model 'sram'"), std::string::npos) << e.what();
          throw;
        }
      },
      driver::ConfigError);
  o.params = {{"memory_model", "dram"}};
  EXPECT_THROW(driver::open_device("vp", o), driver::ConfigError);  // no preset
  o.params = {{"executable", "/nonexistent/trit-vp"}};
  EXPECT_THROW(driver::open_device("vp", o), driver::ConfigError);
  o.params = {{"no_such_key", "1"}};
  EXPECT_THROW(driver::open_device("vp", o), driver::ConfigError);
}

namespace {
class VpDram : public ::testing::TestWithParam<std::string> {};
}  // namespace

// With the DRAM timing the results stay exact; the timing is the DRAM's (different cycles from
// the simple model's), and the target's statistics show the DRAM at work.
TEST_P(VpDram, GemmsStayExactAndTheDramCountsRowsAndRefreshes) {
  std::mt19937_64 rng(trit::testing::test_seed());
  driver::OpenOptions o;
  o.params = {{"memory_model", "dram"}, {"dram_preset", GetParam()}};
  auto vp = driver::open_device("vp:r3c5v8b128", o);
  auto sim = driver::open_device("sim:r3c5v8b128");
  const driver::ArrayConfig cfg = vp->config();
  std::vector<GemmCase> cases;
  for (int i = 0; i < 6; ++i) cases.push_back(trit::testing::random_case(rng, cfg, 2048, 5 * cfg.cols + 3, 3 * cfg.rows + 1));
  const auto got = trit::testing::run_batch(*vp, cases, std::chrono::milliseconds(100));
  for (const auto& p : got.problems) ADD_FAILURE() << GetParam() << ": " << p;
  const auto want = trit::testing::run_batch(*sim, cases, std::chrono::milliseconds(100));
  EXPECT_EQ(got.y, want.y);
  EXPECT_EQ(got.counters[regs::Counter::WEIGHT_BYTES], want.counters[regs::Counter::WEIGHT_BYTES]);
  EXPECT_NE(got.counters[regs::Counter::CYCLES], want.counters[regs::Counter::CYCLES])
      << "the DRAM timing gave exactly the simple model's cycles";
  const auto stats = nlohmann::json::parse(vp_of(*vp).memory_stats());
  const auto& t = stats.at("timing");
  EXPECT_EQ(t.at("model"), "dram");
  EXPECT_EQ(t.at("preset"), GetParam());
  EXPECT_GT(t.at("row_hits").get<uint64_t>(), 0u);
  EXPECT_GT(t.at("activates").get<uint64_t>(), 0u);
  EXPECT_EQ(t.at("reads").get<uint64_t>() + t.at("writes").get<uint64_t>(),
            t.at("row_hits").get<uint64_t>() + t.at("row_misses").get<uint64_t>() +
                t.at("row_conflicts").get<uint64_t>());
  EXPECT_GT(stats.at("read_bytes").get<uint64_t>(), got.counters[regs::Counter::WEIGHT_BYTES]);
}

INSTANTIATE_TEST_SUITE_P(Presets, VpDram, ::testing::Values("ddr4-2400-x64", "lpddr4-4266-x32"),
                         [](const auto& param_info) {
                           std::string s = param_info.param;
                           for (char& c : s)
                             if (c == '-') c = '_';
                           return s;
                         });

namespace {

// The FST header (GTKWave's fstapi): block type 0, section length 329, start time, end time (all
// 64-bit big-endian). The end time is written when the file is closed, so a finished waveform has
// one past the start.
struct FstHeader {
  uint64_t section_length = 0, start_time = 0, end_time = 0;
  int block_type = -1;
};
FstHeader read_fst_header(const std::string& path) {
  FstHeader h;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return h;
  unsigned char b[25] = {};
  const size_t got = std::fread(b, 1, sizeof b, f);
  std::fclose(f);
  if (got != sizeof b) return h;
  auto be64 = [&](int at) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | b[at + i];
    return v;
  };
  h.block_type = b[0];
  h.section_length = be64(1);
  h.start_time = be64(9);
  h.end_time = be64(17);
  return h;
}

class Waveforms : public ::testing::TestWithParam<std::string> {};

}  // namespace

// --trace on sim and vp: a finished FST file covering the run.
TEST_P(Waveforms, TraceWritesAClosedFstFile) {
  const std::string device = GetParam();
  const std::string path = ::testing::TempDir() + "trit-trace-" + device.substr(0, device.find(':')) + ".fst";
  std::remove(path.c_str());
  std::mt19937_64 rng(trit::testing::test_seed());
  uint64_t cycles = 0;
  {
    driver::OpenOptions o;
    o.trace_path = path;
    auto dev = driver::open_device(device, o);
    for (const auto& p : trit::testing::check_still_works(*dev, rng, std::chrono::milliseconds(50)))
      ADD_FAILURE() << device << ": " << p;
    cycles = dev->backend().cycles();
  }
  const FstHeader h = read_fst_header(path);
  EXPECT_EQ(h.block_type, 0) << path;
  EXPECT_EQ(h.section_length, 329u) << path;
  // Two time steps per clock cycle (sim) or picoseconds (vp): either way past the cycles run.
  EXPECT_GT(h.end_time, h.start_time + cycles) << path << ": the file was not closed, or is short";
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Devices, Waveforms, ::testing::Values("sim:r2c4v4b64", "vp:r2c4v4b64"),
                         [](const auto& param_info) { return param_info.param.substr(0, param_info.param.find(':')); });

TEST(WaveformErrors, DevicesWithoutWaveformsSaySo) {
  driver::OpenOptions o;
  o.trace_path = ::testing::TempDir() + "never.fst";
  EXPECT_THROW(driver::open_device("ref", o), driver::ConfigError);
}
