// The SentencePiece-style tokenizer on the vocabulary of the tiny reference models
// (tests/data/reference/tiny_i2_s.gguf). Facts used, from ../shared/reference/README.md:
// id 0 <unk>, 1 <s> (BOS), 2 </s> (EOS), ids 3..258 are <0x00>..<0xFF> (id = 3 + byte), ids
// 259.. are merged pieces ("▁", "▁t", "▁a", "he", ...), add_bos_token = true; and
// tiny_p9.tokens.txt is BOS followed by the byte tokens of "Hello, w".
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testutil.hpp"
#include "tokenizer/utf8.hpp"
#include "tokenizer_testdata.hpp"

namespace {

using trit::testdata::tiny_tokenizer;
using trit::tokenizer::StreamDecoder;
using trit::tokenizer::TokenId;
using trit::tokenizer::TokenType;
using trit::tokenizer::VocabKind;

constexpr TokenId byte_token(unsigned char b) { return 3 + b; }

TEST(SentencePieceTokenizer, MetadataFromTheFile) {
  const auto& tok = tiny_tokenizer();
  EXPECT_EQ(tok.kind(), VocabKind::SentencePiece);
  EXPECT_EQ(tok.n_vocab(), 272u);
  EXPECT_EQ(tok.bos(), 1);
  EXPECT_EQ(tok.eos(), 2);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_TRUE(tok.is_eog(2));
  EXPECT_EQ(tok.token_type(0), TokenType::Unknown);
  EXPECT_EQ(tok.token_type(byte_token(0x41)), TokenType::Byte);
  EXPECT_EQ(tok.token_text(byte_token(0x41)), "<0x41>");
  EXPECT_EQ(tok.token_text(259), "\xE2\x96\x81");  // ▁
}

TEST(SentencePieceTokenizer, ReferencePromptP9DecodesToHelloW) {
  const auto& tok = tiny_tokenizer();
  const auto ids = trit::testutil::read_token_file(trit::testutil::ref_path("tiny_p9.tokens.txt"));
  ASSERT_EQ(ids.size(), 9u);
  EXPECT_EQ(ids[0], tok.bos());
  EXPECT_EQ(tok.decode(ids), "Hello, w");
  EXPECT_EQ(tok.decode(ids, /*render_special=*/true), "<s>Hello, w");
}

TEST(SentencePieceTokenizer, EveryByteTokenDecodesToItsByte) {
  const auto& tok = tiny_tokenizer();
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(tok.token_to_piece(byte_token(static_cast<unsigned char>(b))),
              std::string(1, static_cast<char>(b)));
  }
}

// Encoding "Hello, w": the text gets the space prefix, spaces become ▁, and no pair of
// adjacent symbols ("▁H", "He", "el", "ll", "lo", "o,", ",▁", "▁w") is a piece of this
// vocabulary, so every character stays alone: ▁ is a piece (259), the letters and the comma
// fall back to byte tokens. That is the p9 prompt with the space byte replaced by ▁ and a ▁
// prefix after BOS.
TEST(SentencePieceTokenizer, EncodeHelloWMatchesReferenceBytesWithSpaceAsPiece) {
  const auto& tok = tiny_tokenizer();
  auto expected = trit::testutil::read_token_file(trit::testutil::ref_path("tiny_p9.tokens.txt"));
  for (auto& id : expected) {
    if (id == byte_token(' ')) id = 259;
  }
  expected.insert(expected.begin() + 1, 259);
  EXPECT_EQ(tok.encode("Hello, w", /*add_special=*/true, false), expected);
  EXPECT_EQ(tok.decode(expected), " Hello, w");  // the space prefix is part of the text
}

// "the" -> "▁the": the highest-scoring adjacent piece is merged first ("▁t", score -1), then
// "he" (-3), then "▁t" + "he" = "▁the". Every step is a piece of the vocabulary.
TEST(SentencePieceTokenizer, MergesFollowPieceScores) {
  const auto& tok = tiny_tokenizer();
  const auto the = tok.find_token("\xE2\x96\x81the");
  ASSERT_TRUE(the.has_value());
  EXPECT_EQ(tok.encode("the", true, false), (std::vector<TokenId>{1, *the}));
  EXPECT_EQ(tok.encode("", true, false), (std::vector<TokenId>{1}));
  EXPECT_TRUE(tok.encode("", false, false).empty());
}

TEST(SentencePieceTokenizer, SpecialTokenText) {
  const auto& tok = tiny_tokenizer();
  // parse_special: "<s>" is BOS, and the text after a special token gets the space prefix
  // ("▁a" is a piece of this vocabulary).
  const auto space_a = tok.find_token("\xE2\x96\x81" "a");
  ASSERT_TRUE(space_a.has_value());
  EXPECT_EQ(tok.encode("<s>a", true, true), (std::vector<TokenId>{1, 1, *space_a}));
  // Otherwise it is three characters (byte tokens, as "<s" / "s>" are not pieces).
  EXPECT_EQ(tok.encode("<s>", false, false),
            (std::vector<TokenId>{259, byte_token('<'), byte_token('s'), byte_token('>')}));
}

// Bytes that are not UTF-8 survive as byte tokens: SentencePiece byte fallback is lossless.
TEST(SentencePieceTokenizer, IllFormedUtf8KeepsItsBytes) {
  const auto& tok = tiny_tokenizer();
  const std::string bad = "\xFF\xC3";
  const auto ids = tok.encode(bad, false, false);
  EXPECT_EQ(ids, (std::vector<TokenId>{259, byte_token(0xFF), byte_token(0xC3)}));
  EXPECT_EQ(tok.decode(ids), " " + bad);

  StreamDecoder stream(tok);
  std::string printed;
  for (TokenId id : ids) printed += stream.push(id);
  printed += stream.finish();
  EXPECT_EQ(printed, " \xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFD for each
}

// A character split over byte tokens is printed only once complete.
TEST(SentencePieceTokenizer, StreamDecoderHoldsPartialCharacters) {
  const auto& tok = tiny_tokenizer();
  const std::string text = "\xC3\xA9\xE2\x82\xAC";  // "é€"
  const auto ids = tok.encode(text, false, false);
  ASSERT_EQ(ids.size(), 6u);  // ▁ + 5 byte tokens
  StreamDecoder stream(tok);
  std::vector<std::string> chunks;
  for (TokenId id : ids) chunks.push_back(stream.push(id));
  EXPECT_EQ(chunks, (std::vector<std::string>{" ", "", "\xC3\xA9", "", "", "\xE2\x82\xAC"}));
  EXPECT_EQ(stream.finish(), "");
  // finish() turns an incomplete sequence into U+FFFD.
  EXPECT_EQ(stream.push(byte_token(0xE2)), "");
  EXPECT_EQ(stream.finish(), "\xEF\xBF\xBD");
}

}  // namespace
