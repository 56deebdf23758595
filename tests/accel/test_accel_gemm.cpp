// The Verilated RTL against the reference model: random GEMM batches over every built
// configuration, with random memory latency, bandwidth and back-pressure. Every output must equal
// the direct computation, every exact event counter must equal the reference model's, and the
// AXI protocol checker must see no violation.

#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "gemm_cases.hpp"
#include "ref/ref_backend.hpp"
#include "sim_control.hpp"
#include "sim_registry.hpp"
#include "test_seed.hpp"
#include "trit/driver/device.hpp"

using namespace trit;
using driver::Device;
using trit::testing::GemmCase;

namespace {

class AccelGemm : public ::testing::TestWithParam<std::string> {};

using trit::testing::kExactCounters;

sim::AxiMemoryConfig random_memory(std::mt19937_64& rng) {
  sim::AxiMemoryConfig a;
  std::uniform_int_distribution<uint32_t> lat(1, 120);
  a.read_latency = lat(rng);
  a.write_latency = lat(rng);
  a.max_reads = std::uniform_int_distribution<uint32_t>(1, 16)(rng);
  a.max_writes = std::uniform_int_distribution<uint32_t>(1, 8)(rng);
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0: a.ready_probability = std::uniform_real_distribution<double>(0.3, 0.9)(rng); break;
    case 1: a.bytes_per_cycle = std::uniform_real_distribution<double>(1.0, 12.0)(rng); break;
    default: break;
  }
  a.seed = rng();
  return a;
}

}  // namespace

TEST_P(AccelGemm, RandomShapesMatchTheReferenceModel) {
  const std::string config = GetParam();
  const driver::ArrayConfig cfg = sim::sim_config(config);
  std::mt19937_64 rng(trit::testing::test_seed() ^ std::hash<std::string>{}(config));
  Device ref(std::make_unique<driver::RefBackend>(cfg));
  int shapes = 0;
  std::unique_ptr<Device> sim_dev;
  for (int batch = 0; shapes < 250; ++batch) {
    sim::SimOptions opt;
    opt.axi = random_memory(rng);
    // A fresh device per few batches exercises reset-to-ready as well; reuse otherwise (speed).
    if (batch % 8 == 0) sim_dev = std::make_unique<Device>(sim::make_sim_backend(config, opt));
    auto* ctl = dynamic_cast<sim::SimControl*>(&sim_dev->backend());
    ASSERT_NE(ctl, nullptr);
    ctl->axi().set_config([&] {
      sim::AxiMemoryConfig a = opt.axi;
      a.bus_bytes = cfg.bus_bytes;
      a.max_burst_beats = cfg.max_burst;
      return a;
    }());

    std::vector<GemmCase> cases;
    const int n = std::uniform_int_distribution<int>(1, 4)(rng);
    for (int i = 0; i < n; ++i) cases.push_back(trit::testing::random_case(rng, cfg, 600, 5 * cfg.cols + 3, 3 * cfg.rows + 1));
    shapes += n;
    const std::string what = fmt::format("{} batch {} (latency {}/{}, reads {}, ready p {}, {} B/cycle)", config,
                                         batch, opt.axi.read_latency, opt.axi.write_latency, opt.axi.max_reads,
                                         opt.axi.ready_probability, opt.axi.bytes_per_cycle);
    const auto got = trit::testing::run_batch(*sim_dev, cases, std::chrono::milliseconds(100));
    const auto want = trit::testing::run_batch(ref, cases);
    for (const auto& p : got.problems) ADD_FAILURE() << what << ": " << p;
    ASSERT_TRUE(want.problems.empty());
    for (regs::Counter c : kExactCounters)
      EXPECT_EQ(got.counters[c], want.counters[c])
          << what << ": counter " << regs::kCounters[static_cast<unsigned>(c)].name;
    const auto& v = ctl->axi().violations();
    for (const auto& s : v) ADD_FAILURE() << what << ": AXI protocol: " << s;
    ASSERT_TRUE(v.empty());
    if (::testing::Test::HasFailure()) break;
  }
  std::printf("[ shapes   ] %d GEMMs on %s\n", shapes, config.c_str());
}

INSTANTIATE_TEST_SUITE_P(Configs, AccelGemm, ::testing::ValuesIn(sim::sim_configs()),
                         [](const auto& param_info) { return param_info.param; });
