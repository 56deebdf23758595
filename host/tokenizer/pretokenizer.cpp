#include "tokenizer/pretokenizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <string>

#include "tokenizer/utf8.hpp"
#include "tokenizer/vocab.hpp"

namespace trit::tokenizer {

namespace {

// Unicode White_Space (PropList.txt), which is what `\s` means in the reference tokenizers.
// It is a stable property: the list has not changed since Unicode 6.3.
constexpr std::string_view kSpace =
    R"(\t-\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

std::string llama3_pattern() {
  const std::string s = "[" + std::string(kSpace) + "]";        // \s
  const std::string not_s = "[^" + std::string(kSpace) + "]";   // \S
  return std::string(R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]))") +
         R"(|[^\r\n\p{L}\p{N}]?\p{L}+)" +
         R"(|\p{N}{1,3})" +
         "| ?[^" + std::string(kSpace) + R"(\p{L}\p{N}]+[\r\n]*)" +
         "|" + s + R"(*[\r\n]+)" +
         "|" + s + "+(?!" + not_s + ")" +
         "|" + s + "+";
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0) return "error " + std::to_string(code);
  return reinterpret_cast<const char*>(buffer);
}

struct MatchDataDeleter {
  void operator()(pcre2_match_data* p) const { pcre2_match_data_free(p); }
};

}  // namespace

struct PreTokenizer::Compiled {
  pcre2_code* code = nullptr;
  ~Compiled() { pcre2_code_free(code); }
};

PreTokenizer::PreTokenizer(std::string pattern)
    : pattern_(std::move(pattern)), compiled_(std::make_unique<Compiled>()) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  compiled_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern_.data()), pattern_.size(),
                                  PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
  if (compiled_->code == nullptr) {
    throw Error("pre-tokenizer: cannot compile pattern at offset " + std::to_string(error_offset) +
                ": " + pcre2_message(error_code));
  }
  // JIT is an optimisation only: without it (unsupported CPU, no executable memory) PCRE2
  // runs the same pattern in its interpreter.
  (void)pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE);
}

PreTokenizer::~PreTokenizer() = default;

std::shared_ptr<const PreTokenizer> PreTokenizer::llama3() {
  static const std::shared_ptr<const PreTokenizer> instance(new PreTokenizer(llama3_pattern()));
  return instance;
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& pieces) const {
  if (text.empty()) return;
  std::unique_ptr<pcre2_match_data, MatchDataDeleter> match(
      pcre2_match_data_create_from_pattern(compiled_->code, nullptr));
  if (!match) throw Error("pre-tokenizer: out of memory for match data");

  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0;
  while (pos < text.size()) {
    // The text was sanitized to valid UTF-8 by the caller, so PCRE2's own check is skipped.
    int rc = pcre2_match(compiled_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK,
                         match.get(), nullptr);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
      // The JIT's fixed 32 KiB stack is too small for this input; the interpreter keeps its
      // backtracking state on the heap.
      rc = pcre2_match(compiled_->code, subject, text.size(), pos,
                       PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, match.get(), nullptr);
    }
    if (rc == PCRE2_ERROR_NOMATCH) {
      pieces.push_back(text.substr(pos));  // unreachable with the patterns above; keep the text
      return;
    }
    if (rc < 0) {
      throw Error("pre-tokenizer: regex match failed at byte " + std::to_string(pos) + " of " +
                  std::to_string(text.size()) + ": " + pcre2_message(rc));
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    const size_t start = ovector[0];
    size_t end = ovector[1];
    if (start > pos) pieces.push_back(text.substr(pos, start - pos));  // unmatched gap
    if (end == start) {
      // An empty match would loop forever; take one code point instead (cannot happen with
      // the patterns above, every alternative consumes at least one character).
      if (start == text.size()) return;
      end = start + std::max<size_t>(1, utf8::valid_sequence_length(text, start));
    }
    pieces.push_back(text.substr(start, end - start));
    pos = end;
  }
}

}  // namespace trit::tokenizer
