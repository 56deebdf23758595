#include "tokenizer/tokenizer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

#include "tokenizer/byte_level.hpp"
#include "tokenizer/model.hpp"
#include "tokenizer/utf8.hpp"

namespace trit::tokenizer {

namespace detail {

TokenId Model::fallback_for_byte(uint8_t b) const {
  if (byte_token[b] >= 0) return byte_token[b];
  if (unk >= 0) return unk;
  static constexpr char kHex[] = "0123456789ABCDEF";
  throw Error(std::string("cannot encode byte 0x") + kHex[b >> 4] + kHex[b & 15] +
              ": the vocabulary has no token for it and no unknown token");
}

namespace {
size_t table_size_for(size_t n) {
  size_t size = 16;
  while (size < 2 * n) size *= 2;
  return size;
}
uint64_t mix(uint64_t x) {  // splitmix64 finaliser: spreads the two packed ids over all bits
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
}  // namespace

void TokenIndex::build(const std::vector<std::string>& tokens) {
  tokens_ = &tokens;
  slots_.assign(table_size_for(tokens.size()), -1);
  mask_ = slots_.size() - 1;
  const std::hash<std::string_view> hash;
  for (size_t id = 0; id < tokens.size(); ++id) {
    const std::string& text = tokens[id];
    if (text.empty()) continue;  // an empty piece can never be matched
    for (size_t i = hash(text) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] < 0) {
        slots_[i] = static_cast<TokenId>(id);
        break;
      }
      if (tokens[slots_[i]] == text) {
        slots_[i] = static_cast<TokenId>(id);  // a later duplicate wins, as in llama.cpp
        break;
      }
    }
  }
}

TokenId TokenIndex::find(std::string_view text) const {
  if (slots_.empty()) return -1;
  for (size_t i = std::hash<std::string_view>()(text) & mask_;; i = (i + 1) & mask_) {
    const TokenId id = slots_[i];
    if (id < 0) return -1;
    if ((*tokens_)[id] == text) return id;
  }
}

void MergeTable::reserve(size_t n) {
  slots_.assign(table_size_for(n), Slot{kEmpty, {}});
  mask_ = slots_.size() - 1;
  size_ = 0;
}

bool MergeTable::insert(TokenId left, TokenId right, Merge merge) {
  if (2 * (size_ + 1) > slots_.size()) {  // grow (callers normally reserve up front)
    std::vector<Slot> old = std::move(slots_);
    reserve(2 * (size_ + 1));
    for (const Slot& s : old) {
      if (s.key != kEmpty) insert(static_cast<TokenId>(s.key >> 32), static_cast<TokenId>(s.key), s.merge);
    }
  }
  const uint64_t key = merge_key(left, right);
  for (size_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
    if (slots_[i].key == key) return false;
    if (slots_[i].key == kEmpty) {
      slots_[i] = {key, merge};
      ++size_;
      return true;
    }
  }
}

const Merge* MergeTable::find(TokenId left, TokenId right) const {
  if (slots_.empty()) return nullptr;
  const uint64_t key = merge_key(left, right);
  for (size_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
    if (slots_[i].key == key) return &slots_[i].merge;
    if (slots_[i].key == kEmpty) return nullptr;
  }
}

}  // namespace detail

namespace {

using detail::Model;

constexpr std::string_view kSpmSpace = "\xE2\x96\x81";  // U+2581 '▁' stands for ' '

// Names llama.cpp maps to its Llama 3 pre-tokenizer (llama-vocab.cpp), all of which use the
// same split pattern and "ignore merges".
bool is_llama3_pre(std::string_view pre) {
  return pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3";
}

// End-of-generation tokens found by text, as llama.cpp does for models whose metadata lists
// only EOS (its list, restricted to texts that can end a turn of the models Trit runs).
constexpr std::array<std::string_view, 7> kEndOfTurnTexts = {
    "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|endoftext|>",
    "<|im_end|>", "<|end|>",    "<end_of_turn>",
};

std::string id_string(TokenId id) { return std::to_string(id); }

void check_id(const Model& m, std::optional<TokenId> id, std::string_view what, TokenId& dest) {
  if (!id) return;
  if (*id < 0 || static_cast<size_t>(*id) >= m.tokens.size()) {
    throw Error("tokenizer: " + std::string(what) + " = " + id_string(*id) +
                " is outside the vocabulary [0, " + std::to_string(m.tokens.size()) + ")");
  }
  dest = *id;
}

// "<0x0A>" -> 0x0A
std::optional<uint8_t> parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return std::nullopt;
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(text.data() + 3, text.data() + 5, value, 16);
  if (ec != std::errc() || ptr != text.data() + 5) return std::nullopt;
  return static_cast<uint8_t>(value);
}

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (true) {
    const size_t hit = s.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(s.substr(pos));
  return out;
}

void build_byte_level_bpe(Model& m, VocabData& v) {
  if (!v.pre) {
    // Official BitNet b1.58 2B4T GGUFs were written by a converter that omits the key. The
    // model was trained with the Llama 3 tokenizer, which the vocabulary itself identifies.
    if (m.lookup("<|begin_of_text|>") >= 0 && m.lookup("<|end_of_text|>") >= 0) {
      m.notes.push_back(
          "tokenizer.ggml.pre is missing; the vocabulary is Llama 3's (it has "
          "<|begin_of_text|>), so the Llama 3 pre-tokenizer is used");
      v.pre = "llama-bpe";
    } else {
      throw Error(
          "tokenizer: tokenizer.ggml.pre is missing; a gpt2 (byte-level BPE) vocabulary needs "
          "its pre-tokenizer named (supported: llama-bpe, llama3, llama-v3)");
    }
  }
  if (!is_llama3_pre(*v.pre)) {
    throw Error("tokenizer: unsupported pre-tokenizer tokenizer.ggml.pre = '" + *v.pre +
                "' (supported: llama-bpe, llama3, llama-v3)");
  }
  m.pre_name = *v.pre;
  m.pretokenizer = PreTokenizer::llama3();
  m.ignore_merges = true;

  for (unsigned b = 0; b < 256; ++b) {
    m.byte_token[b] = m.lookup(byte_level::byte_to_text(static_cast<uint8_t>(b)));
  }

  if (v.merges.empty()) throw Error("tokenizer: gpt2 vocabulary without tokenizer.ggml.merges");
  m.merges.reserve(v.merges.size());
  std::string joined;
  size_t skipped = 0;
  for (size_t rank = 0; rank < v.merges.size(); ++rank) {
    const std::string_view merge = v.merges[rank];
    // "left right": the separator is the first space after the first character (a piece
    // never contains a raw space in byte-level form, but the left one may be a space image).
    const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
    if (space == std::string_view::npos || space + 1 >= merge.size()) {
      throw Error("tokenizer: tokenizer.ggml.merges[" + std::to_string(rank) + "] = '" +
                  std::string(merge) + "' is not \"left right\"");
    }
    const std::string_view left = merge.substr(0, space);
    const std::string_view right = merge.substr(space + 1);
    joined.assign(left);
    joined.append(right);
    const TokenId l = m.lookup(left), r = m.lookup(right), result = m.lookup(joined);
    if (l < 0 || r < 0 || result < 0) {
      ++skipped;  // a merge whose parts or result are not pieces can never produce a token
      continue;
    }
    // The first (lowest-ranked) occurrence of a pair wins, as in a rank table.
    m.merges.insert(l, r, detail::Merge{static_cast<int32_t>(rank), result});
  }
  if (skipped > 0) {
    m.notes.push_back(std::to_string(skipped) +
                      " merges name pieces that are not in the vocabulary; they were ignored");
  }
}

void build_sentencepiece(Model& m, const VocabData& v) {
  m.add_space_prefix = v.add_space_prefix.value_or(true);
  for (size_t id = 0; id < m.tokens.size(); ++id) {
    if (m.types[id] != TokenType::Byte) continue;
    const auto byte = parse_byte_token(m.tokens[id]);
    if (!byte) {
      throw Error("tokenizer: token " + std::to_string(id) + " '" + m.tokens[id] +
                  "' has type byte but is not of the form <0xNN>");
    }
    if (m.byte_token[*byte] < 0) m.byte_token[*byte] = static_cast<TokenId>(id);
  }
}

std::string piece_of(const Model& m, size_t id) {
  const std::string& text = m.tokens[id];
  switch (m.types[id]) {
    case TokenType::Normal:
      return m.kind == VocabKind::BytePairGpt2 ? byte_level::decode(text)
                                                : replace_all(text, kSpmSpace, " ");
    case TokenType::UserDefined: return text;
    case TokenType::Byte: {
      const auto byte = parse_byte_token(text);
      return byte ? std::string(1, static_cast<char>(*byte)) : std::string();
    }
    case TokenType::Control:   // rendered only on request (token_to_piece(render_special))
    case TokenType::Unknown:
    case TokenType::Unused:
    case TokenType::Undefined: return {};
  }
  return {};
}

std::shared_ptr<const Model> build(VocabData v) {
  auto m = std::make_shared<Model>();
  m->kind = v.kind;
  const size_t n = v.tokens.size();
  if (n == 0) throw Error("tokenizer: the vocabulary (tokenizer.ggml.tokens) is empty");
  if (n > static_cast<size_t>(INT32_MAX)) throw Error("tokenizer: vocabulary too large");
  if (!v.scores.empty() && v.scores.size() != n) {
    throw Error("tokenizer: tokenizer.ggml.scores has " + std::to_string(v.scores.size()) +
                " entries for " + std::to_string(n) + " tokens");
  }
  if (!v.types.empty() && v.types.size() != n) {
    throw Error("tokenizer: tokenizer.ggml.token_type has " + std::to_string(v.types.size()) +
                " entries for " + std::to_string(n) + " tokens");
  }
  m->tokens = std::move(v.tokens);
  m->scores = v.scores.empty() ? std::vector<float>(n, 0.0f) : std::move(v.scores);
  m->types = v.types.empty() ? std::vector<TokenType>(n, TokenType::Normal) : std::move(v.types);
  for (size_t id = 0; id < n; ++id) {
    const auto t = static_cast<int32_t>(m->types[id]);
    if (t < 0 || t > static_cast<int32_t>(TokenType::Byte)) {
      throw Error("tokenizer: token " + std::to_string(id) + " has unknown token type " +
                  std::to_string(t));
    }
  }

  m->text_to_id.build(m->tokens);

  m->byte_token.fill(-1);
  check_id(*m, v.bos, "tokenizer.ggml.bos_token_id", m->bos);
  check_id(*m, v.eos, "tokenizer.ggml.eos_token_id", m->eos);
  check_id(*m, v.eot, "tokenizer.ggml.eot_token_id", m->eot);
  check_id(*m, v.eom, "tokenizer.ggml.eom_token_id", m->eom);
  check_id(*m, v.unk, "tokenizer.ggml.unknown_token_id", m->unk);
  if (m->eot < 0) m->eot = m->lookup("<|eot_id|>");
  if (m->eom < 0) m->eom = m->lookup("<|eom_id|>");

  switch (m->kind) {
    case VocabKind::BytePairGpt2: build_byte_level_bpe(*m, v); break;
    case VocabKind::SentencePiece: build_sentencepiece(*m, v); break;
  }

  // Absent flags take llama.cpp's defaults for SentencePiece and Llama 3 (BOS yes, EOS no);
  // a default cannot ask for a token the vocabulary does not name, an explicit flag can.
  m->add_bos = v.add_bos.value_or(m->bos >= 0);
  m->add_eos = v.add_eos.value_or(false);
  if (m->add_bos && m->bos < 0) {
    throw Error("tokenizer: tokenizer.ggml.add_bos_token is set but there is no bos_token_id");
  }
  if (m->add_eos && m->eos < 0) {
    throw Error("tokenizer: tokenizer.ggml.add_eos_token is set but there is no eos_token_id");
  }

  for (TokenId id : {m->eos, m->eot, m->eom}) {
    if (id >= 0) m->eog.push_back(id);
  }
  for (std::string_view text : kEndOfTurnTexts) {
    if (const TokenId id = m->lookup(text); id >= 0) m->eog.push_back(id);
  }
  std::sort(m->eog.begin(), m->eog.end());
  m->eog.erase(std::unique(m->eog.begin(), m->eog.end()), m->eog.end());

  for (size_t id = 0; id < n; ++id) {
    const TokenType t = m->types[id];
    if ((t == TokenType::Control || t == TokenType::UserDefined || t == TokenType::Unknown) &&
        !m->tokens[id].empty()) {
      m->special_tokens.push_back(static_cast<TokenId>(id));
    }
  }
  std::stable_sort(m->special_tokens.begin(), m->special_tokens.end(),
                   [&](TokenId a, TokenId b) { return m->tokens[a].size() > m->tokens[b].size(); });

  m->pieces.resize(n);
  for (size_t id = 0; id < n; ++id) m->pieces[id] = piece_of(*m, id);

  m->chat = ChatTemplate::detect(v.chat_template);
  return m;
}

// A run of the input: raw text still to tokenize, or a special token already matched.
struct Fragment {
  TokenId token;  // -1 for text
  size_t begin;
  size_t end;
};

// Cuts `text` at every occurrence of a special token's text, longest tokens first (so a
// longer special text wins over one it contains), as llama.cpp's tokenizer_st_partition.
std::vector<Fragment> partition(const Model& m, std::string_view text, bool parse_special) {
  if (text.empty()) return {};  // "" is no text run (SentencePiece: no space prefix either)
  std::vector<Fragment> fragments{{-1, 0, text.size()}};
  std::vector<Fragment> next;
  for (TokenId id : m.special_tokens) {
    const TokenType type = m.types[id];
    if (!parse_special && type != TokenType::UserDefined) continue;
    const std::string& special = m.tokens[id];
    if (text.find(special) == std::string_view::npos) continue;
    next.clear();
    for (const Fragment& f : fragments) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      size_t pos = f.begin;
      while (pos < f.end) {
        const size_t hit = text.substr(0, f.end).find(special, pos);
        if (hit == std::string_view::npos) break;
        if (hit > pos) next.push_back({-1, pos, hit});
        next.push_back({id, hit, hit + special.size()});
        pos = hit + special.size();
      }
      if (pos < f.end) next.push_back({-1, pos, f.end});
    }
    fragments.swap(next);
  }
  return fragments;
}

}  // namespace

Tokenizer::Tokenizer(VocabData vocab) : model_(build(std::move(vocab))) {}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  const Model& m = *model_;
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + 2);
  if (add_special && m.add_bos) out.push_back(m.bos);

  if (m.kind == VocabKind::BytePairGpt2) {
    // The regex engine needs valid UTF-8; see the class comment for the replacement rule.
    const std::string clean = utf8::sanitize(text);
    for (const Fragment& f : partition(m, clean, parse_special)) {
      if (f.token >= 0) {
        out.push_back(f.token);
      } else {
        detail::encode_bpe(m, std::string_view(clean).substr(f.begin, f.end - f.begin), out);
      }
    }
  } else {
    // SentencePiece: a space is prepended to the first text run and to every run that follows
    // a special token (llama.cpp's "is_prev_special"), then spaces become U+2581.
    bool after_special = true;
    std::string run;
    for (const Fragment& f : partition(m, text, parse_special)) {
      if (f.token >= 0) {
        out.push_back(f.token);
        after_special = true;
        continue;
      }
      run.clear();
      if (m.add_space_prefix && after_special) run = " ";
      run.append(text.substr(f.begin, f.end - f.begin));
      detail::encode_spm(m, replace_all(run, " ", kSpmSpace), out);
      after_special = false;
    }
  }

  if (add_special && m.add_eos) out.push_back(m.eos);
  return out;
}

namespace {
void require_id(const Model& m, TokenId id) {
  if (id < 0 || static_cast<size_t>(id) >= m.tokens.size()) {
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                std::to_string(m.tokens.size()) + ")");
  }
}
}  // namespace

std::string Tokenizer::token_to_piece(TokenId id, bool render_special) const {
  const Model& m = *model_;
  require_id(m, id);
  const TokenType t = m.types[id];
  if (render_special && (t == TokenType::Control || t == TokenType::Unknown)) return m.tokens[id];
  return m.pieces[id];
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool render_special) const {
  std::string out;
  for (TokenId id : ids) out += token_to_piece(id, render_special);
  return out;
}

size_t Tokenizer::n_vocab() const { return model_->tokens.size(); }
VocabKind Tokenizer::kind() const { return model_->kind; }
std::string_view Tokenizer::pre() const { return model_->pre_name; }

std::string_view Tokenizer::token_text(TokenId id) const {
  require_id(*model_, id);
  return model_->tokens[id];
}

TokenType Tokenizer::token_type(TokenId id) const {
  require_id(*model_, id);
  return model_->types[id];
}

std::optional<TokenId> Tokenizer::find_token(std::string_view text) const {
  const TokenId id = model_->lookup(text);
  if (id < 0) return std::nullopt;
  return id;
}

TokenId Tokenizer::bos() const { return model_->bos; }
TokenId Tokenizer::eos() const { return model_->eos; }
TokenId Tokenizer::eot() const { return model_->eot; }
bool Tokenizer::add_bos() const { return model_->add_bos; }
bool Tokenizer::add_eos() const { return model_->add_eos; }

bool Tokenizer::is_eog(TokenId id) const {
  return std::binary_search(model_->eog.begin(), model_->eog.end(), id);
}

std::span<const TokenId> Tokenizer::eog_ids() const { return model_->eog; }

const ChatTemplate& Tokenizer::chat_template() const { return model_->chat; }

std::string Tokenizer::render_chat(std::span<const ChatMessage> messages,
                                   bool add_generation_prompt) const {
  return model_->chat.render(messages, add_generation_prompt);
}

std::span<const std::string> Tokenizer::notes() const { return model_->notes; }

std::string StreamDecoder::push(TokenId id) {
  pending_ += tokenizer_.token_to_piece(id, render_special_);
  const size_t hold = utf8::incomplete_tail_length(pending_);
  std::string ready = utf8::sanitize(std::string_view(pending_).substr(0, pending_.size() - hold));
  pending_.erase(0, pending_.size() - hold);
  return ready;
}

std::string StreamDecoder::finish() {
  std::string rest = utf8::sanitize(pending_);
  pending_.clear();
  return rest;
}

}  // namespace trit::tokenizer
