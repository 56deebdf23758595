#include "tokenizer/byte_level.hpp"

#include "tokenizer/utf8.hpp"

namespace trit::tokenizer::byte_level {

namespace {

constexpr bool stands_for_itself(unsigned b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
  std::array<char32_t, 256> image{};
  std::array<std::string, 256> image_text;
  std::array<int16_t, 512> byte_of{};  // code point (< 512) -> byte, -1 if none

  Tables() {
    byte_of.fill(-1);
    char32_t next_shifted = 256;
    for (unsigned b = 0; b < 256; ++b) {
      image[b] = stands_for_itself(b) ? static_cast<char32_t>(b) : next_shifted++;
      byte_of[image[b]] = static_cast<int16_t>(b);
      utf8::append(image_text[b], image[b]);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

char32_t byte_to_code_point(uint8_t b) { return tables().image[b]; }

std::optional<uint8_t> code_point_to_byte(char32_t cp) {
  if (cp >= tables().byte_of.size()) return std::nullopt;
  const int16_t b = tables().byte_of[cp];
  if (b < 0) return std::nullopt;
  return static_cast<uint8_t>(b);
}

const std::string& byte_to_text(uint8_t b) { return tables().image_text[b]; }

void encode(std::string_view raw, std::string& out) {
  const Tables& t = tables();
  for (char c : raw) out += t.image_text[static_cast<uint8_t>(c)];
}

std::string decode(std::string_view piece) {
  std::string out;
  out.reserve(piece.size());
  size_t pos = 0;
  while (pos < piece.size()) {
    const size_t len = utf8::valid_sequence_length(piece, pos);
    if (len == 0) {  // not UTF-8 at all: pass the byte through
      out.push_back(piece[pos++]);
      continue;
    }
    const size_t start = pos;
    const char32_t cp = utf8::decode_valid(piece, pos);
    if (const auto b = code_point_to_byte(cp)) {
      out.push_back(static_cast<char>(*b));
    } else {
      out.append(piece.substr(start, len));
    }
  }
  return out;
}

}  // namespace trit::tokenizer::byte_level
