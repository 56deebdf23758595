// Chat prompt rendering without a Jinja engine: a GGUF's `tokenizer.chat_template` is
// recognised by name or by content (as llama.cpp does) and rendered by hand-written code.
//
// Formats:
//   bitnet  BitNet b1.58 2B4T, exactly as the reference runtime (ik_llama.cpp / bitnet.cpp,
//           template name "bitnet") renders it:
//             system:    "System: " + content                   (nothing after it)
//             user:      "User: " + content + "<|eot_id|>Assistant: "
//             assistant: content                                 (no prefix, no separator)
//           Content is not trimmed; add_generation_prompt changes nothing (the user rule
//           already ends with "Assistant: "); no BOS (the tokenizer adds it).
//   llama3  Llama 3 instruct: "<|start_header_id|>" + role + "<|end_header_id|>\n\n" +
//           trim(content) + "<|eot_id|>" per message, then the assistant header if
//           add_generation_prompt.
//
// Selection (ChatTemplate::detect): "bitnet" by name; a template containing
// "<|start_header_id|>" and "<|end_header_id|>" is llama3 (llama.cpp's rule); the Hugging Face
// template of 2B4T ("... | capitalize + ': ' ... 'Assistant: ' ...", which names the roles
// "User:"/"Assistant:" around "<|eot_id|>") is bitnet; anything else, or no template, falls
// back to bitnet and says so (is_fallback()).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace trit::tokenizer {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant" (other roles render like assistant)
  std::string content;
};

enum class ChatFormat { Bitnet, Llama3 };

class ChatTemplate {
 public:
  // From the model's `tokenizer.chat_template` (nullopt when the key is absent).
  static ChatTemplate detect(const std::optional<std::string>& template_text);
  // By name: "bitnet", "llama3" (for a --chat-template flag). Throws Error on other names.
  static ChatTemplate by_name(std::string_view name);

  ChatFormat format() const { return format_; }
  std::string_view name() const;
  // True when the model had no template, or one this code does not recognise.
  bool is_fallback() const { return fallback_; }

  std::string render(std::span<const ChatMessage> messages, bool add_generation_prompt) const;

 private:
  ChatTemplate(ChatFormat format, bool fallback) : format_(format), fallback_(fallback) {}
  ChatFormat format_;
  bool fallback_;
};

}  // namespace trit::tokenizer
