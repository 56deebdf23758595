// GGUF v2/v3 reader over a memory-mapped file.
//
// Every count, length, offset and size in the file is checked against the bytes that are
// actually there before it is used: a truncated or malicious file raises gguf::Error naming
// what was being read, the byte offset and, for tensors, the tensor. Nothing is copied out of
// the mapping except small scalars: strings are string_views into it and tensor data is a
// pointer into it, so a File must outlive everything obtained from it.
//
// File layout (little-endian; docs/host.md has the full byte table):
//   magic "GGUF" | u32 version | u64 n_tensors | u64 n_kv
//   n_kv x { string key | u32 value_type | value }
//   n_tensors x { string name | u32 n_dims | u64 ne[n_dims] | u32 type | u64 offset }
//   padding to general.alignment (default 32) | tensor data (offsets relative to here)
// where string = u64 length + bytes (no terminator) and an array value = u32 element type +
// u64 count + elements (arrays may nest).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gguf/types.hpp"

namespace trit::gguf {

// Every problem with a GGUF file: what, where (file, byte offset), and which key or tensor.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ValueType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};

// "u32", "string", "array", ... (the spelling used in error messages and `trit --verbose`).
std::string_view value_type_name(ValueType t);

// One metadata value. Scalars are decoded at parse time; scalar arrays keep a pointer to their
// little-endian elements in the file and are converted on request; string arrays hold views.
class Value {
 public:
  ValueType type() const { return type_; }
  bool is_array() const { return type_ == ValueType::ARRAY; }
  // Key this value belongs to (with "[i]" for an element of a nested array); for messages.
  const std::string& key() const { return key_; }

  // Scalar access. Integer getters accept any integer type whose value fits the result;
  // as_f32/as_f64 accept F32 and F64. A type mismatch throws Error naming the key.
  uint64_t as_u64() const;
  int64_t as_i64() const;
  uint32_t as_u32() const;
  int32_t as_i32() const;
  double as_f64() const;
  float as_f32() const;
  bool as_bool() const;
  std::string_view as_string() const;

  // Array access (throws unless this is an array of a fitting element type).
  ValueType array_type() const;
  uint64_t array_size() const;
  std::vector<std::string_view> as_string_array() const;
  std::vector<int32_t> as_i32_array() const;  // any integer element type, range-checked
  std::vector<int64_t> as_i64_array() const;  // any integer element type except u64 > INT64_MAX
  std::vector<float> as_f32_array() const;    // F32 or F64 elements
  const std::vector<Value>& as_array_of_arrays() const;  // nested arrays

  // Short human-readable rendering ("272 x string", "10000.0", ...) for --verbose listings.
  std::string to_display_string() const;

 private:
  friend class Parser;
  [[noreturn]] void type_error(std::string_view wanted) const;
  template <typename T>
  std::vector<T> int_array(const char* target) const;

  std::string key_;
  ValueType type_ = ValueType::U8;
  // scalar storage
  uint64_t u_ = 0;
  int64_t i_ = 0;
  double f_ = 0;
  bool is_signed_ = false;  // for integer scalars: which of u_/i_ is authoritative
  std::string_view s_;
  // array storage
  ValueType elem_type_ = ValueType::U8;
  uint64_t count_ = 0;
  const uint8_t* raw_ = nullptr;         // scalar arrays: count_ packed LE elements
  std::vector<std::string_view> strs_;   // string arrays
  std::vector<Value> nested_;            // arrays of arrays
};

struct TensorInfo {
  std::string_view name;
  uint32_t type_id = 0;          // raw id from the file (see TensorType)
  uint32_t n_dims = 0;
  std::array<uint64_t, 4> ne{1, 1, 1, 1};  // ggml order: ne[0] is the row length
  uint64_t offset = 0;           // relative to the data section
  uint64_t n_bytes = 0;          // checked to lie inside the file
  uint64_t row_bytes = 0;        // bytes per row of ne[0] elements (0 for I2_S)
  const uint8_t* data = nullptr;  // into the mapping

  TensorType type() const { return static_cast<TensorType>(type_id); }
  uint64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  uint64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
  // "[512, 272]" in ggml ne order, for messages.
  std::string shape_string() const;
};

class File {
 public:
  // Memory-maps and parses `path` (read-only, private mapping).
  static File open(const std::filesystem::path& path);
  // Parses a copy of `bytes` (tests, generated files); `name` stands in for the path.
  static File from_bytes(std::vector<uint8_t> bytes, std::string name = "<memory>");
  // Parses `bytes` in place without copying; the caller keeps them alive (fuzzer).
  static File view_of(std::span<const uint8_t> bytes, std::string name = "<memory>");

  File(File&&) noexcept;
  File& operator=(File&&) noexcept;
  ~File();

  const std::string& path() const { return name_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // absolute offset of the data section
  std::span<const uint8_t> bytes() const { return bytes_; }

  // --- metadata -------------------------------------------------------------------------------
  size_t n_kv() const { return kvs_.size(); }
  std::vector<std::string_view> keys() const;  // in file order
  bool has(std::string_view key) const { return find(key) != nullptr; }
  const Value* find(std::string_view key) const;
  const Value& get(std::string_view key) const;  // throws Error "missing metadata key ..."

  std::string_view get_string(std::string_view key) const { return get(key).as_string(); }
  uint32_t get_u32(std::string_view key) const { return get(key).as_u32(); }
  int32_t get_i32(std::string_view key) const { return get(key).as_i32(); }
  uint64_t get_u64(std::string_view key) const { return get(key).as_u64(); }
  float get_f32(std::string_view key) const { return get(key).as_f32(); }
  bool get_bool(std::string_view key) const { return get(key).as_bool(); }

  // Absent -> nullopt; present with the wrong type -> Error (a wrong type is a broken file,
  // not a missing option).
  std::optional<std::string_view> find_string(std::string_view key) const;
  std::optional<uint32_t> find_u32(std::string_view key) const;
  std::optional<int32_t> find_i32(std::string_view key) const;
  std::optional<float> find_f32(std::string_view key) const;
  std::optional<bool> find_bool(std::string_view key) const;

  uint64_t get_array_size(std::string_view key) const { return get(key).array_size(); }
  std::vector<std::string_view> get_string_array(std::string_view key) const {
    return get(key).as_string_array();
  }
  std::vector<int32_t> get_i32_array(std::string_view key) const { return get(key).as_i32_array(); }
  std::vector<float> get_f32_array(std::string_view key) const { return get(key).as_f32_array(); }

  // --- tensors --------------------------------------------------------------------------------
  std::span<const TensorInfo> tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;
  const TensorInfo& tensor(std::string_view name) const;  // throws Error "missing tensor ..."

 private:
  friend class Parser;
  File();
  void parse();

  struct Storage;
  std::unique_ptr<Storage> storage_;
  std::string name_;
  std::span<const uint8_t> bytes_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string_view, Value>> kvs_;
  std::unordered_map<std::string_view, size_t> kv_index_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string_view, size_t> tensor_index_;
};

// Hard limits beyond what the file size already bounds; they keep a hostile file from making
// the parser recurse deeply or hold absurd tables.
inline constexpr uint32_t kMaxDims = 4;
inline constexpr int kMaxArrayNesting = 8;
inline constexpr uint64_t kDefaultAlignment = 32;

}  // namespace trit::gguf
