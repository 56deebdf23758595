// Text <-> token ids for the two vocabulary kinds GGUF BitNet models carry:
//   gpt2 (byte-level BPE, Llama 3 pre-tokenizer)  BitNet b1.58 2B4T, the default Trit model
//   llama (SentencePiece-style)                    the reference tiny models
// docs/tokenizer.md describes both, the special-token rules and the limits.
//
// A Tokenizer is immutable after construction; copies share one vocabulary, and every const
// method may be called from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat.hpp"
#include "tokenizer/vocab.hpp"

namespace trit::gguf {
class File;
}

namespace trit::tokenizer {

inline constexpr TokenId kNoToken = -1;

namespace detail {
struct Model;
}

class Tokenizer {
 public:
  // Validates the vocabulary and builds the lookup tables. Throws Error on anything the
  // tokenizer could not use faithfully (unknown model or pre-tokenizer, ids out of range,
  // malformed merges or byte tokens, mismatched array lengths).
  explicit Tokenizer(VocabData vocab);
  // Reads `tokenizer.ggml.*` and `tokenizer.chat_template` (gguf_vocab.cpp).
  static Tokenizer from_gguf(const gguf::File& file);

  // Text -> ids.
  //   add_special:   prepend BOS / append EOS when the model asks for them
  //                  (`tokenizer.ggml.add_bos_token` / `add_eos_token`).
  //   parse_special: the exact text of a control token (e.g. "<|eot_id|>") becomes that token;
  //                  when false it is tokenized as plain text. User-defined tokens are always
  //                  matched (llama.cpp / HF behaviour).
  // Ill-formed UTF-8 never fails: the BPE tokenizer replaces it with U+FFFD (maximal
  // subparts), the SentencePiece tokenizer keeps the raw bytes as <0xNN> byte tokens.
  std::vector<TokenId> encode(std::string_view text, bool add_special, bool parse_special) const;

  // Id -> the bytes it stands for. Control and unknown tokens give "" unless render_special
  // (then their text); user-defined tokens always give their text. A piece may be part of a
  // UTF-8 sequence: use StreamDecoder to print pieces as they are generated.
  std::string token_to_piece(TokenId id, bool render_special = false) const;
  // Concatenated pieces: raw bytes, not sanitized (lossless round trip of encode).
  std::string decode(std::span<const TokenId> ids, bool render_special = false) const;

  // Vocabulary access.
  size_t n_vocab() const;
  VocabKind kind() const;
  std::string_view pre() const;  // pre-tokenizer name in use ("" for SentencePiece)
  std::string_view token_text(TokenId id) const;
  TokenType token_type(TokenId id) const;
  std::optional<TokenId> find_token(std::string_view text) const;

  // Special tokens from the metadata (kNoToken when the model has none). eot() falls back to
  // the token whose text is "<|eot_id|>" when `tokenizer.ggml.eot_token_id` is absent.
  TokenId bos() const;
  TokenId eos() const;
  TokenId eot() const;
  bool add_bos() const;
  bool add_eos() const;
  // End of generation: eos, eot, eom, and end-of-turn tokens found by text (<|eot_id|>,
  // <|eom_id|>, <|end_of_text|>, <|endoftext|>, <|im_end|>, <|end|>, <end_of_turn>).
  bool is_eog(TokenId id) const;
  std::span<const TokenId> eog_ids() const;

  // The model's chat template (see chat.hpp) and a shortcut that renders with it.
  const ChatTemplate& chat_template() const;
  std::string render_chat(std::span<const ChatMessage> messages,
                          bool add_generation_prompt) const;

  // Things worth telling a user at load time (e.g. "tokenizer.ggml.pre is missing, using
  // the Llama 3 pre-tokenizer"); empty for a clean vocabulary.
  std::span<const std::string> notes() const;

 private:
  std::shared_ptr<const detail::Model> model_;
};

// The `tokenizer.*` metadata of a GGUF file as VocabData (what Tokenizer::from_gguf uses).
VocabData read_vocab(const gguf::File& file);

// Turns generated ids into printable text, one token at a time. Bytes of a UTF-8 sequence
// split across tokens are held back until the sequence is complete, so every returned string
// is valid UTF-8; ill-formed bytes come out as U+FFFD. The concatenation of all push() results
// and finish() equals utf8::sanitize(tokenizer.decode(ids)).
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool render_special = false)
      : tokenizer_(tokenizer), render_special_(render_special) {}
  std::string push(TokenId id);
  // Emits what is still held back (an incomplete sequence becomes U+FFFD) and resets.
  std::string finish();

 private:
  Tokenizer tokenizer_;  // shares the vocabulary
  bool render_special_;
  std::string pending_;  // raw bytes not yet returned
};

}  // namespace trit::tokenizer
