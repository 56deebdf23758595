// Reference data of the tokenizer tests: the Llama 3 vocabulary with the oracle's cases
// (tests/data/tokenizer) and the SentencePiece vocabulary of the tiny reference models.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gguf/reader.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trit::testdata {

// One line of cases.jsonl.
struct TokenizerCase {
  std::string text;
  std::vector<int32_t> ids_with_bos;
  std::vector<int32_t> ids_no_bos;
  std::optional<std::vector<int32_t>> ids_parse_special;
};

std::vector<TokenizerCase> llama3_cases();
// The decompressed llama3_vocab.gguf (7.8 MB), parsed once per process.
const gguf::File& llama3_vocab_file();
const tokenizer::Tokenizer& llama3_tokenizer();
std::vector<uint8_t> llama3_vocab_bytes();

// tests/data/reference/tiny_i2_s.gguf: vocabulary of the tiny reference models.
const tokenizer::Tokenizer& tiny_tokenizer();

}  // namespace trit::testdata
