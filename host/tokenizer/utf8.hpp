// UTF-8 helpers shared by the tokenizers and the streaming detokenizer.
//
// Well-formedness follows the Unicode Standard, chapter 3.9 (Table 3-7): no overlong forms, no
// surrogates, nothing above U+10FFFF. Ill-formed input is replaced by U+FFFD using the
// "maximal subpart" practice of section 3.9 (also what the WHATWG Encoding standard and
// Python's errors="replace" do): each maximal prefix of a would-be sequence becomes one U+FFFD.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trit::tokenizer::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;
inline constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

// Appends the UTF-8 encoding of `cp` (which must be a scalar value <= U+10FFFF).
void append(std::string& out, char32_t cp);

// Length of the well-formed sequence starting at `s[pos]`, or 0 if none starts there.
size_t valid_sequence_length(std::string_view s, size_t pos);

bool is_valid(std::string_view s);

// `s` with every ill-formed subsequence replaced by U+FFFD (returns `s` unchanged when valid).
std::string sanitize(std::string_view s);

// Number of trailing bytes of `s` (0..3) that form a proper, still incomplete prefix of a
// well-formed sequence: bytes a streaming decoder must hold back until more arrive.
size_t incomplete_tail_length(std::string_view s);

// Decodes the well-formed sequence at `s[pos]` (caller checked validity); advances `pos`.
char32_t decode_valid(std::string_view s, size_t& pos);

}  // namespace trit::tokenizer::utf8
