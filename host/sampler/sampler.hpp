// Next-token sampling with llama.cpp's knobs and order:
//   repetition penalty -> (greedy if temp <= 0) -> top-k -> top-p -> min-p -> temperature ->
//   draw from the seeded generator.
// The repetition penalty divides positive logits and multiplies negative ones of every token
// seen in the last `repeat_last_n` accepted tokens (llama.cpp's rule). Everything is
// deterministic for a given seed.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <stdexcept>

namespace trit::sampler {

class Error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct Params {
  float temp = 0.8f;            // <= 0: greedy (argmax, lowest id wins ties)
  int top_k = 40;               // <= 0: off
  float top_p = 0.95f;          // >= 1: off
  float min_p = 0.05f;          // <= 0: off
  float repeat_penalty = 1.0f;  // 1: off
  int repeat_last_n = 64;       // how many recent tokens the penalty looks at
  uint64_t seed = 0;
};

class Sampler {
 public:
  // Throws Error for parameters outside their ranges (negative penalty, top_p < 0, ...).
  explicit Sampler(const Params& p);

  // Picks a token from `logits` (one row of n_vocab) given the accepted history.
  int32_t sample(std::span<const float> logits);
  // Records a token (prompt or generated) for the repetition penalty.
  void accept(int32_t token);
  void reset_history() { history_.clear(); }
  const Params& params() const { return p_; }

 private:
  Params p_;
  std::mt19937_64 rng_;
  std::deque<int32_t> history_;
};

}  // namespace trit::sampler
