#include "gguf/reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

namespace trit::gguf {

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader reads little-endian data in place");

namespace {

std::string hex(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

size_t scalar_size(ValueType t) {
  switch (t) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::BOOL:
      return 1;
    case ValueType::U16:
    case ValueType::I16:
      return 2;
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::F32:
      return 4;
    case ValueType::U64:
    case ValueType::I64:
    case ValueType::F64:
      return 8;
    case ValueType::STRING:
    case ValueType::ARRAY:
      return 0;
  }
  return 0;
}

bool is_integer(ValueType t) {
  switch (t) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::U16:
    case ValueType::I16:
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::U64:
    case ValueType::I64:
      return true;
    default:
      return false;
  }
}

template <typename T>
T load_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Reads one integer element of type t at p as (is_signed, unsigned value, signed value).
struct IntBits {
  bool is_signed;
  uint64_t u;
  int64_t i;
};
IntBits load_int(ValueType t, const uint8_t* p) {
  switch (t) {
    case ValueType::U8: return {false, load_le<uint8_t>(p), 0};
    case ValueType::I8: return {true, 0, load_le<int8_t>(p)};
    case ValueType::U16: return {false, load_le<uint16_t>(p), 0};
    case ValueType::I16: return {true, 0, load_le<int16_t>(p)};
    case ValueType::U32: return {false, load_le<uint32_t>(p), 0};
    case ValueType::I32: return {true, 0, load_le<int32_t>(p)};
    case ValueType::U64: return {false, load_le<uint64_t>(p), 0};
    case ValueType::I64: return {true, 0, load_le<int64_t>(p)};
    default: return {false, 0, 0};
  }
}

// Range-checked conversion of an integer to T; false when it does not fit.
template <typename T>
bool int_fits(const IntBits& b, T& out) {
  if (b.is_signed) {
    if (b.i < static_cast<int64_t>(std::numeric_limits<T>::min())) return false;
    if (b.i >= 0 && static_cast<uint64_t>(b.i) > static_cast<uint64_t>(std::numeric_limits<T>::max()))
      return false;
    out = static_cast<T>(b.i);
    return true;
  }
  if (b.u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
  out = static_cast<T>(b.u);
  return true;
}

std::string int_string(const IntBits& b) { return b.is_signed ? std::to_string(b.i) : std::to_string(b.u); }

}  // namespace

std::string_view value_type_name(ValueType t) {
  switch (t) {
    case ValueType::U8: return "u8";
    case ValueType::I8: return "i8";
    case ValueType::U16: return "u16";
    case ValueType::I16: return "i16";
    case ValueType::U32: return "u32";
    case ValueType::I32: return "i32";
    case ValueType::F32: return "f32";
    case ValueType::BOOL: return "bool";
    case ValueType::STRING: return "string";
    case ValueType::ARRAY: return "array";
    case ValueType::U64: return "u64";
    case ValueType::I64: return "i64";
    case ValueType::F64: return "f64";
  }
  return "invalid";
}

// ---------------------------------------------------------------------------------------------
// Value
// ---------------------------------------------------------------------------------------------

void Value::type_error(std::string_view wanted) const {
  std::string found(value_type_name(type_));
  if (is_array()) found = "array of " + std::string(value_type_name(elem_type_));
  throw Error("metadata key '" + key_ + "': expected " + std::string(wanted) + ", found " + found);
}

uint64_t Value::as_u64() const {
  if (!is_integer(type_)) type_error("an integer");
  if (is_signed_ && i_ < 0) throw Error("metadata key '" + key_ + "': negative value " + std::to_string(i_) + " where an unsigned integer is required");
  return is_signed_ ? static_cast<uint64_t>(i_) : u_;
}

int64_t Value::as_i64() const {
  if (!is_integer(type_)) type_error("an integer");
  if (!is_signed_ && u_ > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    throw Error("metadata key '" + key_ + "': value " + std::to_string(u_) + " does not fit i64");
  return is_signed_ ? i_ : static_cast<int64_t>(u_);
}

uint32_t Value::as_u32() const {
  const uint64_t v = as_u64();
  if (v > std::numeric_limits<uint32_t>::max())
    throw Error("metadata key '" + key_ + "': value " + std::to_string(v) + " does not fit u32");
  return static_cast<uint32_t>(v);
}

int32_t Value::as_i32() const {
  const int64_t v = as_i64();
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
    throw Error("metadata key '" + key_ + "': value " + std::to_string(v) + " does not fit i32");
  return static_cast<int32_t>(v);
}

double Value::as_f64() const {
  if (type_ != ValueType::F32 && type_ != ValueType::F64) type_error("f32 or f64");
  return f_;
}

float Value::as_f32() const { return static_cast<float>(as_f64()); }

bool Value::as_bool() const {
  if (type_ != ValueType::BOOL) type_error("bool");
  return u_ != 0;
}

std::string_view Value::as_string() const {
  if (type_ != ValueType::STRING) type_error("string");
  return s_;
}

ValueType Value::array_type() const {
  if (!is_array()) type_error("array");
  return elem_type_;
}

uint64_t Value::array_size() const {
  if (!is_array()) type_error("array");
  return count_;
}

std::vector<std::string_view> Value::as_string_array() const {
  if (!is_array() || elem_type_ != ValueType::STRING) type_error("array of string");
  return strs_;
}

template <typename T>
std::vector<T> Value::int_array(const char* target) const {
  if (!is_array() || !is_integer(elem_type_)) type_error("array of integers");
  const size_t es = scalar_size(elem_type_);
  std::vector<T> out(count_);
  for (uint64_t i = 0; i < count_; ++i) {
    const IntBits b = load_int(elem_type_, raw_ + i * es);
    if (!int_fits(b, out[i]))
      throw Error("metadata key '" + key_ + "': element " + std::to_string(i) + " = " +
                  int_string(b) + " does not fit " + target);
  }
  return out;
}

std::vector<int32_t> Value::as_i32_array() const { return int_array<int32_t>("i32"); }
std::vector<int64_t> Value::as_i64_array() const { return int_array<int64_t>("i64"); }

std::vector<float> Value::as_f32_array() const {
  if (!is_array() || (elem_type_ != ValueType::F32 && elem_type_ != ValueType::F64))
    type_error("array of f32");
  std::vector<float> out(count_);
  for (uint64_t i = 0; i < count_; ++i) {
    out[i] = elem_type_ == ValueType::F32 ? load_le<float>(raw_ + i * 4)
                                          : static_cast<float>(load_le<double>(raw_ + i * 8));
  }
  return out;
}

const std::vector<Value>& Value::as_array_of_arrays() const {
  if (!is_array() || elem_type_ != ValueType::ARRAY) type_error("array of arrays");
  return nested_;
}

std::string Value::to_display_string() const {
  std::ostringstream s;
  switch (type_) {
    case ValueType::STRING: {
      std::string_view v = s_;
      if (v.size() > 60) {
        s << '"' << v.substr(0, 57) << "...\"";
      } else {
        s << '"' << v << '"';
      }
      break;
    }
    case ValueType::ARRAY:
      s << "[" << count_ << " x " << value_type_name(elem_type_) << "]";
      break;
    case ValueType::BOOL:
      s << (u_ ? "true" : "false");
      break;
    case ValueType::F32:
    case ValueType::F64:
      s << f_;
      break;
    default:
      if (is_signed_) {
        s << i_;
      } else {
        s << u_;
      }
  }
  return s.str();
}

std::string TensorInfo::shape_string() const {
  std::string s = "[";
  for (uint32_t d = 0; d < n_dims; ++d) {
    if (d) s += ", ";
    s += std::to_string(ne[d]);
  }
  return s + "]";
}

// ---------------------------------------------------------------------------------------------
// Storage: an mmap or an owned buffer (or nothing, for view_of).
// ---------------------------------------------------------------------------------------------

struct File::Storage {
  void* map = nullptr;
  size_t map_len = 0;
  std::vector<uint8_t> owned;
  ~Storage() {
    if (map != nullptr) munmap(map, map_len);
  }
};

File::File() = default;
File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File() = default;

// ---------------------------------------------------------------------------------------------
// Parser: a cursor that refuses to step past the end of the file.
// ---------------------------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(File& f) : f_(f), base_(f.bytes_.data()), size_(f.bytes_.size()) {}

  void run();

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(f_.name_ + ": " + what);
  }
  [[noreturn]] void fail_at(uint64_t offset, const std::string& what) const {
    throw Error(f_.name_ + ": at offset " + hex(offset) + ": " + what);
  }
  uint64_t remaining() const { return size_ - pos_; }
  void need(uint64_t n, const std::string& what) const {
    if (n > remaining())
      fail_at(pos_, "file truncated while reading " + what + " (need " + std::to_string(n) +
                        " bytes, " + std::to_string(remaining()) + " left of " +
                        std::to_string(size_) + ")");
  }
  template <typename T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T v = load_le<T>(base_ + pos_);
    pos_ += sizeof(T);
    return v;
  }
  std::string_view read_string(const std::string& what) {
    const uint64_t at = pos_;
    const uint64_t len = read<uint64_t>("length of " + what);
    if (len > remaining())
      fail_at(at, what + " has length " + std::to_string(len) + " but only " +
                      std::to_string(remaining()) + " bytes remain in the file");
    std::string_view s(reinterpret_cast<const char*>(base_ + pos_), len);
    pos_ += len;
    return s;
  }
  void read_value(Value& v, ValueType t, int depth);

  File& f_;
  const uint8_t* base_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

void Parser::read_value(Value& v, ValueType t, int depth) {
  const uint64_t at = pos_;
  v.type_ = t;
  const std::string what = "value of metadata key '" + v.key_ + "'";
  switch (t) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::U16:
    case ValueType::I16:
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::U64:
    case ValueType::I64: {
      need(scalar_size(t), what);
      const IntBits b = load_int(t, base_ + pos_);
      pos_ += scalar_size(t);
      v.is_signed_ = b.is_signed;
      v.u_ = b.u;
      v.i_ = b.i;
      return;
    }
    case ValueType::F32:
      v.f_ = read<float>(what);
      return;
    case ValueType::F64:
      v.f_ = read<double>(what);
      return;
    case ValueType::BOOL: {
      const uint8_t b = read<uint8_t>(what);
      if (b > 1) fail_at(at, "metadata key '" + v.key_ + "': bool value " + std::to_string(b) + " is neither 0 nor 1");
      v.u_ = b;
      return;
    }
    case ValueType::STRING:
      v.s_ = read_string(what);
      return;
    case ValueType::ARRAY: {
      if (depth >= kMaxArrayNesting)
        fail_at(at, "metadata key '" + v.key_ + "': arrays nested deeper than " +
                        std::to_string(kMaxArrayNesting));
      const uint32_t et = read<uint32_t>("element type of " + what);
      if (et > static_cast<uint32_t>(ValueType::F64))
        fail_at(at, "metadata key '" + v.key_ + "': unknown array element type " + std::to_string(et));
      v.elem_type_ = static_cast<ValueType>(et);
      const uint64_t count_at = pos_;
      v.count_ = read<uint64_t>("element count of " + what);
      const size_t es = scalar_size(v.elem_type_);
      // Strings take at least 8 bytes (their length), nested arrays at least 12: the remaining
      // file size bounds every count before anything is allocated.
      const uint64_t min_elem = es != 0 ? es : v.elem_type_ == ValueType::STRING ? 8 : 12;
      if (v.count_ > remaining() / min_elem)
        fail_at(count_at, "metadata key '" + v.key_ + "': array of " + std::to_string(v.count_) +
                              " " + std::string(value_type_name(v.elem_type_)) + " elements needs at least " +
                              std::to_string(min_elem) + " bytes each, but only " +
                              std::to_string(remaining()) + " bytes remain");
      if (es != 0) {
        if (v.elem_type_ == ValueType::BOOL) {
          for (uint64_t i = 0; i < v.count_; ++i) {
            if (base_[pos_ + i] > 1)
              fail_at(pos_ + i, "metadata key '" + v.key_ + "': bool element " + std::to_string(i) +
                                    " is neither 0 nor 1");
          }
        }
        v.raw_ = base_ + pos_;
        pos_ += v.count_ * es;
      } else if (v.elem_type_ == ValueType::STRING) {
        v.strs_.reserve(v.count_);
        for (uint64_t i = 0; i < v.count_; ++i)
          v.strs_.push_back(read_string("element " + std::to_string(i) + " of " + what));
      } else {
        v.nested_.resize(v.count_);
        for (uint64_t i = 0; i < v.count_; ++i) {
          Value& e = v.nested_[i];
          e.key_ = v.key_ + "[" + std::to_string(i) + "]";
          // Each element is an array value itself: element type, count, elements.
          read_value(e, ValueType::ARRAY, depth + 1);
        }
      }
      return;
    }
  }
  fail_at(at, "metadata key '" + v.key_ + "': unknown value type " + std::to_string(static_cast<uint32_t>(t)));
}

void Parser::run() {
  need(4, "magic");
  if (std::memcmp(base_, "GGUF", 4) != 0) {
    std::string got;
    for (int i = 0; i < 4; ++i) {
      const char c = static_cast<char>(base_[i]);
      got += (c >= 32 && c < 127) ? std::string(1, c) : "\\x" + hex(base_[i]).substr(2);
    }
    fail("not a GGUF file: magic is '" + got + "', expected 'GGUF'");
  }
  pos_ = 4;
  const uint32_t version = read<uint32_t>("version");
  if (version == 0x03000000u || version == 0x02000000u)
    fail("big-endian GGUF files are not supported (version field reads " + hex(version) + ")");
  if (version == 1)
    fail("GGUF version 1 (32-bit counts, 2023) is not supported; convert the file to v3");
  if (version != 2 && version != 3) fail("unsupported GGUF version " + std::to_string(version));
  f_.version_ = version;
  const uint64_t n_tensors = read<uint64_t>("tensor count");
  const uint64_t n_kv = read<uint64_t>("metadata key/value count");
  // A key/value pair takes at least 8 (key length) + 4 (type) + 1 bytes; a tensor info at
  // least 8 + 4 + 4 + 8.
  if (n_kv > remaining() / 13)
    fail_at(16, "metadata count " + std::to_string(n_kv) + " cannot fit in the " +
                    std::to_string(remaining()) + " bytes that remain");
  if (n_tensors > remaining() / 24)
    fail_at(8, "tensor count " + std::to_string(n_tensors) + " cannot fit in the " +
                   std::to_string(remaining()) + " bytes that remain");

  f_.kvs_.reserve(n_kv);
  for (uint64_t i = 0; i < n_kv; ++i) {
    const uint64_t at = pos_;
    const std::string_view key = read_string("key of metadata entry " + std::to_string(i));
    if (f_.kv_index_.count(key)) fail_at(at, "duplicate metadata key '" + std::string(key) + "'");
    Value v;
    v.key_ = std::string(key);
    const uint32_t t = read<uint32_t>("value type of metadata key '" + v.key_ + "'");
    if (t > static_cast<uint32_t>(ValueType::F64))
      fail_at(pos_ - 4, "metadata key '" + v.key_ + "': unknown value type " + std::to_string(t));
    read_value(v, static_cast<ValueType>(t), 0);
    f_.kv_index_.emplace(key, f_.kvs_.size());
    f_.kvs_.emplace_back(key, std::move(v));
  }

  if (const Value* a = f_.find("general.alignment")) {
    uint64_t al = 0;
    try {
      al = a->as_u64();
    } catch (const Error& e) {
      fail(e.what());
    }
    if (al == 0 || (al & (al - 1)) != 0)
      fail("general.alignment = " + std::to_string(al) + " is not a power of two");
    f_.alignment_ = al;
  }

  f_.tensors_.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    const uint64_t at = pos_;
    TensorInfo t;
    t.name = read_string("name of tensor " + std::to_string(i));
    const std::string tn = "tensor '" + std::string(t.name) + "'";
    if (f_.tensor_index_.count(t.name)) fail_at(at, "duplicate " + tn);
    t.n_dims = read<uint32_t>("dimension count of " + tn);
    if (t.n_dims == 0 || t.n_dims > kMaxDims)
      fail_at(pos_ - 4, tn + " has " + std::to_string(t.n_dims) + " dimensions (1.." +
                            std::to_string(kMaxDims) + " allowed)");
    for (uint32_t d = 0; d < t.n_dims; ++d) {
      t.ne[d] = read<uint64_t>("dimension " + std::to_string(d) + " of " + tn);
      if (t.ne[d] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail_at(pos_ - 8, tn + " dimension " + std::to_string(d) + " = " + std::to_string(t.ne[d]) +
                              " is negative as ggml's int64");
    }
    t.type_id = read<uint32_t>("type of " + tn);
    t.offset = read<uint64_t>("data offset of " + tn);
    const SizeResult sz = tensor_size(t.type_id, std::span<const uint64_t>(t.ne.data(), t.n_dims));
    if (!sz.ok) fail_at(at, tn + " " + t.shape_string() + ": " + sz.why);
    t.n_bytes = sz.tensor_bytes;
    t.row_bytes = sz.row_bytes;
    if (t.offset % f_.alignment_ != 0)
      fail_at(at, tn + ": data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                      std::to_string(f_.alignment_));
    f_.tensor_index_.emplace(t.name, f_.tensors_.size());
    f_.tensors_.push_back(t);
  }

  // The data section starts at the next multiple of the alignment. A file without tensors may
  // end right after its metadata (writers do not pad it).
  const uint64_t pad = (f_.alignment_ - pos_ % f_.alignment_) % f_.alignment_;
  f_.data_offset_ = pos_ + pad;
  if (f_.data_offset_ > size_) {
    if (n_tensors != 0)
      fail_at(pos_, "file truncated: the tensor data section would start at " +
                        std::to_string(f_.data_offset_) + " but the file has " + std::to_string(size_) + " bytes");
    f_.data_offset_ = size_;
  }
  const uint64_t data_size = size_ - f_.data_offset_;
  for (TensorInfo& t : f_.tensors_) {
    if (t.offset > data_size || t.n_bytes > data_size - t.offset)
      fail("tensor '" + std::string(t.name) + "' " + t.shape_string() + " " + type_name(t.type_id) +
           ": data [" + std::to_string(t.offset) + ", +" + std::to_string(t.n_bytes) +
           ") lies outside the tensor data section of " + std::to_string(data_size) +
           " bytes (file truncated or offset corrupt)");
    t.data = base_ + f_.data_offset_ + t.offset;
  }
}

// ---------------------------------------------------------------------------------------------
// File
// ---------------------------------------------------------------------------------------------

void File::parse() {
  Parser p(*this);
  p.run();
}

File File::open(const std::filesystem::path& path) {
  File f;
  f.name_ = path.string();
  f.storage_ = std::make_unique<Storage>();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(f.name_ + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    throw Error(f.name_ + ": cannot stat: " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(f.name_ + ": not a regular file");
  }
  const auto len = static_cast<size_t>(st.st_size);
  if (len > 0) {
    void* m = mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      const int e = errno;
      ::close(fd);
      throw Error(f.name_ + ": cannot mmap " + std::to_string(len) + " bytes: " + std::strerror(e));
    }
    f.storage_->map = m;
    f.storage_->map_len = len;
    f.bytes_ = {static_cast<const uint8_t*>(m), len};
  }
  ::close(fd);
  f.parse();
  return f;
}

File File::from_bytes(std::vector<uint8_t> bytes, std::string name) {
  File f;
  f.name_ = std::move(name);
  f.storage_ = std::make_unique<Storage>();
  f.storage_->owned = std::move(bytes);
  f.bytes_ = f.storage_->owned;
  f.parse();
  return f;
}

File File::view_of(std::span<const uint8_t> bytes, std::string name) {
  File f;
  f.name_ = std::move(name);
  f.bytes_ = bytes;
  f.parse();
  return f;
}

std::vector<std::string_view> File::keys() const {
  std::vector<std::string_view> k;
  k.reserve(kvs_.size());
  for (const auto& kv : kvs_) k.push_back(kv.first);
  return k;
}

const Value* File::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kvs_[it->second].second;
}

const Value& File::get(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) throw Error(name_ + ": missing metadata key '" + std::string(key) + "'");
  return *v;
}

// Absent -> nullopt; present -> the typed getter (which throws on a type mismatch).
template <typename T>
static std::optional<T> find_as(const File& f, std::string_view key, T (Value::*get)() const) {
  const Value* v = f.find(key);
  return v ? std::optional<T>((v->*get)()) : std::nullopt;
}

std::optional<std::string_view> File::find_string(std::string_view key) const {
  return find_as(*this, key, &Value::as_string);
}
std::optional<uint32_t> File::find_u32(std::string_view key) const { return find_as(*this, key, &Value::as_u32); }
std::optional<int32_t> File::find_i32(std::string_view key) const { return find_as(*this, key, &Value::as_i32); }
std::optional<float> File::find_f32(std::string_view key) const { return find_as(*this, key, &Value::as_f32); }
std::optional<bool> File::find_bool(std::string_view key) const { return find_as(*this, key, &Value::as_bool); }

const TensorInfo* File::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& File::tensor(std::string_view name) const {
  const TensorInfo* t = find_tensor(name);
  if (t == nullptr) throw Error(name_ + ": missing tensor '" + std::string(name) + "'");
  return *t;
}

}  // namespace trit::gguf
