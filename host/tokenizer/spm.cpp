// SentencePiece-style BPE (the "llama" tokenizer model), as llama.cpp implements it.
//
// Start from one symbol per UTF-8 character (length from the lead byte, so stray bytes are
// one-byte symbols); repeatedly merge the adjacent pair whose concatenation is a piece with
// the highest score (leftmost first on ties); then emit each symbol's piece, or its bytes as
// <0xNN> byte tokens when it is not a piece (byte fallback), or <unk> without byte tokens.
#include <queue>
#include <string_view>
#include <vector>

#include "tokenizer/model.hpp"

namespace trit::tokenizer::detail {

namespace {

// Length of a UTF-8 sequence from its lead byte alone (no validation: the bytes of an
// ill-formed sequence still reach the output through byte fallback).
size_t lead_length(uint8_t b) {
  if (b < 0xC0) return 1;
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 3;
  return 4;
}

struct Symbol {
  size_t begin;
  size_t size;  // 0 once merged into the left neighbour
  int prev;
  int next;
};

struct Candidate {
  float score;
  int left;
  int right;
  size_t size;  // byte length of the merged text: detects stale candidates
};

struct BestFirst {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.score != b.score ? a.score < b.score : a.left > b.left;
  }
};

}  // namespace

void encode_spm(const Model& model, std::string_view text, std::vector<TokenId>& out) {
  std::vector<Symbol> symbols;
  for (size_t pos = 0; pos < text.size();) {
    const size_t n = std::min(lead_length(static_cast<uint8_t>(text[pos])), text.size() - pos);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({pos, n, index - 1, pos + n < text.size() ? index + 1 : -1});
    pos += n;
  }
  if (symbols.empty()) return;

  std::priority_queue<Candidate, std::vector<Candidate>, BestFirst> heap;
  auto try_pair = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const size_t size = symbols[left].size + symbols[right].size;
    const TokenId id = model.lookup(text.substr(symbols[left].begin, size));
    if (id < 0) return;
    heap.push({model.scores[id], left, right, size});
  };
  for (int i = 0; i + 1 < static_cast<int>(symbols.size()); ++i) try_pair(i, i + 1);

  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    Symbol& left = symbols[c.left];
    Symbol& right = symbols[c.right];
    if (left.size == 0 || right.size == 0 || left.size + right.size != c.size) continue;
    left.size += right.size;
    right.size = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = c.left;
    try_pair(left.prev, c.left);
    try_pair(c.left, left.next);
  }

  for (int i = 0; i >= 0; i = symbols[i].next) {
    const std::string_view piece = text.substr(symbols[i].begin, symbols[i].size);
    if (const TokenId id = model.lookup(piece); id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char byte : piece) out.push_back(model.fallback_for_byte(static_cast<uint8_t>(byte)));
  }
}

}  // namespace trit::tokenizer::detail
