#include "tokenizer/utf8.hpp"

namespace trit::tokenizer::utf8 {

namespace {

struct LeadRule {
  uint8_t length;       // total sequence length (0: not a lead byte)
  uint8_t second_lo;    // allowed range of the second byte (Unicode Table 3-7)
  uint8_t second_hi;
};

constexpr LeadRule lead_rule(uint8_t b) {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};  // no overlong 3-byte forms
  if (b == 0xED) return {3, 0x80, 0x9F};  // no surrogates
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};  // no overlong 4-byte forms
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};  // nothing above U+10FFFF
  return {0, 0, 0};                       // 0x80..0xC1, 0xF5..0xFF never start a sequence
}

// Length of the longest prefix of the sequence at `pos` that is valid so far (>= 1 when the
// lead byte is a lead byte), and whether it is complete.
struct Prefix {
  size_t valid_bytes;
  bool complete;
};

Prefix valid_prefix(std::string_view s, size_t pos) {
  const auto lead = static_cast<uint8_t>(s[pos]);
  const LeadRule rule = lead_rule(lead);
  if (rule.length == 0) return {0, false};
  if (rule.length == 1) return {1, true};
  size_t n = 1;
  while (n < rule.length && pos + n < s.size()) {
    const auto b = static_cast<uint8_t>(s[pos + n]);
    const uint8_t lo = n == 1 ? rule.second_lo : 0x80;
    const uint8_t hi = n == 1 ? rule.second_hi : 0xBF;
    if (b < lo || b > hi) return {n, false};
    ++n;
  }
  return {n, n == rule.length};
}

}  // namespace

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t valid_sequence_length(std::string_view s, size_t pos) {
  const Prefix p = valid_prefix(s, pos);
  return p.complete ? p.valid_bytes : 0;
}

bool is_valid(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    if (static_cast<uint8_t>(s[pos]) < 0x80) {  // ASCII fast path
      ++pos;
      continue;
    }
    const size_t n = valid_sequence_length(s, pos);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

std::string sanitize(std::string_view s) {
  if (is_valid(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  size_t pos = 0;
  while (pos < s.size()) {
    const Prefix p = valid_prefix(s, pos);
    if (p.complete) {
      out.append(s.substr(pos, p.valid_bytes));
      pos += p.valid_bytes;
    } else {
      // One U+FFFD per maximal subpart; a stray byte is a subpart of length one.
      out.append(kReplacementUtf8);
      pos += p.valid_bytes == 0 ? 1 : p.valid_bytes;
    }
  }
  return out;
}

size_t incomplete_tail_length(std::string_view s) {
  const size_t n = s.size();
  const size_t earliest = n >= 3 ? n - 3 : 0;
  for (size_t start = n; start-- > earliest;) {
    const auto b = static_cast<uint8_t>(s[start]);
    if (b >= 0x80 && b <= 0xBF) continue;  // continuation byte: the lead is further left
    const Prefix p = valid_prefix(s, start);
    // Hold back only a prefix that reaches the end of `s` and could still complete.
    if (!p.complete && p.valid_bytes == n - start && p.valid_bytes > 0) return n - start;
    return 0;
  }
  return 0;
}

char32_t decode_valid(std::string_view s, size_t& pos) {
  const auto b0 = static_cast<uint8_t>(s[pos]);
  const size_t len = lead_rule(b0).length;
  char32_t cp = 0;
  switch (len) {
    case 1: cp = b0; break;
    case 2: cp = b0 & 0x1F; break;
    case 3: cp = b0 & 0x0F; break;
    default: cp = b0 & 0x07; break;
  }
  for (size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<uint8_t>(s[pos + i]) & 0x3F);
  pos += len == 0 ? 1 : len;
  return cp;
}

}  // namespace trit::tokenizer::utf8
