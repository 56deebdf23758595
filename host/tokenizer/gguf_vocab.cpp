// The GGUF glue: `tokenizer.*` metadata -> VocabData -> Tokenizer. Key names and meanings are
// those of the GGUF specification (ggml docs/gguf.md, "Tokenizer" section).
#include <limits>
#include <string>

#include "gguf/reader.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trit::tokenizer {

namespace {

std::optional<TokenId> find_id(const gguf::File& file, std::string_view key) {
  const gguf::Value* value = file.find(key);
  if (value == nullptr) return std::nullopt;
  const int64_t id = value->as_i64();
  if (id < 0 || id > std::numeric_limits<TokenId>::max()) {
    throw Error("tokenizer: " + std::string(key) + " = " + std::to_string(id) + " is not a token id");
  }
  return static_cast<TokenId>(id);
}

std::vector<std::string> strings(const gguf::File& file, std::string_view key) {
  std::vector<std::string> out;
  const auto views = file.get_string_array(key);
  out.reserve(views.size());
  for (std::string_view s : views) out.emplace_back(s);
  return out;
}

std::optional<bool> find_flag(const gguf::File& file, std::string_view key) {
  return file.find_bool(key);
}

}  // namespace

VocabData read_vocab(const gguf::File& file) {
  const auto model = file.find_string("tokenizer.ggml.model");
  if (!model || *model == "none" || *model == "no_vocab") {
    throw Error("tokenizer: the file has no tokenizer (tokenizer.ggml.model is missing or 'none')");
  }
  VocabData v;
  if (*model == "gpt2") {
    v.kind = VocabKind::BytePairGpt2;
  } else if (*model == "llama") {
    v.kind = VocabKind::SentencePiece;
  } else {
    throw Error("tokenizer: unknown tokenizer model tokenizer.ggml.model = '" + std::string(*model) +
                "' (supported: gpt2, llama)");
  }
  if (!file.has("tokenizer.ggml.tokens")) {
    throw Error("tokenizer: tokenizer.ggml.model is set but tokenizer.ggml.tokens is missing");
  }
  v.tokens = strings(file, "tokenizer.ggml.tokens");
  if (file.has("tokenizer.ggml.scores")) v.scores = file.get_f32_array("tokenizer.ggml.scores");
  if (file.has("tokenizer.ggml.token_type")) {
    for (int32_t t : file.get_i32_array("tokenizer.ggml.token_type")) {
      v.types.push_back(static_cast<TokenType>(t));
    }
  }
  if (file.has("tokenizer.ggml.merges")) v.merges = strings(file, "tokenizer.ggml.merges");
  if (const auto pre = file.find_string("tokenizer.ggml.pre")) v.pre = std::string(*pre);

  v.bos = find_id(file, "tokenizer.ggml.bos_token_id");
  v.eos = find_id(file, "tokenizer.ggml.eos_token_id");
  v.eot = find_id(file, "tokenizer.ggml.eot_token_id");
  v.eom = find_id(file, "tokenizer.ggml.eom_token_id");
  v.unk = find_id(file, "tokenizer.ggml.unknown_token_id");
  v.add_bos = find_flag(file, "tokenizer.ggml.add_bos_token");
  v.add_eos = find_flag(file, "tokenizer.ggml.add_eos_token");
  v.add_space_prefix = find_flag(file, "tokenizer.ggml.add_space_prefix");
  if (const auto t = file.find_string("tokenizer.chat_template")) v.chat_template = std::string(*t);
  return v;
}

Tokenizer Tokenizer::from_gguf(const gguf::File& file) {
  // Name the file in every message; a gguf::Error here is a tokenizer key of the wrong type.
  try {
    return Tokenizer(read_vocab(file));
  } catch (const gguf::Error& e) {
    throw Error(file.path() + ": tokenizer: " + e.what());
  } catch (const Error& e) {
    throw Error(file.path() + ": " + e.what());
  }
}

}  // namespace trit::tokenizer
