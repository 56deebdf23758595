#include "tokenizer/chat.hpp"

#include "tokenizer/vocab.hpp"

namespace trit::tokenizer {

namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// ASCII whitespace trim, as llama.cpp's llama3 renderer does (Jinja's `trim` on ASCII text).
std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const size_t last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

std::string render_bitnet(std::span<const ChatMessage> messages) {
  std::string out;
  for (const ChatMessage& m : messages) {
    if (m.role == "system") {
      out += "System: ";
      out += m.content;
    } else if (m.role == "user") {
      out += "User: ";
      out += m.content;
      out += "<|eot_id|>Assistant: ";
    } else {
      out += m.content;
    }
  }
  return out;
}

std::string render_llama3(std::span<const ChatMessage> messages, bool add_generation_prompt) {
  std::string out;
  for (const ChatMessage& m : messages) {
    out += "<|start_header_id|>";
    out += m.role;
    out += "<|end_header_id|>\n\n";
    out += trim(m.content);
    out += "<|eot_id|>";
  }
  if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

}  // namespace

ChatTemplate ChatTemplate::detect(const std::optional<std::string>& template_text) {
  if (!template_text) return ChatTemplate(ChatFormat::Bitnet, /*fallback=*/true);
  const std::string_view t = *template_text;
  if (t == "bitnet") return ChatTemplate(ChatFormat::Bitnet, false);
  if (t == "llama3") return ChatTemplate(ChatFormat::Llama3, false);
  if (contains(t, "<|start_header_id|>") && contains(t, "<|end_header_id|>")) {
    return ChatTemplate(ChatFormat::Llama3, false);
  }
  // The Hugging Face template of BitNet b1.58 2B4T capitalises the role into "User: " /
  // "Assistant: " and closes turns with <|eot_id|>.
  if (contains(t, "capitalize") && contains(t, "'Assistant: '") && contains(t, "<|eot_id|>")) {
    return ChatTemplate(ChatFormat::Bitnet, false);
  }
  return ChatTemplate(ChatFormat::Bitnet, /*fallback=*/true);
}

ChatTemplate ChatTemplate::by_name(std::string_view name) {
  if (name == "bitnet") return ChatTemplate(ChatFormat::Bitnet, false);
  if (name == "llama3") return ChatTemplate(ChatFormat::Llama3, false);
  throw Error("unknown chat template '" + std::string(name) + "' (known: bitnet, llama3)");
}

std::string_view ChatTemplate::name() const {
  return format_ == ChatFormat::Bitnet ? "bitnet" : "llama3";
}

std::string ChatTemplate::render(std::span<const ChatMessage> messages,
                                 bool add_generation_prompt) const {
  switch (format_) {
    case ChatFormat::Bitnet: return render_bitnet(messages);
    case ChatFormat::Llama3: return render_llama3(messages, add_generation_prompt);
  }
  return {};
}

}  // namespace trit::tokenizer
