// Model features the reference files do not exercise, on synthetic models built by
// model_builder: mainline's `*.scale` tensors, biases, an untied output head, rope_freqs,
// BF16 weights, the metadata checks, and the scheduler seam with a second device.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "gguf/reader.hpp"
#include "gguf/tensor_decode.hpp"
#include "gguf/writer.hpp"
#include "kernels/ternary_gemm.hpp"
#include "kernels/thread_pool.hpp"
#include "model/model.hpp"
#include "runtime/session.hpp"
#include "model_builder.hpp"
#include "sched/cpu_backend.hpp"
#include "testutil.hpp"

using namespace trit;
using testutil::SynthSpec;

namespace {

const std::vector<int32_t> kPrompt = {1, 5, 9, 30, 2, 17, 4};

struct Loaded {
  gguf::File file;
  model::Model model;
  explicit Loaded(const SynthSpec& s, model::ModelOptions opt = {})
      : file(gguf::File::from_bytes(testutil::build_synthetic_model(s), "synthetic.gguf")),
        model(model::Model::load(file, opt)) {}
};

std::vector<float> logits(const model::Model& m, sched::BitLinearBackend* device = nullptr) {
  kernels::ThreadPool pool(2);
  sched::CpuBackend cpu(pool);
  runtime::Session s(m, device ? *device : cpu, cpu, pool);
  return s.eval(kPrompt, true);
}

double max_abs_rel(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0, ref = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    m = std::max(m, std::fabs(double(a[i]) - b[i]));
    ref = std::max(ref, std::fabs(double(a[i])));
  }
  return m / ref;
}

}  // namespace

TEST(ModelSynthetic, ScaleTensorsEqualFoldedScales) {
  // The same codes and scales, once folded into the weights and once as `bitnet` `.scale`
  // tensors multiplied onto the matmul outputs.
  for (uint32_t type : {0u, 36u, 35u}) {
    SCOPED_TRACE(gguf::type_name(type));
    SynthSpec s;
    s.arch = "bitnet";
    s.weight_type = type;
    const Loaded folded(s);
    s.scale_tensors = true;
    const Loaded separate(s);
    EXPECT_TRUE(separate.model.layers()[0].wq.has_out_scale);
    EXPECT_LE(max_abs_rel(logits(folded.model), logits(separate.model)), 1e-5);
  }
}

TEST(ModelSynthetic, MixedTernaryTypesInOneGroupEqualOneType) {
  // A file may store the weights that share an input (q/k/v, gate/up) in different ternary
  // types; the CPU device repacks 2-bit and 1.6-bit types into layouts of different padded
  // widths (a fuzzer finding threw here). Same codes and scales: the logits of one type.
  SynthSpec s;
  s.weight_type = 36;  // I2_S
  const auto one_type = logits(Loaded(s).model);
  s.weight_type_of = {{"blk.0.attn_k", 34}, {"blk.0.ffn_up", 134}, {"blk.0.attn_v", 35}};  // TQ1_0, IQ1_BN, TQ2_0
  const Loaded mixed(s);
  EXPECT_EQ(mixed.model.layers()[0].wk.w.type_id(), 34u);
  EXPECT_EQ(logits(mixed.model), one_type);
}

TEST(ModelSynthetic, UntiedHeadAndUnitRopeFreqsChangeNothing) {
  SynthSpec s;
  const Loaded base(s);
  EXPECT_TRUE(base.model.tied_output());
  s.untied_output = true;
  const Loaded untied(s);
  EXPECT_FALSE(untied.model.tied_output());
  EXPECT_EQ(logits(base.model), logits(untied.model));
  s.untied_output = false;
  s.rope_freqs = true;
  const Loaded freqs(s);
  EXPECT_EQ(freqs.model.rope_freq_factors().size(), 32u);
  EXPECT_EQ(logits(base.model), logits(freqs.model));
}

TEST(ModelSynthetic, BiasesAreAddedToTheMatmul) {
  // Vcur = attn_norm(x) Wv^T + bv, checked in double from the dumped input and the file.
  SynthSpec s;
  s.biases = true;
  const Loaded m(s);
  std::map<std::string, std::vector<float>> dumps;
  kernels::ThreadPool pool(1);
  sched::CpuBackend cpu(pool);
  runtime::Session sess(m.model, cpu, cpu, pool);
  sess.set_dump_hook([&](std::string_view name, int layer, const float* d, int64_t rows, int64_t cols) {
    if (layer == 0) dumps[std::string(name)].assign(d, d + rows * cols);
  });
  sess.eval(kPrompt, false);
  const auto& h = dumps.at("attn_norm");
  const auto& v = dumps.at("Vcur");
  const model::Linear& wv = m.model.layers()[0].wv;
  ASSERT_EQ(wv.bias.size(), 128u);
  const int64_t K = wv.w.cols(), N = wv.w.rows();
  std::vector<float> row(static_cast<size_t>(K));
  for (int64_t n = 0; n < N; ++n) {
    wv.w.row_f32(n, row.data());
    for (size_t t = 0; t < kPrompt.size(); ++t) {
      double e = wv.bias[static_cast<size_t>(n)];
      for (int64_t k = 0; k < K; ++k) e += double(h[t * static_cast<size_t>(K) + static_cast<size_t>(k)]) * row[static_cast<size_t>(k)];
      ASSERT_NEAR(v[t * static_cast<size_t>(N) + static_cast<size_t>(n)], e, 1e-5) << n;
    }
  }
  // Every named intermediate of the llama.cpp graph was reported.
  for (const char* name : {"attn_norm", "Qcur", "Kcur", "Vcur", "kqv_out", "attn_sub_norm", "attn_o_out", "ffn_inp",
                           "ffn_norm", "ffn_sub_out", "ffn_sub_norm", "ffn_down", "l_out"})
    EXPECT_TRUE(dumps.count(name)) << name;
}

TEST(ModelSynthetic, FloatTypesAgree) {
  // F16 and BF16 hold the same fp16-exact weights as F32: the float path gives the same logits.
  SynthSpec s;
  const auto ref = logits(Loaded(s).model);
  s.weight_type = 1;
  EXPECT_EQ(logits(Loaded(s).model), ref);
  s.weight_type = 30;
  EXPECT_EQ(logits(Loaded(s).model), ref);
}

// A second device for the scheduler seam: it accepts only matrices with at most 128 rows,
// records what it was given, and computes with the reference kernel and the shared rescale.
class SmallMatrixDevice final : public sched::BitLinearBackend {
 public:
  std::string_view name() const override { return "small"; }
  std::string unsupported(const model::Matrix& w) const override {
    if (!w.offloadable()) return w.not_offloadable_reason();
    return w.rows() <= 128 ? "" : "it has more than 128 rows";
  }
  void prepare(const model::Matrix& w) override {
    std::vector<int8_t>& codes = packed_[&w];
    codes.resize(static_cast<size_t>(w.rows() * w.cols()));
    for (int64_t n = 0; n < w.rows(); ++n) w.row_codes(n, codes.data() + n * w.cols());
  }
  void gemm(const model::Matrix& w, const int8_t* X, int64_t M, int32_t* Y) override {
    const auto& codes = packed_.at(&w);  // throws if gemm comes before prepare
    kernels::gemm_i8_ternary_ref(M, w.rows(), w.cols(), X, w.cols(), codes.data(), w.cols(), Y, w.rows());
  }
  void run(std::span<const Job> jobs, const int8_t* X, const float* x_scale, int64_t M) override {
    ++calls;
    jobs_per_call.push_back(jobs.size());
    for (const Job& j : jobs) {
      std::vector<int32_t> acc(static_cast<size_t>(M * j.w->rows()));
      gemm(*j.w, X, M, acc.data());
      for (int64_t m = 0; m < M; ++m)
        kernels::rescale_i32(acc.data() + m * j.w->rows(), j.w->rows(), x_scale[m], j.w->row_scales(),
                             j.y + m * j.w->rows());
    }
  }
  size_t prepared() const { return packed_.size(); }
  int calls = 0;
  std::vector<size_t> jobs_per_call;

 private:
  std::map<const model::Matrix*, std::vector<int8_t>> packed_;
};

TEST(ModelSynthetic, ADeviceRunsEverythingOrTheSessionStops) {
  SynthSpec s;
  s.weight_type = 36;  // I2_S
  s.n_layer = 2;
  const Loaded m(s);
  SmallMatrixDevice dev;
  kernels::ThreadPool pool(2);
  sched::CpuBackend cpu(pool);
  try {
    runtime::Session refused(m.model, dev, cpu, pool);
    ADD_FAILURE() << "the session placed every BitLinear on a device that takes only attn_k/attn_v";
  } catch (const runtime::PlacementError& e) {
    EXPECT_NE(std::string(e.what()).find("--device small: BitLinear blk.0.attn_q.weight (256 x 256) cannot run "
                                         "there: it has more than 128 rows"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(dev.prepared(), 0u) << "nothing is uploaded for a session that is refused";
}

TEST(ModelSynthetic, WithFallbackASecondDeviceTakesWhatItSupportsBitExactlyInGroups) {
  SynthSpec s;
  s.weight_type = 36;  // I2_S
  s.n_layer = 2;
  const Loaded m(s);
  SmallMatrixDevice dev;
  const auto on_cpu = logits(m.model);
  kernels::ThreadPool pool(2);
  sched::CpuBackend cpu(pool);
  runtime::SessionOptions opt;
  opt.allow_cpu_fallback = true;
  runtime::Session session(m.model, dev, cpu, pool, opt);
  EXPECT_EQ(session.placement().on_device, 4);
  EXPECT_EQ(session.placement().fallback, 10);
  EXPECT_EQ(session.placement().summary(),
            "placement: 4 of 14 BitLinears on small, 10 on the CPU (--allow-cpu-fallback): 10 because it has more "
            "than 128 rows");
  const auto split = session.eval(kPrompt, true);
  EXPECT_EQ(split, on_cpu);          // the integer product is the same on every device
  EXPECT_EQ(dev.prepared(), 4u);     // attn_k and attn_v (128 rows) of both layers
  EXPECT_EQ(dev.calls, 2);           // k and v of a layer share their input: one call per layer
  EXPECT_EQ(dev.jobs_per_call, (std::vector<size_t>{2, 2}));
}

TEST(ModelSynthetic, MetadataErrorsNameTheKey) {
  auto load_with = [](const std::function<void(gguf::Writer&)>& edit) {
    gguf::Writer w;
    edit(w);
    const gguf::File f = gguf::File::from_bytes(w.finish(), "m.gguf");
    return model::Model::load(f);
  };
  auto expect = [&](const std::function<void(gguf::Writer&)>& edit, const std::string& needle) {
    try {
      load_with(edit);
      ADD_FAILURE() << "expected model::Error with " << needle;
    } catch (const model::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect([](gguf::Writer&) {}, "m.gguf: missing metadata key 'general.architecture'");
  expect([](gguf::Writer& w) { w.add_string("general.architecture", "llama"); }, "unsupported model architecture 'llama'");
  expect([](gguf::Writer& w) { w.add_string("general.architecture", "bitnet-25"); },
         "missing metadata key 'bitnet-25.embedding_length'");
  expect(
      [](gguf::Writer& w) {
        w.add_string("general.architecture", "bitnet");
        w.add_string("bitnet.embedding_length", "512");
      },
      "metadata key 'bitnet.embedding_length': expected an integer, found string");
  // A `bitnet` header with the sizes set, then what each case adds.
  auto sizes = [](gguf::Writer& w, uint32_t heads) {
    w.add_string("general.architecture", "bitnet");
    for (const char* k : {"embedding_length", "block_count", "feed_forward_length", "context_length"})
      w.add_u32(std::string("bitnet.") + k, 64);
    w.add_u32("bitnet.attention.head_count", heads);
  };
  expect([&](gguf::Writer& w) { sizes(w, 3); }, "embedding_length 64 is not a multiple of head_count 3");
  expect([&](gguf::Writer& w) { sizes(w, 4); }, "missing metadata key 'bitnet.attention.layer_norm_rms_epsilon'");
  expect(
      [&](gguf::Writer& w) {
        sizes(w, 4);
        w.add_f32("bitnet.attention.layer_norm_rms_epsilon", 1e-5f);
        w.add_string("bitnet.rope.scaling.type", "yarn");
      },
      "rope.scaling.type 'yarn' is not supported");
}

TEST(ModelSynthetic, NonFiniteWeightsAreReportedNotSampled) {
  SynthSpec s;
  auto bytes = testutil::build_synthetic_model(s);
  {
    const gguf::File f = gguf::File::view_of(bytes);
    const auto at = static_cast<size_t>(f.tensor("output_norm.weight").data - bytes.data());
    const float nan = std::nanf("");
    std::memcpy(&bytes[at], &nan, 4);
  }
  const gguf::File f = gguf::File::from_bytes(bytes);
  const model::Model m = model::Model::load(f);
  try {
    logits(m);
    ADD_FAILURE() << "NaN weights must not produce logits";
  } catch (const model::Error& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite logit at position 0"), std::string::npos) << e.what();
  }
}
