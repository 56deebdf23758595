// The opt-in quantised LM head (ModelOptions::quantize_head) on the reference models: logits stay
// within the accuracy of Q8_0 weights and activations of the F16 head's, and the greedy choice
// only changes where the F16 head's own top-1 margin is tiny.
#include <gtest/gtest.h>

#include "gguf/reader.hpp"
#include "model/model.hpp"
#include "runtime/session.hpp"
#include "sched/cpu_backend.hpp"
#include "testutil.hpp"

using namespace trit;

TEST(QuantizedHead, LogitsStayCloseToTheFloatHead) {
  const gguf::File file = gguf::File::open(testutil::model_path("tiny_i2_s.gguf"));
  const model::Model f16 = model::Model::load(file);
  model::ModelOptions opt;
  opt.quantize_head = true;
  const model::Model q8 = model::Model::load(file, opt);
  ASSERT_EQ(f16.output_q8(), nullptr);
  ASSERT_NE(q8.output_q8(), nullptr);
  EXPECT_LT(q8.output_q8()->bytes(), f16.output().info().n_bytes * 55 / 100);  // 8.5 of 16 bits
  kernels::ThreadPool pool(2);
  sched::CpuBackend cpu(pool);
  const auto prompt = testutil::read_token_file(testutil::ref_path("tiny_p40.tokens.txt"));
  runtime::Session a(f16, cpu, cpu, pool), b(q8, cpu, cpu, pool);
  const auto ref = a.eval(prompt, true), got = b.eval(prompt, true);
  const int n_vocab = static_cast<int>(f16.hparams().n_vocab);
  const testutil::LogitStats s = testutil::compare_logits(ref, got, n_vocab, 0.05);
  std::printf("[q8 head] max_abs %.3g (rel %.3g) min_cos %.7f top1 %d/%d\n", s.max_abs, s.max_abs_rel, s.min_cos,
              s.top1_agree, s.rows_checked_top1);
  EXPECT_GE(s.min_cos, 0.9999);
  EXPECT_LE(s.max_abs_rel, 0.01);
  EXPECT_EQ(s.top1_agree, s.rows_checked_top1);
}
