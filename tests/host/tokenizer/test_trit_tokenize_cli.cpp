// The trit-tokenize tool end to end: ids on stdout as one JSON array, clear errors otherwise.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>

#include "gguf/writer.hpp"
#include "testutil.hpp"
#include "tokenizer_testdata.hpp"

namespace {

using trit::testutil::TempFile;

struct ToolRun {
  int exit_code;
  std::string out;
  std::string err;
};

ToolRun run_tool(const std::vector<std::string>& args) {
  std::string line;
  for (const auto& a : args) line += " " + trit::testutil::shell_quote(a);
  const auto r = trit::testutil::run_tool(TRIT_TOKENIZE_EXE, line);
  return {r.code, r.out, r.err};
}

const TempFile& llama3_vocab_on_disk() {
  static const TempFile file(".gguf");
  static const bool written = (file.write(trit::testdata::llama3_vocab_bytes()), true);
  (void)written;
  return file;
}

std::vector<int32_t> ids_of(const std::string& json) {
  return nlohmann::json::parse(json).get<std::vector<int32_t>>();
}

TEST(TritTokenize, PrintsTheOracleIdsForEveryMode) {
  const std::string model = llama3_vocab_on_disk().path().string();
  // Two cases with special-token text cover every mode; the library tests run all 63 cases
  // (each run here loads the 128k vocabulary, slow under the sanitizers).
  int checked = 0;
  for (const auto& c : trit::testdata::llama3_cases()) {
    if (!c.ids_parse_special || c.ids_parse_special == c.ids_with_bos || checked == 2) continue;
    TempFile text(".txt");
    text.write(std::vector<uint8_t>(c.text.begin(), c.text.end()));
    const ToolRun with_bos = run_tool({"-m", model, "-f", text.path().string()});
    ASSERT_EQ(with_bos.exit_code, 0) << with_bos.err;
    EXPECT_EQ(ids_of(with_bos.out), c.ids_with_bos);
    const ToolRun no_bos = run_tool({"-m", model, "-f", text.path().string(), "--no-bos"});
    EXPECT_EQ(ids_of(no_bos.out), c.ids_no_bos);
    const ToolRun special = run_tool({"-m", model, "-f", text.path().string(), "--parse-special"});
    EXPECT_EQ(ids_of(special.out), *c.ids_parse_special);
    ++checked;
  }
  EXPECT_EQ(checked, 2);
  const ToolRun prompt = run_tool({"-m", model, "-p", "Hello world"});
  EXPECT_EQ(prompt.out, "[128000,9906,1917]\n");
  EXPECT_EQ(prompt.err, "");
}

TEST(TritTokenize, SentencePieceModel) {
  const ToolRun r = run_tool({"-m", trit::testutil::ref_path("tiny_i2_s.gguf").string(), "-p", "the"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ids_of(r.out).front(), 1);
}

void expect_error(const ToolRun& r, std::string_view fragment) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
}

TEST(TritTokenize, ErrorsAreClearAndNonZero) {
  expect_error(run_tool({"-m", "/nonexistent/model.gguf", "-p", "x"}), "/nonexistent/model.gguf");

  trit::gguf::Writer no_tokenizer;
  no_tokenizer.add_string("general.architecture", "bitnet-b1.58");
  TempFile bare(".gguf");
  bare.write(no_tokenizer.finish());
  expect_error(run_tool({"-m", bare.path().string(), "-p", "x"}), "has no tokenizer");

  trit::gguf::Writer bert;
  bert.add_string("tokenizer.ggml.model", "bert");
  const std::vector<std::string> tokens = {"[PAD]", "a"};
  bert.add_string_array("tokenizer.ggml.tokens", tokens);
  TempFile bert_file(".gguf");
  bert_file.write(bert.finish());
  expect_error(run_tool({"-m", bert_file.path().string(), "-p", "x"}),
               "unknown tokenizer model tokenizer.ggml.model = 'bert'");

  const std::string model = llama3_vocab_on_disk().path().string();
  expect_error(run_tool({"-m", model}), "-p TEXT or -f FILE");
  expect_error(run_tool({"-m", model, "-f", "/nonexistent/text.txt"}), "/nonexistent/text.txt");
  EXPECT_NE(run_tool({"-m", model, "-p", "a", "-f", "b"}).exit_code, 0);  // CLI11: excludes
  EXPECT_NE(run_tool({"-p", "a"}).exit_code, 0);                          // -m is required
}

}  // namespace
