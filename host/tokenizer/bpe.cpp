// Byte-level BPE (the "gpt2" tokenizer model).
//
// Per pre-token: map its bytes to their GPT-2 image characters; if the whole image is a piece
// and the pre-tokenizer asks for it ("ignore merges", Llama 3), emit it; otherwise start from
// one symbol per byte and repeatedly apply the lowest-ranked merge among adjacent pairs
// (leftmost first on ties). Candidates live in a min-heap and are checked for staleness when
// popped, so a pre-token of n bytes costs O(n log n), not the O(n^2) of rescanning all pairs.
#include <queue>
#include <string>
#include <vector>

#include "tokenizer/byte_level.hpp"
#include "tokenizer/model.hpp"

namespace trit::tokenizer::detail {

namespace {

struct Candidate {
  int32_t rank;
  int32_t left;  // symbol index
  TokenId left_id;
  TokenId right_id;
  TokenId result;
};

struct LaterFirst {  // priority_queue keeps the "largest": make that the lowest rank, leftmost
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank != b.rank ? a.rank > b.rank : a.left > b.left;
  }
};

constexpr TokenId kMerged = -2;  // symbol absorbed into its left neighbour

class WordEncoder {
 public:
  explicit WordEncoder(const Model& model) : model_(model) {}

  void encode(std::string_view word, std::vector<TokenId>& out) {
    image_.clear();
    byte_level::encode(word, image_);
    if (model_.ignore_merges) {
      if (const TokenId whole = model_.lookup(image_); whole >= 0) {
        out.push_back(whole);
        return;
      }
    }

    const int n = static_cast<int>(word.size());
    ids_.resize(n);
    next_.resize(n);
    prev_.resize(n);
    for (int i = 0; i < n; ++i) {
      ids_[i] = model_.byte_token[static_cast<uint8_t>(word[i])];
      prev_[i] = i - 1;
      next_[i] = i + 1 < n ? i + 1 : -1;
    }
    heap_ = {};
    for (int i = 0; i + 1 < n; ++i) push_candidate(i, i + 1);

    while (!heap_.empty()) {
      const Candidate c = heap_.top();
      heap_.pop();
      const int right = next_[c.left];
      // Stale: either side changed since the candidate was made (ids only ever grow longer,
      // so an unchanged id means an unchanged symbol).
      if (ids_[c.left] != c.left_id || right < 0 || ids_[right] != c.right_id) continue;
      ids_[c.left] = c.result;
      ids_[right] = kMerged;
      next_[c.left] = next_[right];
      if (next_[right] >= 0) prev_[next_[right]] = c.left;
      push_candidate(prev_[c.left], c.left);
      push_candidate(c.left, next_[c.left]);
    }

    for (int i = 0; i >= 0 && i < n; i = next_[i]) {
      out.push_back(ids_[i] >= 0 ? ids_[i] : model_.fallback_for_byte(static_cast<uint8_t>(word[i])));
    }
  }

 private:
  void push_candidate(int left, int right) {
    if (left < 0 || right < 0 || ids_[left] < 0 || ids_[right] < 0) return;
    const Merge* merge = model_.merges.find(ids_[left], ids_[right]);
    if (merge == nullptr) return;
    heap_.push({merge->rank, left, ids_[left], ids_[right], merge->result});
  }

  const Model& model_;
  std::string image_;
  std::vector<TokenId> ids_;  // [n_symbols] current token of each symbol, kMerged if absorbed
  std::vector<int> next_, prev_;
  std::priority_queue<Candidate, std::vector<Candidate>, LaterFirst> heap_;
};

}  // namespace

void encode_bpe(const Model& model, std::string_view text, std::vector<TokenId>& out) {
  std::vector<std::string_view> words;
  model.pretokenizer->split(text, words);
  WordEncoder encoder(model);
  for (std::string_view word : words) encoder.encode(word, out);
}

}  // namespace trit::tokenizer::detail
