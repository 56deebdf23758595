// End to end: whole models with every BitLinear placed on an accelerator device give logits
// bit-identical to the CPU-only run, in prefill and in token-by-token decode, on every device of
// this build (reference model, each Verilated test configuration, the fpga backend on the
// stand-in board), in both device weight formats, for every ternary type of the reference
// models and for a model whose K exceeds every test configuration's k_max (so its matrices run
// in K segments). Every test asserts that each BitLinear was placed on the device, not only that
// some GEMMs ran. Then the offloaded runs of two files are checked against the independent
// oracle's logits with the reference README's tolerances, so the path is right, not merely
// consistent. Placement errors and the opt-in CPU fallback are checked at the end.

#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "fake_board.hpp"
#include "gguf/reader.hpp"
#include "model/model.hpp"
#include "model_builder.hpp"
#include "runtime/session.hpp"
#include "sched/accel_backend.hpp"
#include "sched/cpu_backend.hpp"
#include "testutil.hpp"
#include "trit/driver/open.hpp"
#ifdef TRIT_HAVE_SIM
#include "sim_registry.hpp"
#endif

using namespace trit;

namespace {

constexpr int kRefVocab = 272;
constexpr int kDecodeSteps = 3;

// A device under test: a name as --device takes it, and for the fpga backend the stand-in board
// (a reference model behind the fake UIO + u-dma-buf files) that serves it.
struct Subject {
  std::unique_ptr<trit::testing::FakeBoard> board;
  std::unique_ptr<sched::AccelBackend> accel;
};

// ref, each Verilated test configuration (the bench ones run full 2B4T shapes in tests/accel),
// the virtual platform (trit-vp) and the fpga backend on the stand-in board.
std::vector<std::string> accelerator_devices() {
  std::vector<std::string> names = {"ref"};
#ifdef TRIT_HAVE_SIM
  for (const std::string& c : sim::sim_configs()) names.push_back("sim:" + c);
#endif
#ifdef TRIT_HAVE_VP
  names.push_back("vp");  // the virtual platform's process, its first configuration
#endif
  names.push_back("fpga");
  return names;
}

Subject open_subject(const std::string& device, driver::WeightFormat format) {
  Subject s;
  sched::AccelOptions opt;
  opt.format = format;
  opt.memory_latency = 40;
  opt.device_memory = 64ull << 20;
  if (device == "fpga") {
    s.board = std::make_unique<trit::testing::FakeBoard>(trit::testing::FakeBoard::reference(driver::ArrayConfig{}), 0x70000000,
                                                    64ull << 20);
    opt.params = s.board->fpga_params();
  }
  s.accel = sched::make_accel_backend(device, opt);
  return s;
}

struct ModelRun {
  std::vector<float> prefill;  // [n_prompt][n_vocab]
  std::vector<float> decode;   // [steps][n_vocab]: logits after feeding each greedy token
  std::vector<int32_t> tokens;
  runtime::Placement placement;
};

ModelRun run_model(const model::Model& m, sched::BitLinearBackend& device, sched::CpuBackend& cpu,
                   kernels::ThreadPool& pool, const std::vector<int32_t>& prompt, int steps) {
  runtime::Session s(m, device, cpu, pool);
  const auto n_vocab = static_cast<size_t>(m.hparams().n_vocab);
  ModelRun r;
  r.placement = s.placement();
  r.prefill = s.eval(prompt, true);
  int32_t tok = testutil::argmax(r.prefill.data() + (prompt.size() - 1) * n_vocab, static_cast<int>(n_vocab));
  for (int i = 0; i < steps; ++i) {
    r.tokens.push_back(tok);
    const int32_t one[] = {tok};
    const std::vector<float> l = s.eval(one, false);
    r.decode.insert(r.decode.end(), l.begin(), l.end());
    tok = testutil::argmax(l.data(), static_cast<int>(n_vocab));
  }
  return r;
}

// The models: every ternary type of the reference files (both graphs), and a synthetic one with
// n_ff = 2304, so ffn_down has K = 2304 > 2048, the largest k_max among the test configurations.
struct TestModel {
  std::string name;
  std::string prompt_prefix;  // reference prompt file prefix, empty: a synthetic prompt
  bool synthetic = false;
};
const TestModel kModels[] = {
    {"tiny_i2_s.gguf", "tiny"},
    {"tiny_iq2_bn.gguf", "tiny"},
    {"tiny_iq1_bn.gguf", "tiny"},
    {"tiny-bitnet_tq2_0.gguf", "tiny-bitnet"},
    {"tiny-bitnet_tq1_0.gguf", "tiny-bitnet"},
    {"synthetic K=2304 (I2_S)", "", true},
};
constexpr uint32_t kWideK = 2304;

struct LoadedModel {
  std::vector<uint8_t> bytes;  // synthetic models live in memory
  std::optional<gguf::File> file;
  std::optional<model::Model> model;
  std::vector<int32_t> prompt;
};

std::unique_ptr<LoadedModel> load(const TestModel& t) {
  auto lm = std::make_unique<LoadedModel>();
  if (t.synthetic) {
    testutil::SynthSpec spec;
    spec.n_embd = 256;
    spec.n_ff = kWideK;
    spec.n_layer = 1;
    spec.n_vocab = 64;
    spec.weight_type = static_cast<uint32_t>(gguf::TensorType::I2_S);
    spec.embd_type = static_cast<uint32_t>(gguf::TensorType::F16);
    lm->bytes = testutil::build_synthetic_model(spec);
    lm->file.emplace(gguf::File::from_bytes(lm->bytes, "synthetic.gguf"));
    lm->prompt = {1, 7, 19, 3, 42};
  } else {
    lm->file.emplace(gguf::File::open(testutil::model_path(t.name)));
    lm->prompt = testutil::read_token_file(testutil::ref_path(t.prompt_prefix + "_p9.tokens.txt"));
  }
  lm->model.emplace(model::Model::load(*lm->file));
  return lm;
}

class Offload : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(Offload, EveryBitLinearOnTheDeviceAndBitIdenticalToTheCpu) {
  const std::string device = GetParam();
  kernels::ThreadPool pool(2);
  sched::CpuBackend cpu(pool);
  for (const TestModel& t : kModels) {
    const auto lm = load(t);
    const ModelRun want = run_model(*lm->model, cpu, cpu, pool, lm->prompt, kDecodeSteps);
    for (const auto format : {driver::WeightFormat::T5, driver::WeightFormat::T2}) {
      Subject s = open_subject(device, format);
      const ModelRun got = run_model(*lm->model, *s.accel, cpu, pool, lm->prompt, kDecodeSteps);
      const std::string what = fmt::format("{} on {} in {} ({})", t.name, device, regs::to_string(format),
                                           got.placement.summary());
      // Placement: all of them, none on the CPU.
      EXPECT_EQ(got.placement.on_device, got.placement.total) << what;
      EXPECT_EQ(got.placement.fallback, 0) << what;
      EXPECT_EQ(got.placement.total, static_cast<int>(lm->model->linears().size())) << what;
      const sched::AccelStats st = s.accel->stats();
      // Prefill and each decode step: one submission per group (q/k/v, o, gate/up, down).
      const uint64_t groups = 4 * static_cast<uint64_t>(lm->model->hparams().n_layer);
      EXPECT_EQ(st.submissions, groups * (1 + kDecodeSteps)) << what;
      EXPECT_GE(st.gemms, 7 * static_cast<uint64_t>(lm->model->hparams().n_layer) * (1 + kDecodeSteps)) << what;
      if (t.synthetic) {
        // ffn_down's K exceeds k_max here: it runs in K segments, summed exactly on the host.
        EXPECT_GT(kWideK, s.accel->config().k_max) << what;
        const driver::MatrixWeights* down = s.accel->device_matrix(lm->model->layers()[0].ffn_down.w);
        ASSERT_NE(down, nullptr) << what;
        EXPECT_GE(down->parts.size(), 2u) << what;
        EXPECT_EQ(st.split_matrices, 1u) << what;
      }
      ASSERT_EQ(got.prefill.size(), want.prefill.size()) << what;
      EXPECT_EQ(std::memcmp(got.prefill.data(), want.prefill.data(), want.prefill.size() * 4), 0)
          << what << ": prefill logits differ from the CPU run";
      EXPECT_EQ(got.tokens, want.tokens) << what;
      ASSERT_EQ(got.decode.size(), want.decode.size()) << what;
      EXPECT_EQ(std::memcmp(got.decode.data(), want.decode.data(), want.decode.size() * 4), 0)
          << what << ": decode logits differ from the CPU run";
      std::printf("[ offload  ] %s: %llu submissions, %llu descriptors, %llu busy device cycles\n", what.c_str(),
                  static_cast<unsigned long long>(st.submissions), static_cast<unsigned long long>(st.gemms),
                  static_cast<unsigned long long>(st.counters[regs::Counter::BUSY]));
      if (device.starts_with("fpga")) {
        ASSERT_NE(s.board, nullptr);
        EXPECT_TRUE(s.board->model_error().empty()) << s.board->model_error();
      }

      // Against the oracle that ran these very files (quantised-path tolerance of its README).
      std::optional<std::string> oracle;
      if (t.name == "tiny_i2_s.gguf") oracle = "tiny_i2_s_bncpp_p9.logits.f32";
      if (t.name == "tiny-bitnet_tq2_0.gguf") oracle = "tiny-bitnet_tq2_0_p9.logits.f32";
      if (oracle && format == driver::WeightFormat::T5) {
        const auto ref = testutil::read_f32_file(testutil::ref_path(*oracle));
        const testutil::LogitStats ls = testutil::compare_logits(ref, got.prefill, kRefVocab, 0.1);
        EXPECT_GE(ls.min_cos, 0.995) << what << " vs " << *oracle << ": " << ls.summary();
        EXPECT_GE(ls.top1_rate(), 0.9) << what << " vs " << *oracle << ": " << ls.summary();
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Devices, Offload, ::testing::ValuesIn(accelerator_devices()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (char& ch : n)
                             if (ch == ':') ch = '_';
                           return n;
                         });

// A device asked for is a device used: float-stored BitLinears cannot run on the accelerator,
// so the session refuses, naming the first one and the way out; allowed to fall back, it runs
// them on the CPU, says so, and gives the CPU run's logits.
TEST(Placement, UnsupportedWeightsStopTheRunUnlessFallbackIsAllowed) {
  kernels::ThreadPool pool(2);
  sched::CpuBackend cpu(pool);
  const gguf::File file = gguf::File::open(testutil::model_path("tiny_f32.gguf"));
  const model::Model m = model::Model::load(file);
  auto ref = sched::make_accel_backend("ref", {});
  try {
    runtime::Session s(m, *ref, cpu, pool);
    FAIL() << "a session with F32 BitLinears on ref was created: " << s.placement_summary();
  } catch (const runtime::PlacementError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("--device ref"), std::string::npos) << msg;
    EXPECT_NE(msg.find("blk.0.attn_q.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("F32 weights are not ternary"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--allow-cpu-fallback"), std::string::npos) << msg;
  }
  EXPECT_EQ(ref->stats().gemms, 0u);

  const auto prompt = testutil::read_token_file(testutil::ref_path("tiny_p9.tokens.txt"));
  runtime::SessionOptions opt;
  opt.allow_cpu_fallback = true;
  runtime::Session mixed(m, *ref, cpu, pool, opt);
  const runtime::Placement& p = mixed.placement();
  EXPECT_EQ(p.total, 21);
  EXPECT_EQ(p.on_device, 0);
  EXPECT_EQ(p.fallback, 21);
  EXPECT_NE(p.summary().find("placement: 0 of 21 BitLinears on ref, 21 on the CPU"), std::string::npos)
      << p.summary();
  EXPECT_NE(p.summary().find("F32 weights are not ternary"), std::string::npos) << p.summary();
  const std::vector<float> got = mixed.eval(prompt, true);
  runtime::Session alone(m, cpu, cpu, pool);
  EXPECT_EQ(alone.placement().on_device, 21);
  const std::vector<float> want = alone.eval(prompt, true);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * 4), 0);
}
