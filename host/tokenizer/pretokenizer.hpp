// Regex pre-tokenizer of byte-level BPE vocabularies: cuts text into the pieces ("pre-tokens")
// that BPE then encodes one by one.
//
// Why PCRE2: the Llama 3 split pattern needs Unicode general categories (\p{L}, \p{N}) and a
// negative lookahead (\s+(?!\S)). std::regex has neither categories nor UTF-8 awareness, and
// hand-written Unicode tables go stale and are easy to get subtly wrong. PCRE2 (Debian
// libpcre2-dev, the engine behind PHP, Git's grep and many others) implements both with
// UTF + UCP, has a JIT, and is far lighter than ICU. Its `\s` under UCP is Unicode White_Space
// minus U+0085 (NEL), so the patterns spell White_Space out explicitly: that is the `\s` of
// the reference implementations (HF tokenizers' Oniguruma, llama.cpp's tables).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace trit::tokenizer {

class PreTokenizer {
 public:
  // The Llama 3 pattern (`tokenizer.ggml.pre` = llama-bpe / llama3 / llama-v3):
  //   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
  //   | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  // The case-insensitive contractions are matched with ASCII classes ('[sS]...), as llama.cpp
  // does, so Unicode case folding (U+017F 'ſ' ~ 's') cannot create a contraction.
  static std::shared_ptr<const PreTokenizer> llama3();

  ~PreTokenizer();
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  // Splits `text`, which must be valid UTF-8 (callers sanitize first), into consecutive
  // pieces that together are exactly `text`. Thread-safe.
  void split(std::string_view text, std::vector<std::string_view>& pieces) const;

  const std::string& pattern() const { return pattern_; }

 private:
  explicit PreTokenizer(std::string pattern);
  struct Compiled;
  std::string pattern_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace trit::tokenizer
