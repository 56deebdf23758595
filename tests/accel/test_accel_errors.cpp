// Error, reset, timeout, register and interrupt behaviour of the Verilated RTL, each followed by
// proof that the device works again.

#include <random>

#include <gtest/gtest.h>

#include "gemm_cases.hpp"
#include "sim_control.hpp"
#include "sim_registry.hpp"
#include "test_seed.hpp"
#include "trit/driver/device.hpp"

using namespace trit;
using driver::Device;
using driver::DeviceError;
using driver::GemmDesc;
using regs::ErrCode;
using trit::testing::GemmCase;

namespace {

class AccelErrors : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    cfg_ = sim::sim_config(GetParam());
    sim::SimOptions opt;
    opt.axi.read_latency = 20;
    opt.axi.write_latency = 20;
    dev_ = std::make_unique<Device>(sim::make_sim_backend(GetParam(), opt));
    ctl_ = dynamic_cast<sim::SimControl*>(&dev_->backend());
    ASSERT_NE(ctl_, nullptr);
    rng_.seed(trit::testing::test_seed());
  }
  void TearDown() override {
    for (const auto& v : ctl_->axi().violations()) ADD_FAILURE() << "AXI protocol: " << v;
  }

  // The device still computes correctly.
  void expect_works(const char* after) {
    for (const auto& p : trit::testing::check_still_works(*dev_, rng_, std::chrono::milliseconds(50)))
      ADD_FAILURE() << "after " << after << ": " << p;
  }
  using Staged = trit::testing::StagedGemm;
  Staged stage(uint32_t m, uint32_t n, uint32_t k) { return trit::testing::stage_gemm(*dev_, rng_, m, n, k); }

  driver::ArrayConfig cfg_;
  std::unique_ptr<Device> dev_;
  sim::SimControl* ctl_ = nullptr;
  std::mt19937_64 rng_;
};

}  // namespace

TEST_P(AccelErrors, IdentityAndConfigurationRegisters) {
  auto& b = dev_->backend();
  EXPECT_EQ(b.read_reg(regs::ID), regs::kIdMagic);
  EXPECT_EQ(b.read_reg(regs::VERSION) >> 16, regs::kVersionMajor);
  EXPECT_EQ(b.read_reg(regs::CFG_ROWS), cfg_.rows);
  EXPECT_EQ(b.read_reg(regs::CFG_COLS), cfg_.cols);
  EXPECT_EQ(b.read_reg(regs::CFG_LANES), cfg_.lanes);
  EXPECT_EQ(b.read_reg(regs::CFG_BUS_BYTES), cfg_.bus_bytes);
  EXPECT_EQ(b.read_reg(regs::CFG_K_MAX), cfg_.k_max);
  EXPECT_EQ(b.read_reg(regs::CFG_ADDR_BITS), cfg_.addr_bits);
  EXPECT_EQ(b.read_reg(regs::CFG_MAX_BURST), cfg_.max_burst);
  EXPECT_EQ(b.read_reg(regs::CFG_FORMATS) & 3u, 3u);
  for (uint32_t v : {0xdeadbeefu, 0x0u, 0x12345678u}) {
    b.write_reg(regs::SCRATCH, v);
    EXPECT_EQ(b.read_reg(regs::SCRATCH), v);
  }
  b.write_reg(regs::ID, 0);  // read-only: ignored
  EXPECT_EQ(b.read_reg(regs::ID), regs::kIdMagic);
  EXPECT_EQ(b.read_reg(0xffc), 0u);  // unmapped
}

TEST_P(AccelErrors, EveryBadDescriptorHaltsWithItsCodeThenResetRecovers) {
  const Staged s = stage(2, cfg_.cols + 2, 2 * cfg_.lanes + 3);
  struct Bad {
    const char* what;
    ErrCode code;
    void (*mutate)(regs::Descriptor&, const driver::ArrayConfig&);
  };
  const Bad bads[] = {
      {"opcode", ErrCode::BAD_OPCODE, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.ctrl = (d.ctrl & ~0xffu) | 0x42; }},
      {"format", ErrCode::BAD_FORMAT, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.ctrl |= 3u << regs::DESC_CTRL_WFMT_SHIFT; }},
      {"m=0", ErrCode::ZERO_DIM, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.m = 0; }},
      {"n=0", ErrCode::ZERO_DIM, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.n = 0; }},
      {"k=0", ErrCode::ZERO_DIM, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.k = 0; }},
      {"k>k_max", ErrCode::K_TOO_LARGE, [](regs::Descriptor& d, const driver::ArrayConfig& c) { d.k = c.k_max + 1; }},
      {"x misaligned", ErrCode::MISALIGNED, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.x_addr += 4; }},
      {"w misaligned", ErrCode::MISALIGNED, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.w_addr += 1; }},
      {"y beyond address bits", ErrCode::MISALIGNED, [](regs::Descriptor& d, const driver::ArrayConfig& c) { d.y_addr |= uint64_t{1} << c.addr_bits; }},
      {"x stride odd", ErrCode::BAD_STRIDE, [](regs::Descriptor& d, const driver::ArrayConfig&) { d.x_stride += 4; }},
      {"y stride < 4N", ErrCode::BAD_STRIDE, [](regs::Descriptor& d, const driver::ArrayConfig& c) { d.y_stride = c.bus_bytes; d.n = c.bus_bytes; }},
  };
  for (const Bad& bad : bads) {
    regs::Descriptor raw = driver::encode(s.desc);
    bad.mutate(raw, cfg_);
    const regs::Descriptor batch[] = {driver::encode(s.desc), driver::encode(s.desc), raw, driver::encode(s.desc)};
    const uint32_t head0 = dev_->backend().read_reg(regs::RING_HEAD);
    try {
      dev_->wait(dev_->submit_unchecked(batch), std::chrono::milliseconds(20));
      ADD_FAILURE() << bad.what << ": no error";
    } catch (const DeviceError& e) {
      EXPECT_EQ(e.code(), bad.code) << bad.what << ": " << e.what();
      EXPECT_EQ(e.ring_index(), head0 + 2) << bad.what;
      EXPECT_EQ(dev_->backend().read_reg(regs::RING_HEAD), head0 + 2) << bad.what;
      EXPECT_TRUE(dev_->backend().read_reg(regs::IRQ_STATUS) & regs::irq_status::ERROR) << bad.what;
    }
    dev_->soft_reset();
    EXPECT_EQ(dev_->backend().read_reg(regs::ERR_CODE), 0u);
    EXPECT_EQ(dev_->backend().read_reg(regs::STATUS) & regs::status::HALTED, 0u);
    dev_->backend().write_reg(regs::IRQ_STATUS, regs::irq_status::ERROR);
  }
  expect_works("bad descriptors");
}

TEST_P(AccelErrors, BadRingHalts) {
  auto& b = dev_->backend();
  b.write_reg(regs::RING_SIZE_LOG2, 0);
  b.write_reg(regs::RING_TAIL, 1);
  ctl_->run(200);
  EXPECT_TRUE(b.read_reg(regs::STATUS) & regs::status::HALTED);
  EXPECT_EQ(b.read_reg(regs::ERR_CODE), static_cast<uint32_t>(ErrCode::BAD_RING));
  // Fresh driver state: reopening programs the ring again and resets the device.
  dev_.reset();
  ctl_ = nullptr;
  sim::SimOptions opt;
  dev_ = std::make_unique<Device>(sim::make_sim_backend(GetParam(), opt));
  ctl_ = dynamic_cast<sim::SimControl*>(&dev_->backend());
  expect_works("bad ring");
}

TEST_P(AccelErrors, AxiReadErrorOnWeights) {
  const Staged s = stage(cfg_.rows + 1, 3 * cfg_.cols, 4 * cfg_.lanes);
  ctl_->axi().inject_error(s.w.buf.addr, s.w.buf.addr + s.w.buf.size, true, false);
  const GemmDesc d[] = {s.desc};
  try {
    dev_->wait(dev_->submit(d), std::chrono::milliseconds(20));
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.code(), ErrCode::AXI_READ) << e.what();
    EXPECT_GE(e.address(), s.w.buf.addr);
    EXPECT_LT(e.address(), s.w.buf.addr + s.w.buf.size);
  }
  ctl_->axi().clear_errors();
  dev_->soft_reset();
  EXPECT_TRUE(ctl_->axi().idle());
  expect_works("AXI read error");
}

TEST_P(AccelErrors, AxiWriteErrorOnOutputs) {
  const Staged s = stage(cfg_.rows + 1, 3 * cfg_.cols, 4 * cfg_.lanes);
  ctl_->axi().inject_error(s.y.addr, s.y.addr + s.y.size, false, true, sim::kDecErr);
  const GemmDesc d[] = {s.desc};
  try {
    dev_->wait(dev_->submit(d), std::chrono::milliseconds(20));
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.code(), ErrCode::AXI_WRITE) << e.what();
    EXPECT_GE(e.address(), s.y.addr);
    EXPECT_LT(e.address(), s.y.addr + s.y.size);
  }
  ctl_->axi().clear_errors();
  dev_->soft_reset();
  expect_works("AXI write error");
}

TEST_P(AccelErrors, SoftResetMidGemm) {
  const Staged s = stage(3 * cfg_.rows, 8 * cfg_.cols, cfg_.k_max);
  for (uint64_t after : {3ull, 50ull, 400ull, 2000ull}) {
    const GemmDesc d[] = {s.desc, s.desc};
    const driver::JobId job = dev_->submit(d);
    ctl_->run(after);
    EXPECT_FALSE(dev_->done(job));
    dev_->soft_reset();
    EXPECT_TRUE(ctl_->axi().idle()) << "reset left AXI transactions outstanding (after " << after << ")";
    EXPECT_EQ(dev_->backend().read_reg(regs::RING_HEAD), 0u);
    EXPECT_EQ(dev_->backend().read_reg(regs::STATUS) & (regs::status::BUSY | regs::status::RESETTING), 0u);
  }
  expect_works("soft reset mid-GEMM");
}

TEST_P(AccelErrors, StalledMemoryTimesOutWithTheDeviceStateThenRecovers) {
  const Staged s = stage(2, 2 * cfg_.cols, 2 * cfg_.lanes);
  ctl_->axi().freeze(true);
  const GemmDesc d[] = {s.desc};
  try {
    dev_->wait(dev_->submit(d), std::chrono::microseconds(20));
    FAIL() << "no timeout";
  } catch (const driver::TimeoutError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("STATUS="), std::string::npos) << msg;
    EXPECT_NE(msg.find("busy"), std::string::npos) << msg;
  }
  // A reset cannot finish while the memory holds transactions: it must say so, not hang.
  EXPECT_THROW(dev_->soft_reset(), driver::TimeoutError);
  ctl_->axi().freeze(false);
  dev_->soft_reset();
  expect_works("a stalled memory");
}

TEST_P(AccelErrors, InterruptFollowsStatusAndEnable) {
  auto& b = dev_->backend();
  const Staged s = stage(1, cfg_.cols, cfg_.lanes);
  b.write_reg(regs::IRQ_ENABLE, 0);
  GemmDesc d = s.desc;
  d.irq = true;
  const GemmDesc ds[] = {d};
  const driver::JobId job = dev_->submit(ds);
  EXPECT_FALSE(b.wait_irq(std::chrono::microseconds(50)));  // masked
  EXPECT_TRUE(dev_->done(job));
  EXPECT_TRUE(b.read_reg(regs::IRQ_STATUS) & regs::irq_status::DONE);
  b.write_reg(regs::IRQ_ENABLE, regs::irq_status::DONE);
  EXPECT_TRUE(b.wait_irq(std::chrono::nanoseconds(10)));  // pending status now visible
  b.write_reg(regs::IRQ_STATUS, regs::irq_status::DONE);  // W1C
  EXPECT_FALSE(b.wait_irq(std::chrono::nanoseconds(10)));
  EXPECT_EQ(b.read_reg(regs::LAST_TAG), d.tag);
  b.write_reg(regs::IRQ_ENABLE, regs::irq_status::DONE | regs::irq_status::ERROR | regs::irq_status::RESET_DONE);
}

TEST_P(AccelErrors, CountersClearAndCount) {
  expect_works("warm-up");
  auto c = dev_->counters();
  EXPECT_GT(c[regs::Counter::CYCLES], 0u);
  EXPECT_GT(c[regs::Counter::BUSY], 0u);
  EXPECT_GT(c[regs::Counter::ISSUE], 0u);
  EXPECT_LE(c[regs::Counter::BUSY], c[regs::Counter::CYCLES]);
  dev_->backend().write_reg(regs::CTRL, regs::ctrl::ENABLE | regs::ctrl::CNT_CLEAR);
  c = dev_->counters();
  EXPECT_LT(c[regs::Counter::CYCLES], 100u);  // only the register reads since the clear
  EXPECT_EQ(c[regs::Counter::ISSUE], 0u);
  EXPECT_EQ(c[regs::Counter::WEIGHT_BYTES], 0u);
}

INSTANTIATE_TEST_SUITE_P(Configs, AccelErrors, ::testing::ValuesIn(sim::sim_configs()),
                         [](const auto& param_info) { return param_info.param; });
