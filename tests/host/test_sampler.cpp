// Sampler: each knob against its definition (llama.cpp's semantics), on hand-made logits.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "sampler/sampler.hpp"

using trit::sampler::Params;
using trit::sampler::Sampler;

namespace {
Params plain(float temp) {
  Params p;
  p.temp = temp;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.repeat_penalty = 1.0f;
  p.seed = 42;
  return p;
}
std::map<int32_t, int> histogram(Sampler& s, const std::vector<float>& logits, int n) {
  std::map<int32_t, int> h;
  for (int i = 0; i < n; ++i) ++h[s.sample(logits)];
  return h;
}
// log of probabilities: softmax(logits) = probs exactly.
std::vector<float> logits_of(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
  return l;
}
}  // namespace

TEST(Sampler, GreedyTakesTheFirstMaximum) {
  Sampler s(plain(0));
  EXPECT_EQ(s.sample(std::vector<float>{0.1f, 3.0f, -1.0f, 3.0f}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{5.0f}), 0);
}

TEST(Sampler, TopKOneIsGreedy) {
  Params p = plain(1.5f);
  p.top_k = 1;
  Sampler s(p);
  const std::vector<float> l = {0.1f, 0.2f, 0.9f, 0.3f};
  for (int i = 0; i < 100; ++i) ASSERT_EQ(s.sample(l), 2);
}

TEST(Sampler, SameSeedSameDraws) {
  const std::vector<float> l = logits_of({0.25, 0.25, 0.25, 0.25});
  Sampler a(plain(1)), b(plain(1));
  Params other = plain(1);
  other.seed = 43;
  Sampler c(other);
  std::vector<int32_t> da, db, dc;
  for (int i = 0; i < 64; ++i) {
    da.push_back(a.sample(l));
    db.push_back(b.sample(l));
    dc.push_back(c.sample(l));
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST(Sampler, TemperatureOneFollowsTheSoftmax) {
  const std::vector<double> probs = {0.5, 0.3, 0.15, 0.05};
  Sampler s(plain(1));
  const int n = 20000;
  auto h = histogram(s, logits_of(probs), n);
  for (size_t i = 0; i < probs.size(); ++i)
    EXPECT_NEAR(h[static_cast<int32_t>(i)] / double(n), probs[i], 0.015) << i;
}

TEST(Sampler, TemperatureSharpens) {
  // temp 0.5 squares the probabilities before renormalising: 0.6/0.4 -> 0.36/0.16 -> 0.692.
  Sampler s(plain(0.5f));
  const int n = 20000;
  auto h = histogram(s, logits_of({0.6, 0.4}), n);
  EXPECT_NEAR(h[0] / double(n), 0.36 / 0.52, 0.015);
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  Params p = plain(1);
  p.top_p = 0.75f;  // 0.5 + 0.3 reaches 0.75, 0.5 alone does not: ids 0 and 1, as 0.625/0.375
  Sampler s(p);
  const int n = 20000;
  auto h = histogram(s, logits_of({0.5, 0.3, 0.15, 0.05}), n);
  EXPECT_EQ(h.count(2) + h.count(3), 0u);
  EXPECT_NEAR(h[0] / double(n), 0.625, 0.015);
}

TEST(Sampler, MinPDropsTokensBelowAFractionOfTheBest) {
  Params p = plain(1);
  p.min_p = 0.4f;  // floor 0.2: keeps 0.5 and 0.3
  Sampler s(p);
  auto h = histogram(s, logits_of({0.5, 0.3, 0.15, 0.05}), 5000);
  EXPECT_EQ(h.count(2) + h.count(3), 0u);
  EXPECT_GT(h[1], 0);
}

TEST(Sampler, TopKKeepsTheKBest) {
  Params p = plain(1);
  p.top_k = 2;
  Sampler s(p);
  auto h = histogram(s, logits_of({0.1, 0.4, 0.2, 0.3}), 5000);
  EXPECT_EQ(h.count(0) + h.count(2), 0u);
  EXPECT_NEAR(h[1] / 5000.0, 4.0 / 7.0, 0.03);
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  Params p = plain(0);
  p.repeat_penalty = 1.5f;
  Sampler s(p);
  s.accept(0);
  EXPECT_EQ(s.sample(std::vector<float>{2.0f, 1.9f}), 1);    // 2 / 1.5 = 1.33 < 1.9
  EXPECT_EQ(s.sample(std::vector<float>{2.0f, 1.2f}), 0);    // 1.33 > 1.2
  EXPECT_EQ(s.sample(std::vector<float>{-1.0f, -1.2f}), 1);  // -1.5 < -1.2
  p.repeat_last_n = 1;
  Sampler window(p);
  window.accept(0);
  window.accept(1);  // 0 has left the window of one token
  EXPECT_EQ(window.sample(std::vector<float>{2.0f, 1.9f}), 0);
}

TEST(Sampler, RejectsInvalidParameters) {
  Params p = plain(1);
  p.repeat_penalty = 0;
  EXPECT_THROW(Sampler{p}, trit::sampler::Error);
  p = plain(1);
  p.min_p = 2;
  EXPECT_THROW(Sampler{p}, trit::sampler::Error);
  p = plain(1);
  p.top_p = -0.5f;
  EXPECT_THROW(Sampler{p}, trit::sampler::Error);
  Sampler s(plain(1));
  EXPECT_THROW(s.sample(std::vector<float>{}), trit::sampler::Error);
}
