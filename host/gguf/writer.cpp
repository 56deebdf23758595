#include "gguf/writer.hpp"

namespace trit::gguf {

void Writer::put_string(std::vector<uint8_t>& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

void Writer::scalar(std::string_view key, ValueType t, const void* v, size_t n) {
  const auto* p = static_cast<const uint8_t*>(v);
  add_raw(key, t, std::span<const uint8_t>(p, n));
}

void Writer::add_raw(std::string_view key, ValueType type, std::span<const uint8_t> encoded) {
  put_string(kv_bytes_, key);
  put<uint32_t>(kv_bytes_, static_cast<uint32_t>(type));
  kv_bytes_.insert(kv_bytes_.end(), encoded.begin(), encoded.end());
  ++n_kv_;
}

void Writer::add_string(std::string_view key, std::string_view v) {
  std::vector<uint8_t> e;
  put_string(e, v);
  add_raw(key, ValueType::STRING, e);
}

void Writer::add_string_array(std::string_view key, std::span<const std::string> v) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::STRING));
  put<uint64_t>(e, v.size());
  for (const auto& s : v) put_string(e, s);
  add_raw(key, ValueType::ARRAY, e);
}

void Writer::add_i32_array(std::string_view key, std::span<const int32_t> v) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::I32));
  put<uint64_t>(e, v.size());
  for (int32_t x : v) put(e, x);
  add_raw(key, ValueType::ARRAY, e);
}

void Writer::add_f32_array(std::string_view key, std::span<const float> v) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::F32));
  put<uint64_t>(e, v.size());
  for (float x : v) put(e, x);
  add_raw(key, ValueType::ARRAY, e);
}

void Writer::add_tensor(std::string_view name, uint32_t type_id, std::vector<uint64_t> ne,
                        std::span<const uint8_t> data) {
  tensors_.push_back({std::string(name), type_id, std::move(ne), {data.begin(), data.end()}});
}

std::vector<uint8_t> Writer::finish(uint64_t alignment) const {
  std::vector<uint8_t> out;
  out.insert(out.end(), {'G', 'G', 'U', 'F'});
  put<uint32_t>(out, version_);
  put<uint64_t>(out, tensors_.size());
  const bool write_alignment = alignment != kDefaultAlignment;
  put<uint64_t>(out, n_kv_ + (write_alignment ? 1 : 0));
  out.insert(out.end(), kv_bytes_.begin(), kv_bytes_.end());
  if (write_alignment) {
    put_string(out, "general.alignment");
    put<uint32_t>(out, static_cast<uint32_t>(ValueType::U32));
    put<uint32_t>(out, static_cast<uint32_t>(alignment));
  }
  auto align_up = [&](uint64_t v) { return (v + alignment - 1) / alignment * alignment; };
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.ne.size()));
    for (uint64_t d : t.ne) put<uint64_t>(out, d);
    put<uint32_t>(out, t.type_id);
    put<uint64_t>(out, offset);
    offset = align_up(offset + t.data.size());
  }
  if (!tensors_.empty()) out.resize(align_up(out.size()), 0);
  const size_t data_start = out.size();
  offset = 0;
  for (const auto& t : tensors_) {
    out.resize(data_start + offset, 0);
    out.insert(out.end(), t.data.begin(), t.data.end());
    offset = align_up(offset + t.data.size());
  }
  return out;
}

}  // namespace trit::gguf
