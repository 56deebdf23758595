#include "sampler/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

namespace trit::sampler {

namespace {

struct Candidate {
  int32_t id;
  float logit;
  float p = 0;
};

// Sorts by logit (descending, lower id first on ties) and fills p with the softmax.
void sort_softmax(std::vector<Candidate>& c) {
  std::sort(c.begin(), c.end(), [](const Candidate& a, const Candidate& b) {
    return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
  });
  const float max = c.front().logit;
  double sum = 0;
  for (auto& x : c) {
    x.p = std::exp(x.logit - max);
    sum += x.p;
  }
  for (auto& x : c) x.p = static_cast<float>(x.p / sum);
}

}  // namespace

Sampler::Sampler(const Params& p) : p_(p), rng_(p.seed) {
  if (!(p.repeat_penalty > 0)) throw Error("--repeat-penalty must be positive, got " + std::to_string(p.repeat_penalty));
  if (p.repeat_last_n < 0) throw Error("the repetition window must not be negative");
  if (!(p.top_p >= 0)) throw Error("--top-p must be in [0, 1], got " + std::to_string(p.top_p));
  if (!(p.min_p >= 0 && p.min_p <= 1)) throw Error("--min-p must be in [0, 1], got " + std::to_string(p.min_p));
  if (std::isnan(p.temp)) throw Error("--temp must be a number");
}

void Sampler::accept(int32_t token) {
  if (p_.repeat_last_n == 0) return;
  history_.push_back(token);
  while (history_.size() > static_cast<size_t>(p_.repeat_last_n)) history_.pop_front();
}

int32_t Sampler::sample(std::span<const float> logits) {
  if (logits.empty()) throw Error("cannot sample from an empty vocabulary");
  // NaN would break the orderings below; the forward pass already refuses non-finite logits.
  for (size_t i = 0; i < logits.size(); ++i)
    if (std::isnan(logits[i])) throw Error("logit " + std::to_string(i) + " is NaN");
  std::vector<Candidate> c(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) c[i] = {static_cast<int32_t>(i), logits[i]};

  if (p_.repeat_penalty != 1.0f) {
    const std::unordered_set<int32_t> seen(history_.begin(), history_.end());
    for (int32_t id : seen) {
      if (id < 0 || static_cast<size_t>(id) >= c.size()) continue;
      float& l = c[static_cast<size_t>(id)].logit;
      l = l > 0 ? l / p_.repeat_penalty : l * p_.repeat_penalty;
    }
  }

  if (p_.temp <= 0) {
    const auto best = std::max_element(c.begin(), c.end(), [](const Candidate& a, const Candidate& b) {
      return a.logit < b.logit;  // first maximum: lowest id wins ties
    });
    return best->id;
  }

  if (p_.top_k > 0 && static_cast<size_t>(p_.top_k) < c.size()) {
    std::partial_sort(c.begin(), c.begin() + p_.top_k, c.end(), [](const Candidate& a, const Candidate& b) {
      return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
    });
    c.resize(static_cast<size_t>(p_.top_k));
  }
  sort_softmax(c);

  if (p_.top_p < 1.0f) {
    // Smallest prefix whose probability reaches top_p (at least one token).
    double cum = 0;
    size_t keep = c.size();
    for (size_t i = 0; i < c.size(); ++i) {
      cum += c[i].p;
      if (cum >= p_.top_p) {
        keep = i + 1;
        break;
      }
    }
    c.resize(keep);
  }
  if (p_.min_p > 0) {
    const float floor = p_.min_p * c.front().p;
    size_t keep = 1;
    while (keep < c.size() && c[keep].p >= floor) ++keep;
    c.resize(keep);
  }

  for (auto& x : c) x.logit /= p_.temp;
  sort_softmax(c);

  // Inverse CDF with a 53-bit uniform draw: identical on every platform for a given seed.
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  double cum = 0;
  for (const auto& x : c) {
    cum += x.p;
    if (u < cum) return x.id;
  }
  return c.back().id;
}

}  // namespace trit::sampler
