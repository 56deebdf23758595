// The fpga backend's own code path (sysfs discovery, the UIO register map, the u-dma-buf buffer,
// UIO interrupt semantics, cache maintenance) against the stand-in board, with the reference
// model on the other side.

#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "error_message.hpp"
#include "fake_board.hpp"
#include "fpga/fpga_backend.hpp"
#include "gemm_cases.hpp"
#include "test_seed.hpp"
#include "trit/driver/device.hpp"

namespace driver = trit::driver;
namespace regs = trit::regs;
namespace tt = trit::testing;
using driver::FpgaBackend;
using driver::FpgaOptions;
using tt::FakeBoard;
using tt::message_of;

namespace {

const driver::ArrayConfig kSmall{2, 4, 4, 8, 512, 32, 16};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

TEST(FpgaBackend, FindsTheBoardBySysfsNameAndReadsItsIdentity) {
  FakeBoard board(FakeBoard::reference(kSmall));
  FpgaBackend be(board.fpga_options());
  EXPECT_EQ(be.name(), "fpga:uio0");
  EXPECT_EQ(be.read_reg(regs::ID), regs::kIdMagic);
  EXPECT_EQ(be.read_reg(regs::CFG_COLS), kSmall.cols);
  EXPECT_EQ(be.read_reg(regs::CFG_BUS_BYTES), kSmall.bus_bytes);
  EXPECT_EQ(be.memory().base, 0x70000000u);
  EXPECT_EQ(be.memory().size, 16u << 20);
  EXPECT_TRUE(board.model_error().empty()) << board.model_error();
}

TEST(FpgaBackend, EveryRegisterAccessReachesTheModelOnceWithItsSideEffects) {
  FakeBoard board(FakeBoard::reference(kSmall));
  FpgaBackend be(board.fpga_options());
  const uint64_t before = board.register_accesses();
  for (uint32_t v : {0x0u, 0xffffffffu, 0x12345678u}) {
    be.write_reg(regs::SCRATCH, v);
    EXPECT_EQ(be.read_reg(regs::SCRATCH), v);
  }
  EXPECT_EQ(board.register_accesses() - before, 6u);  // nothing cached or merged on the way
  // A write the model acts on (doorbell-like CNT_CLEAR, self-clearing) and a W1C register whose
  // value the model changes behind the host's back.
  be.write_reg(regs::CTRL, regs::ctrl::CNT_CLEAR);
  EXPECT_EQ(be.read_reg(regs::CTRL) & regs::ctrl::CNT_CLEAR, 0u);
  be.write_reg(regs::CTRL, regs::ctrl::SOFT_RESET);  // sets IRQ_STATUS.RESET_DONE in the model
  EXPECT_TRUE(be.read_reg(regs::IRQ_STATUS) & regs::irq_status::RESET_DONE);
  be.write_reg(regs::IRQ_STATUS, regs::irq_status::RESET_DONE);  // write 1 to clear
  EXPECT_FALSE(be.read_reg(regs::IRQ_STATUS) & regs::irq_status::RESET_DONE);
  board.with_model([](driver::Backend& m) { m.write_reg(regs::SCRATCH, 0xabcd); });
  EXPECT_EQ(be.read_reg(regs::SCRATCH), 0xabcdu);
  EXPECT_THROW(be.read_reg(0x1000), driver::DriverError);  // outside the window
  EXPECT_THROW(be.write_reg(0x2, 1), driver::DriverError);  // unaligned
  EXPECT_TRUE(board.model_error().empty()) << board.model_error();
}

TEST(FpgaBackend, DmaBufferIsTheModelsMemory) {
  FakeBoard board(FakeBoard::reference(kSmall));
  FpgaBackend be(board.fpga_options());
  const uint64_t base = be.memory().base;
  std::vector<uint8_t> data(1000);
  std::mt19937_64 rng(tt::test_seed());
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  be.write_mem(base + 3, data);  // odd address: the uncached copy must handle the edges
  std::vector<uint8_t> seen(data.size());
  board.with_model([&](driver::Backend& m) { m.read_mem(base + 3, seen); });
  EXPECT_EQ(seen, data);
  std::reverse(data.begin(), data.end());
  board.with_model([&](driver::Backend& m) { m.write_mem(base + 4096 - 5, data); });
  be.read_mem(base + 4096 - 5, seen);
  EXPECT_EQ(seen, data);
  const std::string msg = message_of<driver::MemoryError>([&] { be.read_mem(base + be.memory().size - 4, seen); });
  EXPECT_NE(msg.find("outside the DMA buffer"), std::string::npos) << msg;
  EXPECT_THROW(be.write_mem(base - 8, std::vector<uint8_t>(8)), driver::MemoryError);
}

TEST(FpgaBackend, InterruptFollowsUioSemanticsAndTheEnableRegister) {
  FakeBoard board(FakeBoard::reference(kSmall));
  driver::Device dev(std::make_unique<FpgaBackend>(board.fpga_options()));
  auto& b = dev.backend();
  std::mt19937_64 rng(tt::test_seed());
  const auto c = tt::make_case(rng, kSmall, 1, kSmall.cols, kSmall.lanes, driver::WeightFormat::T2, "irq");
  const driver::Weights w = dev.upload_weights(c.w, c.n, c.k, c.format);
  const driver::Buffer x = dev.alloc(64), y = dev.alloc(64);
  const driver::GemmDesc d[] = {dev.gemm(1, x, 8, w, y, 16)};
  b.write_reg(regs::IRQ_ENABLE, 0);
  const driver::JobId job = dev.submit(d);
  EXPECT_FALSE(b.wait_irq(std::chrono::milliseconds(5)));  // masked in the device: no interrupt
  EXPECT_TRUE(dev.done(job));
  b.write_reg(regs::IRQ_ENABLE, regs::irq_status::DONE);
  EXPECT_TRUE(b.wait_irq(std::chrono::seconds(5)));  // the pending cause fires at enable (a level)
  b.write_reg(regs::IRQ_STATUS, regs::irq_status::DONE);
  // Acknowledged: the line is low. An interrupt counted just before the acknowledge may still be
  // reported once (as on a board, where the count lags the line); after that, none.
  bool quiet = false;
  for (int i = 0; i < 2 && !quiet; ++i) quiet = !b.wait_irq(std::chrono::milliseconds(5));
  EXPECT_TRUE(quiet);
  b.write_reg(regs::IRQ_ENABLE, regs::irq_status::DONE | regs::irq_status::ERROR | regs::irq_status::RESET_DONE);
  // And the driver's own wait, which sleeps on the interrupt.
  dev.wait(dev.submit(d), std::chrono::seconds(5));
  EXPECT_TRUE(board.model_error().empty()) << board.model_error();
}

TEST(FpgaBackend, RandomGemmsThroughTheBoard) {
  FakeBoard board(FakeBoard::reference(kSmall));
  driver::DeviceOptions opt;
  opt.ring_log2 = 2;  // 3 usable slots: batches wrap the ring and wait for room
  driver::Device dev(std::make_unique<FpgaBackend>(board.fpga_options()), opt);
  std::mt19937_64 rng(tt::test_seed());
  for (int batch = 0; batch < 12; ++batch) {
    std::vector<tt::GemmCase> cases;
    for (int i = 0; i < 1 + batch % 5; ++i) cases.push_back(tt::random_case(rng, kSmall, 200, 30, 5));
    const auto res = tt::run_batch(dev, cases);
    for (const auto& p : res.problems) ADD_FAILURE() << "batch " << batch << ": " << p;
  }
  EXPECT_TRUE(board.model_error().empty()) << board.model_error();
}

TEST(FpgaBackend, SetupProblemsAreNamed) {
  FakeBoard board(FakeBoard::reference(kSmall));
  FpgaOptions o = board.fpga_options();
  o.uio = "not-there";
  std::string msg = message_of<driver::ConfigError>([&] { FpgaBackend be(o); });
  EXPECT_NE(msg.find("no UIO device named 'not-there'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("uio0 (trit)"), std::string::npos) << msg;  // lists what is there
  o = board.fpga_options();
  o.udmabuf = "udmabuf7";
  msg = message_of<driver::ConfigError>([&] { FpgaBackend be(o); });
  EXPECT_NE(msg.find("udmabuf7/phys_addr"), std::string::npos) << msg;
  o = board.fpga_options();
  o.uio_map = 3;
  msg = message_of<driver::ConfigError>([&] { FpgaBackend be(o); });
  EXPECT_NE(msg.find("map3/size"), std::string::npos) << msg;
  o = board.fpga_options();
  o.irq_node = (board.root() / "dev" / "missing").string();
  msg = message_of<driver::ConfigError>([&] { FpgaBackend be(o); });
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
  // A window smaller than the register map.
  {
    std::ofstream(board.root() / "sys/class/uio/uio0/maps/map0/size") << "0x100\n";
  }
  msg = message_of<driver::ConfigError>([&] { FpgaBackend be(board.fpga_options()); });
  EXPECT_NE(msg.find("register window needs 4096"), std::string::npos) << msg;
  {
    std::ofstream(board.root() / "sys/class/uio/uio0/maps/map0/size") << "0x1000\n";
  }
  FpgaBackend be(board.fpga_options());
  msg = message_of<driver::DriverError>([&] { be.hard_reset(); });
  EXPECT_NE(msg.find("soft_reset"), std::string::npos) << msg;
}

TEST(FpgaBackend, CachedBufferIsSyncedAroundEveryCopy) {
  FakeBoard board(FakeBoard::reference(kSmall));
  FpgaOptions o = board.fpga_options();
  o.cached = true;
  const auto attr = board.root() / "sys/class/u-dma-buf/udmabuf0";
  {
    FpgaBackend be(o);
    be.write_mem(be.memory().base + 128, std::vector<uint8_t>(40, 7));
    EXPECT_EQ(slurp(attr / "sync_offset"), "128");
    EXPECT_EQ(slurp(attr / "sync_size"), "40");
    EXPECT_EQ(slurp(attr / "sync_direction"), "1");  // DMA_TO_DEVICE
    EXPECT_EQ(slurp(attr / "sync_for_device"), "1");
    std::vector<uint8_t> back(40);
    be.read_mem(be.memory().base + 128, back);
    EXPECT_EQ(slurp(attr / "sync_direction"), "2");  // DMA_FROM_DEVICE
    EXPECT_EQ(slurp(attr / "sync_for_cpu"), "1");
    EXPECT_EQ(back, std::vector<uint8_t>(40, 7));
  }
  // A coherent buffer needs no maintenance.
  std::ofstream(attr / "dma_coherent") << "1\n";
  std::ofstream(attr / "sync_for_device") << "0\n";
  FpgaBackend be(o);
  be.write_mem(be.memory().base, std::vector<uint8_t>(8, 1));
  EXPECT_EQ(slurp(attr / "sync_for_device"), "0");
}
