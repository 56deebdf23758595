#include "testutil.hpp"

#include <sys/wait.h>

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace trit::testutil {

std::filesystem::path data_dir() { return TRIT_TEST_DATA_DIR; }
std::filesystem::path ref_path(const std::string& name) { return data_dir() / "reference" / name; }

TempFile::TempFile(const std::string& suffix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "trit-test-XXXXXX").string() + suffix;
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  const int fd = mkstemps(buf.data(), static_cast<int>(suffix.size()));
  if (fd < 0) throw std::runtime_error("mkstemps failed");
  close(fd);
  path_ = buf.data();
}

TempFile::~TempFile() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

void TempFile::write(const std::vector<uint8_t>& bytes) const {
  std::ofstream f(path_, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path_.string());
}

std::vector<uint8_t> gunzip_file(const std::filesystem::path& gz) {
  gzFile f = gzopen(gz.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open " + gz.string());
  std::vector<uint8_t> out;
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    const int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      gzclose(f);
      throw std::runtime_error("gzip error in " + gz.string());
    }
    if (n == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
  gzclose(f);
  return out;
}

std::filesystem::path model_path(const std::string& name) {
  const auto plain = ref_path(name);
  if (std::filesystem::exists(plain)) return plain;
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<TempFile>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[name];
  if (!slot) {
    auto t = std::make_unique<TempFile>(".gguf");
    t->write(gunzip_file(ref_path(name + ".gz")));
    slot = std::move(t);
  }
  return slot->path();
}

std::vector<uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + p.string());
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<float> read_f32_file(const std::filesystem::path& p) {
  const auto bytes = read_file(p);
  if (bytes.size() % 4 != 0) throw std::runtime_error(p.string() + ": size not a multiple of 4");
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

std::vector<int32_t> read_token_file(const std::filesystem::path& p) {
  std::ifstream f(p);
  if (!f) throw std::runtime_error("cannot open " + p.string());
  std::vector<int32_t> ids;
  int32_t id = 0;
  while (f >> id) ids.push_back(id);
  return ids;
}

int argmax(const float* row, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (row[i] > row[best]) best = i;  // lowest index wins ties, like the oracle
  return best;
}

LogitStats compare_logits(const std::vector<float>& ref, const std::vector<float>& cand, int n_vocab,
                          double margin_eps) {
  if (ref.size() != cand.size() || ref.size() % n_vocab != 0)
    throw std::runtime_error("compare_logits: shape mismatch (" + std::to_string(ref.size()) + " vs " +
                             std::to_string(cand.size()) + ")");
  LogitStats s;
  s.rows = static_cast<int>(ref.size() / n_vocab);
  for (int r = 0; r < s.rows; ++r) {
    const float* a = ref.data() + static_cast<size_t>(r) * n_vocab;
    const float* b = cand.data() + static_cast<size_t>(r) * n_vocab;
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < n_vocab; ++i) {
      s.max_abs = std::max(s.max_abs, std::fabs(double(a[i]) - double(b[i])));
      s.ref_absmax = std::max(s.ref_absmax, std::fabs(double(a[i])));
      dot += double(a[i]) * b[i];
      na += double(a[i]) * a[i];
      nb += double(b[i]) * b[i];
    }
    const double cos = (na > 0 && nb > 0) ? dot / std::sqrt(na * nb) : (na == nb ? 1.0 : 0.0);
    s.min_cos = std::min(s.min_cos, cos);
    // Reference top-1 margin: best minus second best.
    const int top = argmax(a, n_vocab);
    double second = -INFINITY;
    for (int i = 0; i < n_vocab; ++i)
      if (i != top) second = std::max(second, double(a[i]));
    if (double(a[top]) - second > margin_eps) {
      ++s.rows_checked_top1;
      if (argmax(b, n_vocab) == top) ++s.top1_agree;
    }
  }
  s.max_abs_rel = s.ref_absmax > 0 ? s.max_abs / s.ref_absmax : s.max_abs;
  return s;
}

std::string LogitStats::summary() const {
  std::ostringstream o;
  o << "rows=" << rows << " max_abs=" << max_abs << " max_abs_rel=" << max_abs_rel << " min_cos=" << min_cos
    << " top1=" << top1_agree << "/" << rows_checked_top1;
  return o.str();
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

ToolResult run_tool(const std::filesystem::path& exe, const std::string& args, const std::string& stdin_text) {
  TempFile out, err, in;
  in.write(std::vector<uint8_t>(stdin_text.begin(), stdin_text.end()));
  const std::string cmd = shell_quote(exe.string()) + " " + args + " < " + shell_quote(in.path()) + " > " +
                          shell_quote(out.path()) + " 2> " + shell_quote(err.path());
  const int status = std::system(cmd.c_str());
  ToolResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  const auto o = read_file(out.path()), e = read_file(err.path());
  r.out.assign(o.begin(), o.end());
  r.err.assign(e.begin(), e.end());
  return r;
}

}  // namespace trit::testutil
