// The GPT-2 byte-to-unicode mapping used by byte-level BPE vocabularies ("gpt2" model).
//
// Every byte is shown as one printable code point so that pieces are valid text: the 188
// printable bytes '!'..'~', '¡'..'¬' and '®'..'ÿ' stand for themselves, and the other 68 bytes
// (controls, space, DEL, 0x80..0xA0, soft hyphen) map in increasing byte order to U+0100,
// U+0101, ... (so ' ' (0x20) is 'Ġ' U+0120, '\n' is 'Ċ' U+010A). This is the published
// `bytes_to_unicode` table of GPT-2's encoder, which Llama 3's tokenizer.json keeps.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trit::tokenizer::byte_level {

// Code point that stands for byte `b`.
char32_t byte_to_code_point(uint8_t b);
// The byte a code point stands for, or nullopt if it is not one of the 256 images.
std::optional<uint8_t> code_point_to_byte(char32_t cp);

// UTF-8 text of the image of byte `b` (1 or 2 bytes).
const std::string& byte_to_text(uint8_t b);

// Appends the images of every byte of `raw` to `out`.
void encode(std::string_view raw, std::string& out);

// Raw bytes of a piece. Code points that are not byte images (a hand-made vocabulary may
// contain some) are kept as their own UTF-8, so decoding never loses text.
std::string decode(std::string_view piece);

}  // namespace trit::tokenizer::byte_level
