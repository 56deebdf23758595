// Helpers shared by the host runtime tests: reference data paths, gzip decompression to a
// temporary file, reading the reference's float32 logits and token files, and the logit
// comparison metrics the reference README defines (written here independently).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace trit::testutil {

std::filesystem::path data_dir();                              // tests/data
std::filesystem::path ref_path(const std::string& file_name);  // tests/data/reference/<name>

// A temporary file that is removed when the object dies.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix = "");
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }
  void write(const std::vector<uint8_t>& bytes) const;

 private:
  std::filesystem::path path_;
};

// Decompresses a .gz file (zlib) into memory.
std::vector<uint8_t> gunzip_file(const std::filesystem::path& gz);
// A model file from tests/data/reference: `name` as is, or `name.gz` decompressed to a cached
// temporary file (once per test process).
std::filesystem::path model_path(const std::string& name);

std::vector<uint8_t> read_file(const std::filesystem::path& p);
std::vector<float> read_f32_file(const std::filesystem::path& p);
std::vector<int32_t> read_token_file(const std::filesystem::path& p);  // whitespace-separated ids

// Metrics of a candidate [rows][n_vocab] against a reference of the same shape.
struct LogitStats {
  double max_abs = 0;          // max |cand - ref|
  double ref_absmax = 0;       // max |ref|
  double max_abs_rel = 0;      // max_abs / ref_absmax
  double min_cos = 1;          // minimum row cosine similarity
  int rows = 0;
  int rows_checked_top1 = 0;   // rows whose reference top-1 margin exceeds margin_eps
  int top1_agree = 0;          // ... of which the candidate argmax equals the reference argmax
  double top1_rate() const { return rows_checked_top1 ? double(top1_agree) / rows_checked_top1 : 1.0; }
  std::string summary() const;
};
LogitStats compare_logits(const std::vector<float>& ref, const std::vector<float>& cand, int n_vocab,
                          double margin_eps);

int argmax(const float* row, int n);

// Runs a command-line tool with `args` (already shell-quoted where needed; see shell_quote),
// `stdin_text` on its standard input, and captures its exit code and both output streams.
struct ToolResult {
  int code = -1;  // exit status, or 128 + signal
  std::string out, err;
};
std::string shell_quote(const std::string& s);  // '...' for /bin/sh, a ' inside becomes '\''
ToolResult run_tool(const std::filesystem::path& exe, const std::string& args, const std::string& stdin_text = "");

}  // namespace trit::testutil
