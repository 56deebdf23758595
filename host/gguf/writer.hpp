// A small GGUF v3 writer: builds files in memory for tests, fuzz seeds and tools that repack
// tensors. It writes exactly the layout the reader documents (reader.hpp) and checks nothing
// about semantics, so tests can also build deliberately broken files.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/reader.hpp"

namespace trit::gguf {

class Writer {
 public:
  explicit Writer(uint32_t version = 3) : version_(version) {}

  void add_u8(std::string_view key, uint8_t v) { scalar(key, ValueType::U8, &v, 1); }
  void add_i8(std::string_view key, int8_t v) { scalar(key, ValueType::I8, &v, 1); }
  void add_u16(std::string_view key, uint16_t v) { scalar(key, ValueType::U16, &v, 2); }
  void add_i16(std::string_view key, int16_t v) { scalar(key, ValueType::I16, &v, 2); }
  void add_u32(std::string_view key, uint32_t v) { scalar(key, ValueType::U32, &v, 4); }
  void add_i32(std::string_view key, int32_t v) { scalar(key, ValueType::I32, &v, 4); }
  void add_u64(std::string_view key, uint64_t v) { scalar(key, ValueType::U64, &v, 8); }
  void add_i64(std::string_view key, int64_t v) { scalar(key, ValueType::I64, &v, 8); }
  void add_f32(std::string_view key, float v) { scalar(key, ValueType::F32, &v, 4); }
  void add_f64(std::string_view key, double v) { scalar(key, ValueType::F64, &v, 8); }
  void add_bool(std::string_view key, bool v) {
    const uint8_t b = v ? 1 : 0;
    scalar(key, ValueType::BOOL, &b, 1);
  }
  void add_string(std::string_view key, std::string_view v);
  void add_string_array(std::string_view key, std::span<const std::string> v);
  void add_i32_array(std::string_view key, std::span<const int32_t> v);
  void add_f32_array(std::string_view key, std::span<const float> v);
  // Any value given as its encoded bytes (type tag excluded): nested arrays, odd types.
  void add_raw(std::string_view key, ValueType type, std::span<const uint8_t> encoded_value);

  // A tensor with ne in ggml order; `data` must already be in the type's byte layout.
  void add_tensor(std::string_view name, uint32_t type_id, std::vector<uint64_t> ne,
                  std::span<const uint8_t> data);
  void add_tensor(std::string_view name, TensorType type, std::vector<uint64_t> ne,
                  std::span<const uint8_t> data) {
    add_tensor(name, static_cast<uint32_t>(type), std::move(ne), data);
  }

  // The whole file. Tensor data is laid out in insertion order, each padded to `alignment`
  // (written as general.alignment when it is not the default 32).
  std::vector<uint8_t> finish(uint64_t alignment = kDefaultAlignment) const;

  // Encoding helpers for add_raw.
  static void put_string(std::vector<uint8_t>& out, std::string_view s);
  template <typename T>
  static void put(std::vector<uint8_t>& out, T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out.insert(out.end(), p, p + sizeof(T));
  }

 private:
  void scalar(std::string_view key, ValueType t, const void* v, size_t n);

  struct Tensor {
    std::string name;
    uint32_t type_id;
    std::vector<uint64_t> ne;
    std::vector<uint8_t> data;
  };
  uint32_t version_;
  uint64_t n_kv_ = 0;
  std::vector<uint8_t> kv_bytes_;
  std::vector<Tensor> tensors_;
};

}  // namespace trit::gguf
