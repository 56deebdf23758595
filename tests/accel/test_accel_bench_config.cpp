// The KV260-class bench configuration (r8c20v16b512) at the size it is claimed for: BitNet b1.58
// 2B4T BitLinear shapes (K = 2560 and 6912) as decode GEMVs in both weight formats and one small
// prefill, on the Verilated RTL loaded as a module through the device registry (as the host opens
// it), bit-exact against direct integer math and with every exact counter equal to the reference
// model's. Guard bytes around Y and row padding are checked by run_batch.

#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "gemm_cases.hpp"
#include "ref/ref_backend.hpp"
#include "test_seed.hpp"
#include "trit/driver/device.hpp"
#include "trit/driver/open.hpp"

using namespace trit;
using trit::testing::GemmCase;

namespace {

constexpr const char* kConfig = "r8c20v16b512";

using trit::testing::kExactCounters;

void check_batch(driver::Device& sim, driver::Device& ref, const std::vector<GemmCase>& cases, const std::string& what) {
  const auto got = trit::testing::run_batch(sim, cases, std::chrono::seconds(1));
  const auto want = trit::testing::run_batch(ref, cases);
  for (const auto& p : got.problems) ADD_FAILURE() << what << ": " << p;
  ASSERT_TRUE(want.problems.empty());
  for (size_t i = 0; i < cases.size(); ++i) EXPECT_EQ(got.y[i], want.y[i]) << what << ": " << describe(cases[i]);
  for (regs::Counter c : kExactCounters)
    EXPECT_EQ(got.counters[c], want.counters[c]) << what << ": counter " << regs::kCounters[static_cast<unsigned>(c)].name;
  std::printf("[ bench cfg] %s: %zu GEMMs, %llu cycles\n", what.c_str(), cases.size(),
              static_cast<unsigned long long>(got.cycles));
}

}  // namespace

TEST(BenchConfig, FullSize2B4TShapesMatchTheReference) {
  driver::OpenOptions o;
  o.memory_latency = 100;
  o.memory_bytes = 256ull << 20;
  auto sim = driver::open_device(std::string("sim:") + kConfig, o);
  const driver::ArrayConfig cfg = sim->config();
  ASSERT_EQ(cfg.name(), kConfig);
  ASSERT_GE(cfg.k_max, 6912u) << "2B4T's K fits this configuration's activation buffer in one segment";
  driver::RefBackend::Options ro;
  ro.mem_size = 256ull << 20;
  driver::Device ref(std::make_unique<driver::RefBackend>(cfg, ro));
  std::mt19937_64 rng(trit::testing::test_seed());

  // Decode: q (2560 x 2560), k/v (640 x 2560), gate/up (6912 x 2560), down (2560 x 6912).
  for (const auto f : {driver::WeightFormat::T5, driver::WeightFormat::T2}) {
    std::vector<GemmCase> gemvs;
    for (const auto& [n, k] : {std::pair{2560u, 2560u}, {640u, 2560u}, {6912u, 2560u}, {2560u, 6912u}})
      gemvs.push_back(trit::testing::make_case(rng, cfg, 1, n, k, f, "2B4T decode"));
    check_batch(*sim, ref, gemvs, fmt::format("decode GEMVs, {}", regs::to_string(f)));
  }
  // Prefill: 9 tokens (one full pass of R = 8 rows and a ragged one) through ffn_down (K = 6912).
  const std::vector<GemmCase> prefill = {
      trit::testing::make_case(rng, cfg, 9, 2560, 6912, driver::WeightFormat::T5, "2B4T prefill")};
  check_batch(*sim, ref, prefill, "prefill M=9, ffn_down");
}
