// The vocabulary of a model as plain data: everything the tokenizers need, nothing about where
// it came from. The GGUF glue (gguf_vocab.cpp) fills it from `tokenizer.ggml.*` metadata; tests
// fill it by hand. Optional fields are "absent from the file": the Tokenizer applies the same
// defaults llama.cpp applies for that tokenizer model (docs/tokenizer.md lists them).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace trit::tokenizer {

using TokenId = int32_t;

// Every tokenizer problem (bad vocabulary, unknown model, id out of range, unencodable byte).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `tokenizer.ggml.token_type` values (the llama.cpp/gguf-py numbering).
enum class TokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

// `tokenizer.ggml.model`.
enum class VocabKind {
  BytePairGpt2,   // "gpt2": byte-level BPE with ranked merges (Llama 3, BitNet b1.58 2B4T)
  SentencePiece,  // "llama": SentencePiece-style BPE by piece score, ▁ for space, <0xNN> bytes
};

struct VocabData {
  VocabKind kind = VocabKind::BytePairGpt2;
  // `tokenizer.ggml.pre`: selects the pre-tokenizer of a gpt2 vocabulary ("llama-bpe", ...).
  std::optional<std::string> pre;

  std::vector<std::string> tokens;  // [n_vocab] piece text, indexed by id
  std::vector<float> scores;        // [n_vocab] or empty (SentencePiece merge priority)
  std::vector<TokenType> types;     // [n_vocab] or empty (= all Normal)
  std::vector<std::string> merges;  // gpt2 only: "left right" in rank order

  std::optional<TokenId> bos, eos, eot, eom, unk;
  std::optional<bool> add_bos, add_eos, add_space_prefix;
  std::optional<std::string> chat_template;  // `tokenizer.chat_template`
};

}  // namespace trit::tokenizer
