// Internal: the vocabulary after validation, with its lookup tables. Shared by tokenizer.cpp
// (construction, special tokens, decoding), bpe.cpp and spm.cpp (the two encoders).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat.hpp"
#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/vocab.hpp"

namespace trit::tokenizer::detail {

// One BPE merge: the pair (left, right) becomes `result`; lower rank merges first.
struct Merge {
  int32_t rank;
  TokenId result;
};

inline uint64_t merge_key(TokenId left, TokenId right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

// Open-addressing hash tables (linear probing, power-of-two size, load <= 1/2). The vocabulary
// needs ~0.4 M lookups and 0.3 M inserts at load; node-based std::unordered_map spends most of
// that time chasing pointers and allocating, these spend one or two cache misses per probe.

// Piece text -> id. Slots hold ids; the text lives in the token vector it indexes.
class TokenIndex {
 public:
  void build(const std::vector<std::string>& tokens);
  TokenId find(std::string_view text) const;

 private:
  const std::vector<std::string>* tokens_ = nullptr;
  std::vector<TokenId> slots_;  // -1 = empty
  size_t mask_ = 0;
};

// (left id, right id) -> merge.
class MergeTable {
 public:
  void reserve(size_t n);
  // Keeps the first insertion of a key (the lowest rank). Returns false if it was present.
  bool insert(TokenId left, TokenId right, Merge merge);
  const Merge* find(TokenId left, TokenId right) const;
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key;
    Merge merge;
  };
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // ids are < 2^31, so never a real key
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

struct Model {
  VocabKind kind = VocabKind::BytePairGpt2;
  std::string pre_name;  // canonical pre-tokenizer name ("llama-bpe"), "" for SentencePiece

  std::vector<std::string> tokens;  // [n_vocab]
  std::vector<TokenType> types;     // [n_vocab]
  std::vector<float> scores;        // [n_vocab]
  TokenIndex text_to_id;            // over `tokens`

  // gpt2: the token of each byte's image character; SentencePiece: the <0xNN> token.
  // -1 where the vocabulary has none.
  std::array<TokenId, 256> byte_token{};

  // gpt2 only.
  std::shared_ptr<const PreTokenizer> pretokenizer;
  bool ignore_merges = false;  // a pre-token that is itself a piece skips BPE (Llama 3)
  MergeTable merges;

  // SentencePiece only.
  bool add_space_prefix = false;

  TokenId bos = -1, eos = -1, eot = -1, eom = -1, unk = -1;
  bool add_bos = false, add_eos = false;
  std::vector<TokenId> eog;  // sorted

  // Tokens matched in the raw text before tokenization (control, user-defined, unknown),
  // longest text first, ties by id.
  std::vector<TokenId> special_tokens;

  std::vector<std::string> pieces;  // [n_vocab] decoded bytes (control/unknown: "")

  ChatTemplate chat = ChatTemplate::detect(std::nullopt);
  std::vector<std::string> notes;

  TokenId lookup(std::string_view text) const { return text_to_id.find(text); }

  // The token for byte `b` when a piece cannot be represented otherwise: the byte token, else
  // the unknown token, else an Error (the vocabulary cannot encode this input).
  TokenId fallback_for_byte(uint8_t b) const;
};

// Appends the ids of `text` (valid UTF-8, no special tokens) with byte-level BPE.
void encode_bpe(const Model& model, std::string_view text, std::vector<TokenId>& out);
// Appends the ids of `text` (spaces already replaced by U+2581) with SentencePiece BPE.
void encode_spm(const Model& model, std::string_view text, std::vector<TokenId>& out);

}  // namespace trit::tokenizer::detail
