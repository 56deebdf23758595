// trit-tokenize: print the token ids of a text as one JSON array, using a model's tokenizer.
//
//   trit-tokenize -m MODEL.gguf (-p TEXT | -f FILE) [--no-bos] [--parse-special]
//
// The text is taken byte for byte (a file is not stripped of its final newline). Without
// --parse-special, text such as "<|eot_id|>" is tokenized as plain characters.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "gguf/reader.hpp"
#include "tokenizer/tokenizer.hpp"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open text file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read text file '" + path + "'");
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Print the token ids of a text as a JSON array, using a GGUF model's tokenizer."};
  std::string model_path;
  std::string prompt;
  std::string text_file;
  bool no_bos = false;
  bool parse_special = false;
  app.add_option("-m,--model", model_path, "GGUF model (or vocabulary-only) file")->required();
  auto* prompt_opt = app.add_option("-p,--prompt", prompt, "text to tokenize");
  auto* file_opt = app.add_option("-f,--file", text_file, "file whose bytes are the text");
  prompt_opt->excludes(file_opt);
  file_opt->excludes(prompt_opt);
  app.add_flag("--no-bos", no_bos, "do not add BOS (nor EOS) even if the model asks for it");
  app.add_flag("--parse-special", parse_special,
               "turn the text of control tokens (e.g. <|eot_id|>) into those tokens");
  CLI11_PARSE(app, argc, argv);

  try {
    if (prompt_opt->count() == 0 && file_opt->count() == 0) {
      throw std::runtime_error("give the text with -p TEXT or -f FILE");
    }
    const std::string text = file_opt->count() > 0 ? read_file(text_file) : prompt;
    const trit::gguf::File model = trit::gguf::File::open(model_path);
    const auto tokenizer = trit::tokenizer::Tokenizer::from_gguf(model);
    for (const std::string& note : tokenizer.notes()) std::cerr << "note: " << note << '\n';
    const auto ids = tokenizer.encode(text, !no_bos, parse_special);
    std::cout << nlohmann::json(ids).dump() << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
}
