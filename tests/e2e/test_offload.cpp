// End to end: a whole model with every BitLinear offloaded to an accelerator device gives logits
// bit-identical to the CPU-only run, in prefill and in token-by-token decode, on every device of
// this build (reference model, each Verilated configuration). Then the same run is checked
// against the independent oracle's logits with the reference README's tolerances, so the
// offloaded path is right, not merely consistent.

#include <cstring>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "gguf/reader.hpp"
#include "model/model.hpp"
#include "model/session.hpp"
#include "sched/accel_backend.hpp"
#include "sched/cpu_backend.hpp"
#include "testutil.hpp"
#include "trit/driver/open.hpp"

using namespace trit;

namespace {

constexpr int kVocab = 272;

std::vector<std::string> accelerator_devices() {
  std::vector<std::string> names;
  for (const driver::BackendInfo& b : driver::backends()) {
    if (!b.available || b.name == "fpga") continue;  // the board stand-in is tested in tests/driver
    if (b.variants.empty()) names.push_back(b.name);
    for (const auto& v : b.variants) names.push_back(b.name + ":" + v);
  }
  return names;
}

struct ModelRun {
  std::vector<float> prefill;  // [n_prompt][n_vocab]
  std::vector<float> decode;   // [steps][n_vocab]: logits after feeding each greedy token
  std::vector<int32_t> tokens;
  std::string placement;
};

ModelRun run_model(const model::Model& m, sched::BitLinearBackend& device, sched::CpuBackend& cpu,
              kernels::ThreadPool& pool, const std::vector<int32_t>& prompt, int steps) {
  model::Session s(m, device, cpu, pool);
  ModelRun r;
  r.placement = s.placement_summary();
  r.prefill = s.eval(prompt, true);
  const float* last = r.prefill.data() + (prompt.size() - 1) * kVocab;
  int32_t tok = testutil::argmax(last, kVocab);
  for (int i = 0; i < steps; ++i) {
    r.tokens.push_back(tok);
    const int32_t one[] = {tok};
    const std::vector<float> l = s.eval(one, false);
    r.decode.insert(r.decode.end(), l.begin(), l.end());
    tok = testutil::argmax(l.data(), kVocab);
  }
  return r;
}

class Offload : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(Offload, WholeModelBitIdenticalToCpuAndWithinOracleTolerance) {
  const std::string device = GetParam();
  // (model, token prefix): the bitnet-b1.58 graph in I2_S and the bitnet graph in TQ2_0.
  const std::pair<const char*, const char*> models[] = {{"tiny_i2_s.gguf", "tiny"},
                                                        {"tiny-bitnet_tq2_0.gguf", "tiny-bitnet"}};
  kernels::ThreadPool pool(2);
  sched::CpuBackend cpu(pool);
  for (const auto& [model_name, prefix] : models) {
    const gguf::File file = gguf::File::open(testutil::model_path(model_name));
    const model::Model m = model::Model::load(file);
    const auto prompt = testutil::read_token_file(testutil::ref_path(std::string(prefix) + "_p9.tokens.txt"));
    sched::AccelOptions opt;
    opt.memory_latency = 40;
    opt.device_memory = 256ull << 20;
    auto accel = sched::make_accel_backend(device, opt);
    const ModelRun want = run_model(m, cpu, cpu, pool, prompt, 4);
    const ModelRun got = run_model(m, *accel, cpu, pool, prompt, 4);
    const std::string what = fmt::format("{} on {} ({})", model_name, device, got.placement);
    EXPECT_GT(accel->stats().gemms, 0u) << what << ": nothing was offloaded";
    ASSERT_EQ(got.prefill.size(), want.prefill.size());
    EXPECT_EQ(std::memcmp(got.prefill.data(), want.prefill.data(), want.prefill.size() * 4), 0)
        << what << ": prefill logits differ from the CPU run";
    EXPECT_EQ(got.tokens, want.tokens) << what;
    EXPECT_EQ(std::memcmp(got.decode.data(), want.decode.data(), want.decode.size() * 4), 0)
        << what << ": decode logits differ from the CPU run";

    // Against the oracle that ran this very file (quantised-path tolerance of its README).
    const std::string oracle = std::string(model_name) == "tiny_i2_s.gguf" ? "tiny_i2_s_bncpp_p9.logits.f32"
                                                                            : "tiny-bitnet_tq2_0_p9.logits.f32";
    const auto ref = testutil::read_f32_file(testutil::ref_path(oracle));
    const testutil::LogitStats st = testutil::compare_logits(ref, got.prefill, kVocab, 0.1);
    EXPECT_GE(st.min_cos, 0.995) << what << " vs " << oracle << ": " << st.summary();
    EXPECT_GE(st.top1_rate(), 0.9) << what << " vs " << oracle << ": " << st.summary();
    std::printf("[ offload  ] %s: %llu GEMMs, %llu busy device cycles; vs %s: %s\n", what.c_str(),
                static_cast<unsigned long long>(accel->stats().gemms),
                static_cast<unsigned long long>(accel->stats().counters[regs::Counter::BUSY]), oracle.c_str(),
                st.summary().c_str());
  }
}

INSTANTIATE_TEST_SUITE_P(Devices, Offload, ::testing::ValuesIn(accelerator_devices()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (char& ch : n)
                             if (ch == ':') ch = '_';
                           return n;
                         });
