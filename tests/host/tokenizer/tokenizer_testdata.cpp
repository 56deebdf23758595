#include "tokenizer_testdata.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "testutil.hpp"

namespace trit::testdata {

std::vector<TokenizerCase> llama3_cases() {
  const auto path = testutil::data_dir() / "tokenizer" / "cases.jsonl";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::vector<TokenizerCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    TokenizerCase c;
    c.text = j.at("text").get<std::string>();
    c.ids_with_bos = j.at("ids_with_bos").get<std::vector<int32_t>>();
    c.ids_no_bos = j.at("ids_no_bos").get<std::vector<int32_t>>();
    if (j.contains("ids_parse_special")) {
      c.ids_parse_special = j.at("ids_parse_special").get<std::vector<int32_t>>();
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<uint8_t> llama3_vocab_bytes() {
  return testutil::gunzip_file(testutil::data_dir() / "tokenizer" / "llama3_vocab.gguf.gz");
}

const gguf::File& llama3_vocab_file() {
  static const gguf::File file = gguf::File::from_bytes(llama3_vocab_bytes(), "llama3_vocab.gguf");
  return file;
}

const tokenizer::Tokenizer& llama3_tokenizer() {
  static const tokenizer::Tokenizer tok = tokenizer::Tokenizer::from_gguf(llama3_vocab_file());
  return tok;
}

const tokenizer::Tokenizer& tiny_tokenizer() {
  static const gguf::File file = gguf::File::open(testutil::ref_path("tiny_i2_s.gguf"));
  static const tokenizer::Tokenizer tok = tokenizer::Tokenizer::from_gguf(file);
  return tok;
}

}  // namespace trit::testdata
