// Tokenizer building blocks without model files: UTF-8 handling, the GPT-2 byte mapping, the
// Llama 3 pre-tokenizer, BPE merge order on hand-made vocabularies, vocabulary validation and
// chat templates. Expected values come from the published definitions cited per test.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tokenizer/byte_level.hpp"
#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/utf8.hpp"

namespace {

using namespace trit::tokenizer;

// --- UTF-8 -----------------------------------------------------------------------------------

// The Unicode Standard 15.0, section 3.9, Table 3-8 ("U+FFFD for Non-Shortest Form
// Sequences" and the following examples): the bytes 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64
// become a, FFFD, FFFD, FFFD, b, FFFD, c, FFFD, FFFD, d under the maximal subpart practice.
TEST(Utf8, SanitizeFollowsTheMaximalSubpartPractice) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(utf8::sanitize("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
            "a" + fffd + fffd + fffd + "b" + fffd + "c" + fffd + fffd + "d");
  // Table 3-8's other rows: overlong forms, surrogates and > U+10FFFF are one FFFD per byte.
  EXPECT_EQ(utf8::sanitize("\xC0\xAF"), fffd + fffd);
  EXPECT_EQ(utf8::sanitize("\xED\xA0\x80"), fffd + fffd + fffd);
  EXPECT_EQ(utf8::sanitize("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);
  EXPECT_EQ(utf8::sanitize("\xF0\x9F\x98"), fffd);  // truncated 4-byte sequence: one subpart
  EXPECT_EQ(utf8::sanitize("ok \xE2\x82\xAC"), "ok \xE2\x82\xAC");
  EXPECT_TRUE(utf8::is_valid("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(utf8::is_valid("\xF0\x9F\x98"));
}

TEST(Utf8, IncompleteTailIsHeldOnlyWhenItCanStillComplete) {
  EXPECT_EQ(utf8::incomplete_tail_length(""), 0u);
  EXPECT_EQ(utf8::incomplete_tail_length("abc"), 0u);
  EXPECT_EQ(utf8::incomplete_tail_length("a\xC3"), 1u);
  EXPECT_EQ(utf8::incomplete_tail_length("a\xE2\x82"), 2u);
  EXPECT_EQ(utf8::incomplete_tail_length("a\xF0\x9F\x98"), 3u);
  EXPECT_EQ(utf8::incomplete_tail_length("a\xF0\x9F\x98\x80"), 0u);  // complete
  EXPECT_EQ(utf8::incomplete_tail_length("a\x80"), 0u);              // stray continuation
  EXPECT_EQ(utf8::incomplete_tail_length("a\xED\xA0"), 0u);          // would be a surrogate
  EXPECT_EQ(utf8::incomplete_tail_length("a\xFF"), 0u);              // never a lead byte
}

// --- GPT-2 byte mapping ------------------------------------------------------------------------

// The mapping as the reference README lists it: 'Ġ' = space, 'Ċ' = \n, 'ĉ' = tab, 'č' = \r;
// printable ASCII stands for itself; all 256 images are distinct.
TEST(ByteLevel, MatchesTheGpt2Table) {
  EXPECT_EQ(byte_level::byte_to_code_point(' '), 0x120u);
  EXPECT_EQ(byte_level::byte_to_code_point('\n'), 0x10Au);
  EXPECT_EQ(byte_level::byte_to_code_point('\t'), 0x109u);
  EXPECT_EQ(byte_level::byte_to_code_point('\r'), 0x10Du);
  EXPECT_EQ(byte_level::byte_to_code_point('A'), static_cast<char32_t>('A'));
  EXPECT_EQ(byte_level::byte_to_code_point(0xAD), 0x143u);  // soft hyphen is the last shifted byte
  std::set<char32_t> images;
  for (int b = 0; b < 256; ++b) {
    const char32_t cp = byte_level::byte_to_code_point(static_cast<uint8_t>(b));
    images.insert(cp);
    EXPECT_EQ(byte_level::code_point_to_byte(cp), b);
  }
  EXPECT_EQ(images.size(), 256u);
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string image;
  byte_level::encode(all, image);
  EXPECT_TRUE(utf8::is_valid(image));
  EXPECT_EQ(byte_level::decode(image), all);
}

// --- Llama 3 pre-tokenizer ---------------------------------------------------------------------

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string_view> pieces;
  PreTokenizer::llama3()->split(text, pieces);
  return {pieces.begin(), pieces.end()};
}

using Pieces = std::vector<std::string>;

// Behaviours the reference README derives from the split pattern.
TEST(Llama3PreTokenizer, SplitsAsThePatternSays) {
  EXPECT_EQ(split("1234567"), (Pieces{"123", "456", "7"}));
  EXPECT_EQ(split("9876543210"), (Pieces{"987", "654", "321", "0"}));
  EXPECT_EQ(split("I'M"), (Pieces{"I", "'M"}));
  EXPECT_EQ(split("Don'T"), (Pieces{"Don", "'T"}));
  EXPECT_EQ(split("THEY'LL"), (Pieces{"THEY", "'LL"}));
  EXPECT_EQ(split(" 't"), (Pieces{" '", "t"}));  // after a space 't is not a contraction
  EXPECT_EQ(split("a    b"), (Pieces{"a", "   ", " b"}));
  EXPECT_EQ(split("a\r\nb"), (Pieces{"a", "\r\n", "b"}));
  EXPECT_EQ(split("end "), (Pieces{"end", " "}));
  EXPECT_EQ(split("x  \n\n y"), (Pieces{"x", "  \n\n", " y"}));
  EXPECT_EQ(split("\xD9\xA1\xD9\xA2\xD9\xA3\xD9\xA4"),  // Arabic-Indic digits are \p{N}
            (Pieces{"\xD9\xA1\xD9\xA2\xD9\xA3", "\xD9\xA4"}));
  EXPECT_TRUE(split("").empty());
}

// \s is Unicode White_Space, which includes U+0085 (NEL) and U+3000, and excludes U+200B.
TEST(Llama3PreTokenizer, WhitespaceIsUnicodeWhiteSpace) {
  EXPECT_EQ(split("a\xC2\x85\xC2\x85" "b"), (Pieces{"a", "\xC2\x85", "\xC2\x85" "b"}));
  EXPECT_EQ(split("a\xE3\x80\x80\xE3\x80\x80" "b"), (Pieces{"a", "\xE3\x80\x80", "\xE3\x80\x80" "b"}));
  EXPECT_EQ(split("a\xE2\x80\x8B" "b"), (Pieces{"a", "\xE2\x80\x8B" "b"}));  // ZWSP is not \s
}

TEST(Llama3PreTokenizer, PiecesCoverTheInputExactly) {
  const std::string text = "Hello,   world!\n\n  x = 42; // ok\t\r\n\xE4\xBD\xA0\xE5\xA5\xBD";
  std::string joined;
  for (const auto& p : split(text)) {
    EXPECT_FALSE(p.empty());
    joined += p;
  }
  EXPECT_EQ(joined, text);
}

// --- BPE on hand-made vocabularies -------------------------------------------------------------

// A byte-level vocabulary: one piece per byte image, then `extra` pieces and the merges.
VocabData byte_level_vocab(const std::vector<std::string>& extra, const std::vector<std::string>& merges) {
  VocabData v;
  v.kind = VocabKind::BytePairGpt2;
  v.pre = "llama-bpe";
  for (int b = 0; b < 256; ++b) v.tokens.push_back(byte_level::byte_to_text(static_cast<uint8_t>(b)));
  for (const auto& e : extra) v.tokens.push_back(e);
  v.merges = merges;
  return v;
}

TokenId id_of(const Tokenizer& t, std::string_view text) {
  const auto id = t.find_token(text);
  EXPECT_TRUE(id.has_value()) << text;
  return id.value_or(-1);
}

// BPE (Sennrich et al. 2016, GPT-2's encoder): apply the lowest-ranked merge present among
// adjacent pairs, repeatedly; equal pairs merge left to right.
TEST(BytePairEncoding, LowestRankFirstAndLeftmostOnTies) {
  // Ranks: "b c" before "a b": "abc" -> a + bc, not ab + c.
  const Tokenizer t(byte_level_vocab({"bc", "ab", "aa"}, {"b c", "a b", "a a"}));
  EXPECT_EQ(t.encode("abc", false, false), (std::vector<TokenId>{'a', id_of(t, "bc")}));
  // Ties: "aaa" -> aa + a (leftmost pair first).
  EXPECT_EQ(t.encode("aaa", false, false), (std::vector<TokenId>{id_of(t, "aa"), 'a'}));
  EXPECT_EQ(t.encode("aaaa", false, false), (std::vector<TokenId>{id_of(t, "aa"), id_of(t, "aa")}));
}

// Llama 3's "ignore merges": a pre-token that is itself a piece is emitted whole, even when the
// merges could not build it.
TEST(BytePairEncoding, WholePreTokenPieceSkipsMerges) {
  const Tokenizer t(byte_level_vocab({"abc"}, {"a b"}));  // "ab" is not a piece: merge ignored
  EXPECT_EQ(t.encode("abc", false, false), (std::vector<TokenId>{id_of(t, "abc")}));
  EXPECT_EQ(t.encode("abcd", false, false), (std::vector<TokenId>{'a', 'b', 'c', 'd'}));
}

TEST(BytePairEncoding, MissingByteTokensUseUnknownOrFail) {
  VocabData v = byte_level_vocab({}, {"a a"});
  v.tokens['z'] = "<unk-z>";  // the image of 'z' is no longer a piece
  {
    VocabData with_unk = v;
    with_unk.tokens.push_back("<unk>");
    with_unk.unk = static_cast<TokenId>(with_unk.tokens.size() - 1);
    const Tokenizer t(with_unk);
    EXPECT_EQ(t.encode("az", false, false), (std::vector<TokenId>{'a', *with_unk.unk}));
  }
  const Tokenizer t(v);
  EXPECT_THROW(t.encode("az", false, false), Error);
  EXPECT_EQ(t.encode("aa", false, false), (std::vector<TokenId>{'a', 'a'}));  // "aa" is no piece
}

TEST(BytePairEncoding, SpecialTokensAreMatchedBeforeTheRegex) {
  VocabData v = byte_level_vocab({"<|end|>", "<|user|>"}, {"a a"});
  v.types.assign(v.tokens.size(), TokenType::Normal);
  v.types[256] = TokenType::Control;
  v.types[257] = TokenType::UserDefined;
  const Tokenizer t(v);
  // Control text needs parse_special; user-defined text is always a token (HF/llama.cpp).
  EXPECT_EQ(t.encode("a<|end|>", false, true), (std::vector<TokenId>{'a', 256}));
  EXPECT_EQ(t.encode("a<|end|>", false, false).size(), 8u);
  EXPECT_EQ(t.encode("<|user|>b", false, false), (std::vector<TokenId>{257, 'b'}));
  EXPECT_EQ(t.token_to_piece(257), "<|user|>");
  EXPECT_EQ(t.token_to_piece(256), "");
  EXPECT_TRUE(t.is_eog(256));  // "<|end|>" ends a turn by its text
}

// --- vocabulary validation ---------------------------------------------------------------------

TEST(VocabValidation, RejectsWhatCannotBeTokenizedFaithfully) {
  const VocabData good = byte_level_vocab({"ab"}, {"a b"});
  EXPECT_NO_THROW(Tokenizer{good});

  auto expect_error = [](VocabData v, std::string_view fragment) {
    try {
      Tokenizer t(std::move(v));
      ADD_FAILURE() << "no error, expected one mentioning '" << fragment << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  VocabData v = good;
  v.pre = "qwen2";
  expect_error(v, "unsupported pre-tokenizer");
  v = good;
  v.pre.reset();
  expect_error(v, "tokenizer.ggml.pre is missing");
  v = good;
  v.merges = {"ab"};
  expect_error(v, "merges[0]");
  v = good;
  v.merges.clear();
  expect_error(v, "without tokenizer.ggml.merges");
  v = good;
  v.bos = 100000;
  expect_error(v, "bos_token_id = 100000");
  v = good;
  v.scores = {1.0f};
  expect_error(v, "scores has 1 entries");
  v = good;
  v.types.assign(v.tokens.size(), static_cast<TokenType>(9));
  expect_error(v, "unknown token type 9");
  v = good;
  v.tokens.clear();
  expect_error(v, "empty");
  v = good;
  v.add_bos = true;  // explicitly asked for, but no BOS id
  expect_error(v, "add_bos_token");

  VocabData spm;
  spm.kind = VocabKind::SentencePiece;
  spm.tokens = {"<unk>", "<0x4G>"};
  spm.types = {TokenType::Unknown, TokenType::Byte};
  expect_error(spm, "not of the form <0xNN>");
}

// A 2B4T file written without tokenizer.ggml.pre still loads: its vocabulary is Llama 3's.
TEST(VocabValidation, MissingPreWithLlama3VocabularyUsesLlama3) {
  VocabData v = byte_level_vocab({"<|begin_of_text|>", "<|end_of_text|>", "ab"}, {"a b"});
  v.pre.reset();
  const Tokenizer t(v);
  EXPECT_EQ(t.pre(), "llama-bpe");
  ASSERT_EQ(t.notes().size(), 1u);
  EXPECT_NE(t.notes()[0].find("tokenizer.ggml.pre is missing"), std::string::npos);
}

// --- chat templates ----------------------------------------------------------------------------

// The rendering the reference README documents for the oracle's "bitnet" template.
TEST(ChatTemplates, BitnetRendersLikeTheReferenceRuntime) {
  const ChatTemplate t = ChatTemplate::by_name("bitnet");
  const std::vector<ChatMessage> messages = {
      {"system", "You are a helpful assistant."},
      {"user", "  Hello!  "},
      {"assistant", "Hi! How can I help?"},
      {"user", "What is 2+2?"},
  };
  const std::string expected =
      "System: You are a helpful assistant.User:   Hello!  <|eot_id|>Assistant: Hi! How can I "
      "help?User: What is 2+2?<|eot_id|>Assistant: ";
  EXPECT_EQ(t.render(messages, true), expected);
  EXPECT_EQ(t.render(messages, false), expected);  // add_generation_prompt changes nothing
  EXPECT_EQ(t.render(std::span(messages).first(2), true),
            "System: You are a helpful assistant.User:   Hello!  <|eot_id|>Assistant: ");
}

// Meta's documented Llama 3 instruct format (header, blank line, trimmed content, <|eot_id|>).
TEST(ChatTemplates, Llama3Format) {
  const ChatTemplate t = ChatTemplate::by_name("llama3");
  const std::vector<ChatMessage> messages = {{"system", "Be brief."}, {"user", " Hi \n"}};
  EXPECT_EQ(t.render(messages, true),
            "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(t.render(messages, false).find("assistant"), std::string::npos);
}

TEST(ChatTemplates, DetectionByNameAndContent) {
  EXPECT_TRUE(ChatTemplate::detect(std::nullopt).is_fallback());
  EXPECT_EQ(ChatTemplate::detect(std::nullopt).format(), ChatFormat::Bitnet);
  EXPECT_FALSE(ChatTemplate::detect("bitnet").is_fallback());
  const auto llama3 = ChatTemplate::detect(
      "{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\n\n' + "
      "m['content'] | trim + '<|eot_id|>' }}{% endfor %}");
  EXPECT_EQ(llama3.format(), ChatFormat::Llama3);
  EXPECT_FALSE(llama3.is_fallback());
  const auto hf_2b4t = ChatTemplate::detect(
      "{% for message in messages %}{{ message['role'] | capitalize + ': ' + message['content'] | "
      "trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}");
  EXPECT_EQ(hf_2b4t.format(), ChatFormat::Bitnet);
  EXPECT_FALSE(hf_2b4t.is_fallback());
  const auto chatml = ChatTemplate::detect("{{ '<|im_start|>' + m['role'] }}");
  EXPECT_TRUE(chatml.is_fallback());
  EXPECT_EQ(chatml.format(), ChatFormat::Bitnet);
  EXPECT_THROW(ChatTemplate::by_name("chatml"), Error);
}

}  // namespace
