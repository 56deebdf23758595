// The byte-level BPE tokenizer on the real Llama 3 vocabulary (BitNet b1.58 2B4T's), against
// the ids two independent implementations agree on (tests/data/tokenizer/cases.jsonl: the
// oracle ik_llama.cpp and a port of HF tokenizers; see ../shared/reference/tokenizer).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tokenizer/utf8.hpp"
#include "tokenizer_testdata.hpp"

namespace {

using trit::testdata::llama3_cases;
using trit::testdata::llama3_tokenizer;
using trit::tokenizer::ChatMessage;
using trit::tokenizer::StreamDecoder;
using trit::tokenizer::TokenId;
using trit::tokenizer::VocabKind;
namespace utf8 = trit::tokenizer::utf8;

std::string show(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else out += static_cast<char>(c);
  }
  return out.size() > 80 ? out.substr(0, 80) + "..." : out;
}

TEST(Llama3Tokenizer, MetadataFromTheFile) {
  const auto& tok = llama3_tokenizer();
  EXPECT_EQ(tok.n_vocab(), 128256u);
  EXPECT_EQ(tok.kind(), VocabKind::BytePairGpt2);
  EXPECT_EQ(tok.pre(), "llama-bpe");
  EXPECT_EQ(tok.bos(), 128000);
  EXPECT_EQ(tok.eos(), 128001);
  EXPECT_EQ(tok.eot(), 128009);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_FALSE(tok.add_eos());  // key absent: false
  // The oracle treats <|end_of_text|> and <|eot_id|> as end of generation.
  EXPECT_TRUE(tok.is_eog(128001));
  EXPECT_TRUE(tok.is_eog(128009));
  EXPECT_FALSE(tok.is_eog(128000));
  EXPECT_FALSE(tok.is_eog(198));
  EXPECT_EQ(tok.token_text(128009), "<|eot_id|>");
  EXPECT_EQ(tok.token_text(198), "\xC4\x8A");  // 'Ċ' = '\n', the oracle's LF token
  EXPECT_TRUE(tok.notes().empty());
  // No tokenizer.chat_template in this file: the 2B4T format is the fallback.
  EXPECT_TRUE(tok.chat_template().is_fallback());
  EXPECT_EQ(tok.chat_template().name(), "bitnet");
}

TEST(Llama3Tokenizer, AllOracleCasesMatchWithAndWithoutBos) {
  const auto& tok = llama3_tokenizer();
  const auto cases = llama3_cases();
  ASSERT_EQ(cases.size(), 63u);
  int with_bos = 0, no_bos = 0;
  for (const auto& c : cases) {
    const auto got_bos = tok.encode(c.text, /*add_special=*/true, /*parse_special=*/false);
    const auto got_plain = tok.encode(c.text, false, false);
    EXPECT_EQ(got_bos, c.ids_with_bos) << "text: " << show(c.text);
    EXPECT_EQ(got_plain, c.ids_no_bos) << "text: " << show(c.text);
    with_bos += got_bos == c.ids_with_bos;
    no_bos += got_plain == c.ids_no_bos;
  }
  EXPECT_EQ(with_bos, 63);
  EXPECT_EQ(no_bos, 63);
}

TEST(Llama3Tokenizer, AllParseSpecialCasesMatch) {
  const auto& tok = llama3_tokenizer();
  int n = 0;
  for (const auto& c : llama3_cases()) {
    if (!c.ids_parse_special) continue;
    ++n;
    EXPECT_EQ(tok.encode(c.text, true, /*parse_special=*/true), *c.ids_parse_special)
        << "text: " << show(c.text);
  }
  EXPECT_EQ(n, 8);
}

TEST(Llama3Tokenizer, DecodeRestoresEveryCaseText) {
  const auto& tok = llama3_tokenizer();
  for (const auto& c : llama3_cases()) {
    EXPECT_EQ(tok.decode(c.ids_no_bos), c.text) << "text: " << show(c.text);
    // BOS is a control token: it decodes to nothing unless asked for.
    EXPECT_EQ(tok.decode(c.ids_with_bos), c.text);
    EXPECT_EQ(tok.decode(c.ids_with_bos, /*render_special=*/true), "<|begin_of_text|>" + c.text);
  }
}

TEST(Llama3Tokenizer, StreamingNeverSplitsACharacter) {
  const auto& tok = llama3_tokenizer();
  int held_back = 0;
  for (const auto& c : llama3_cases()) {
    StreamDecoder stream(tok);
    std::string printed;
    for (TokenId id : c.ids_with_bos) {
      const std::string chunk = stream.push(id);
      EXPECT_TRUE(utf8::is_valid(chunk)) << "text: " << show(c.text);
      if (chunk.empty() && !tok.token_to_piece(id).empty()) ++held_back;
      printed += chunk;
    }
    printed += stream.finish();
    EXPECT_EQ(printed, c.text);
  }
  // Emoji and CJK cases have tokens that end inside a character: the holding path ran.
  EXPECT_GT(held_back, 0);
}

// The chat prompt case of cases.jsonl is the 2B4T template's rendering of a system and a user
// message; tokenized with parse_special it must give the oracle's ids.
TEST(Llama3Tokenizer, RenderedChatPromptTokenizesToTheOracleIds) {
  const auto& tok = llama3_tokenizer();
  const std::vector<ChatMessage> messages = {
      {"system", "You are a helpful assistant."},
      {"user", "What is the capital of France?"},
  };
  const std::string prompt = tok.render_chat(messages, /*add_generation_prompt=*/true);
  const auto cases = llama3_cases();
  const auto it = std::find_if(cases.begin(), cases.end(),
                               [&](const auto& c) { return c.text == prompt; });
  ASSERT_NE(it, cases.end()) << "no case with the rendered prompt: " << prompt;
  ASSERT_TRUE(it->ids_parse_special.has_value());
  EXPECT_EQ(tok.encode(prompt, true, true), *it->ids_parse_special);
  EXPECT_EQ(tok.encode(prompt, true, false), it->ids_with_bos);
}

// Long runs exercise the O(n log n) merge loop and the regex on inputs far beyond the cases
// (a quadratic BPE needs minutes for the 100k-letter word under the sanitizers; ctest's
// timeout would catch it). Without an oracle for these, check lossless round trips and the
// structure the pre-tokenizer imposes.
TEST(Llama3Tokenizer, LongRunsRoundTrip) {
  const auto& tok = llama3_tokenizer();
  const std::vector<std::string> inputs = {
      std::string(100000, 'a'),
      std::string(100000, ' ') + "x",
      std::string(50000, '\n'),
      std::string(30000, '7'),
      [] {
        std::string s;
        for (int i = 0; i < 5000; ++i) s += "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD";  // 👍🏽
        return s;
      }(),
  };
  for (const std::string& text : inputs) {
    const auto ids = tok.encode(text, false, false);
    ASSERT_FALSE(ids.empty());
    EXPECT_LE(ids.size(), text.size());
    EXPECT_EQ(tok.decode(ids), text) << "input of " << text.size() << " bytes";
  }
  // Digits split into groups of three from the left: 30000 digits are 10000 groups, and
  // "777" is a single piece, so each group is one token.
  EXPECT_EQ(tok.encode(std::string(30000, '7'), false, false).size(), 10000u);
}

// Ill-formed UTF-8 is replaced by U+FFFD (one per maximal subpart) before tokenization, so it
// encodes exactly like the replaced text and never throws.
TEST(Llama3Tokenizer, IllFormedUtf8IsReplacedNotFatal) {
  const auto& tok = llama3_tokenizer();
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(tok.encode("\xFF", false, false), tok.encode(fffd, false, false));
  EXPECT_EQ(tok.encode("ab\xE2\x82", false, false), tok.encode("ab" + fffd, false, false));
  EXPECT_EQ(tok.encode("\xED\xA0\x80", false, false), tok.encode(fffd + fffd + fffd, false, false));
  EXPECT_EQ(tok.encode("x\xC0\xAFy", false, false), tok.encode("x" + fffd + fffd + "y", false, false));

  std::mt19937 rng(20250417);
  std::uniform_int_distribution<int> len(0, 40), byte(0, 255);
  for (int i = 0; i < 2000; ++i) {
    std::string s(static_cast<size_t>(len(rng)), '\0');
    for (char& ch : s) ch = static_cast<char>(byte(rng));
    std::vector<TokenId> ids;
    ASSERT_NO_THROW(ids = tok.encode(s, true, true));
    EXPECT_EQ(tok.decode(ids), utf8::sanitize(s));
  }
}

TEST(Llama3Tokenizer, PiecesAndErrors) {
  const auto& tok = llama3_tokenizer();
  EXPECT_EQ(tok.token_to_piece(220), " ");      // 'Ġ'
  EXPECT_EQ(tok.token_to_piece(198), "\n");     // 'Ċ'
  EXPECT_EQ(tok.token_to_piece(128009), "");    // control
  EXPECT_EQ(tok.token_to_piece(128009, true), "<|eot_id|>");
  EXPECT_THROW(tok.token_to_piece(-1), trit::tokenizer::Error);
  EXPECT_THROW(tok.token_to_piece(128256), trit::tokenizer::Error);
  EXPECT_EQ(tok.find_token("<|eot_id|>"), 128009);
  EXPECT_FALSE(tok.find_token("definitely not a piece").has_value());
}

}  // namespace
