// The bring-up self-test: it passes on every backend of this build (the reference model, the
// fpga backend on the stand-in board through the real command line, the simulator), and it fails,
// naming the layer, on devices with a fault.

#include <gtest/gtest.h>

#include "fake_board.hpp"
#include "selftest.hpp"
#include "test_seed.hpp"
#include "ref/ref_backend.hpp"
#include "trit/driver/open.hpp"
#ifdef TRIT_HAVE_SIM
#include "sim_board.hpp"
#include "sim_registry.hpp"
#endif

namespace driver = trit::driver;
namespace regs = trit::regs;
namespace tt = trit::testing;

namespace {

const driver::ArrayConfig kSmall{2, 4, 4, 8, 512, 32, 16};

const char* const kChecks[] = {"registers", "identity", "host memory", "DMA loop-back", "GEMM vs reference",
                               "counters", "interrupt", "error recovery", "timing"};

void expect_all_pass(const driver::SelftestReport& r) {
  ASSERT_EQ(r.checks.size(), std::size(kChecks));
  for (size_t i = 0; i < r.checks.size(); ++i) {
    EXPECT_EQ(r.checks[i].name, kChecks[i]);
    EXPECT_TRUE(r.checks[i].passed) << r.checks[i].name << ": " << r.checks[i].detail;
  }
  EXPECT_TRUE(r.passed()) << r.table();
}

const driver::CheckResult& check_named(const driver::SelftestReport& r, const std::string& name) {
  for (const auto& c : r.checks)
    if (c.name == name) return c;
  throw std::runtime_error("no check " + name);
}

// Runs the command line as a person would, capturing what it prints.
int run_cli(std::vector<std::string> args, std::string* out) {
  args.insert(args.begin(), "trit-selftest");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  const int rc = driver::selftest_main(static_cast<int>(argv.size()), argv.data());
  *out = ::testing::internal::GetCapturedStdout();
  return rc;
}

// A register bus with bit 5 of SCRATCH stuck at zero: what a bad AXI4-Lite connection looks like.
class StuckScratchBit final : public driver::Backend {
 public:
  explicit StuckScratchBit(std::unique_ptr<driver::Backend> inner) : inner_(std::move(inner)) {}
  std::string name() const override { return "stuck-bit"; }
  uint32_t read_reg(uint32_t off) override {
    const uint32_t v = inner_->read_reg(off);
    return off == regs::SCRATCH ? v & ~0x20u : v;
  }
  void write_reg(uint32_t off, uint32_t v) override { inner_->write_reg(off, v); }
  Region memory() const override { return inner_->memory(); }
  void write_mem(uint64_t a, std::span<const uint8_t> d) override { inner_->write_mem(a, d); }
  void read_mem(uint64_t a, std::span<uint8_t> o) override { inner_->read_mem(a, o); }
  bool wait_irq(std::chrono::nanoseconds t) override { return inner_->wait_irq(t); }
  void hard_reset() override { inner_->hard_reset(); }

 private:
  std::unique_ptr<driver::Backend> inner_;
};

}  // namespace

TEST(Selftest, PassesOnTheReferenceModel) {
  for (const driver::ArrayConfig& cfg : {kSmall, driver::ArrayConfig{3, 5, 8, 16, 1024, 40, 32}}) {
    driver::OpenOptions o;
    o.config = cfg;
    auto dev = driver::open_device("ref", o);
    driver::SelftestOptions st;
    st.seed = tt::test_seed();
    st.expect_name = cfg.name();
    expect_all_pass(driver::run_selftest(*dev, st));
  }
}

TEST(Selftest, PassesOnTheFpgaBackendThroughTheCommandLine) {
  tt::FakeBoard board(tt::FakeBoard::reference(kSmall));
  const driver::FpgaOptions f = board.fpga_options();
  std::string out;
  const int rc = run_cli({"--device", "fpga", "--config", "r2c4v4b64", "--seed", std::to_string(tt::test_seed()),
                          "--fpga-dev-dir", f.dev_dir, "--fpga-sysfs-dir", f.sysfs_dir, "--fpga-irq-node", f.irq_node},
                         &out);
  EXPECT_EQ(rc, 0) << out;
  for (const char* c : kChecks) EXPECT_NE(out.find(c), std::string::npos) << c << " missing:\n" << out;
  EXPECT_EQ(out.find("FAIL"), std::string::npos) << out;
  EXPECT_NE(out.find("PASS: 9 of 9 checks passed"), std::string::npos) << out;
  EXPECT_NE(out.find("fpga:uio0 (r2c4v4b64)"), std::string::npos) << out;
  EXPECT_GT(board.register_accesses(), 200u);  // the board served them
  EXPECT_TRUE(board.model_error().empty()) << board.model_error();
  std::printf("%s", out.c_str());
}

#ifdef TRIT_HAVE_SIM
TEST(Selftest, PassesOnEverySimulatedConfiguration) {
  for (const std::string& config : trit::sim::sim_configs()) {
    auto dev = driver::open_device("sim:" + config);
    driver::SelftestOptions st;
    st.seed = tt::test_seed();
    st.expect_name = config;
    const driver::SelftestReport r = driver::run_selftest(*dev, st);
    expect_all_pass(r);
    std::printf("%s", r.table().c_str());
  }
}

TEST(Selftest, PassesOnTheFpgaBackendServedByTheRtl) {
  const std::string config = trit::sim::sim_configs().front();
  const auto model = tt::simulated_board(config);
  if (!model) GTEST_SKIP() << "the simulator harness cannot share its memory yet (sim::SimOptions::mem_storage)";
  tt::FakeBoard board(*model);
  driver::Device dev(std::make_unique<driver::FpgaBackend>(board.fpga_options()));
  driver::SelftestOptions st;
  st.seed = tt::test_seed();
  st.expect_name = config;
  const driver::SelftestReport r = driver::run_selftest(dev, st);
  expect_all_pass(r);
  std::printf("%s", r.table().c_str());
  EXPECT_TRUE(board.model_error().empty()) << board.model_error();
}
#endif

TEST(Selftest, NamesTheFailingLayer) {
  // A stuck register bit: "registers" fails, the rest (which never use SCRATCH) pass.
  {
    driver::Device dev(std::make_unique<StuckScratchBit>(std::make_unique<driver::RefBackend>(kSmall)));
    const driver::SelftestReport r = driver::run_selftest(dev);
    EXPECT_FALSE(r.passed());
    const auto& regs_check = check_named(r, "registers");
    EXPECT_FALSE(regs_check.passed);
    EXPECT_NE(regs_check.detail.find("SCRATCH wrote 0x"), std::string::npos) << regs_check.detail;
    EXPECT_TRUE(check_named(r, "GEMM vs reference").passed);
    EXPECT_NE(r.table().find("FAIL: 8 of 9 checks passed"), std::string::npos) << r.table();
  }
  // A DMA that cannot read: every check that moves data through the device fails with the bus
  // error; the host-side ones pass.
  {
    auto backend = std::make_unique<driver::RefBackend>(kSmall);
    driver::RefBackend* model = backend.get();
    driver::Device dev(std::move(backend));
    model->inject_error(0, ~0ull, true, false);
    const driver::SelftestReport r = driver::run_selftest(dev);
    EXPECT_FALSE(r.passed());
    EXPECT_TRUE(check_named(r, "registers").passed);
    EXPECT_TRUE(check_named(r, "host memory").passed);
    const auto& loop = check_named(r, "DMA loop-back");
    EXPECT_FALSE(loop.passed);
    EXPECT_NE(loop.detail.find("AXI_READ"), std::string::npos) << loop.detail;
    EXPECT_FALSE(check_named(r, "GEMM vs reference").passed);
  }
}

TEST(Selftest, CommandLineErrors) {
  std::string out;
  EXPECT_EQ(run_cli({"--device", "nonsense"}, &out), 2);
  EXPECT_EQ(run_cli({"--gemms", "0"}, &out), 2);
  EXPECT_EQ(run_cli({"--device", "ref", "--config", "r2c4"}, &out), 2);
  EXPECT_EQ(run_cli({"--list"}, &out), 0);
  EXPECT_NE(out.find("fpga"), std::string::npos) << out;
}
