#include "gguf/types.hpp"

#include <array>

namespace trit::gguf {
namespace {

struct Entry {
  uint32_t id;
  TypeTraits traits;
};

// Block sizes follow the block structs of ggml-common.h (mainline) and ik_llama.cpp; the types
// trit decodes are re-derived with static_asserts in tensor_decode.hpp. The others are listed so
// that a file using them is bounds-checked and rejected by name rather than as "unknown".
constexpr std::array kTypes = {
    Entry{0, {"F32", 1, 4, 0, false, true}},
    Entry{1, {"F16", 1, 2, 0, false, true}},
    Entry{2, {"Q4_0", 32, 18, 0, false, false}},
    Entry{3, {"Q4_1", 32, 20, 0, false, false}},
    Entry{6, {"Q5_0", 32, 22, 0, false, false}},
    Entry{7, {"Q5_1", 32, 24, 0, false, false}},
    Entry{8, {"Q8_0", 32, 34, 0, false, true}},
    Entry{9, {"Q8_1", 32, 36, 0, false, false}},
    Entry{10, {"Q2_K", 256, 84, 0, false, false}},
    Entry{11, {"Q3_K", 256, 110, 0, false, false}},
    Entry{12, {"Q4_K", 256, 144, 0, false, false}},
    Entry{13, {"Q5_K", 256, 176, 0, false, false}},
    Entry{14, {"Q6_K", 256, 210, 0, false, false}},
    Entry{15, {"Q8_K", 256, 292, 0, false, false}},
    Entry{16, {"IQ2_XXS", 256, 66, 0, false, false}},
    Entry{17, {"IQ2_XS", 256, 74, 0, false, false}},
    Entry{18, {"IQ3_XXS", 256, 98, 0, false, false}},
    Entry{19, {"IQ1_S", 256, 50, 0, false, false}},
    Entry{20, {"IQ4_NL", 32, 18, 0, false, false}},
    Entry{21, {"IQ3_S", 256, 110, 0, false, false}},
    Entry{22, {"IQ2_S", 256, 82, 0, false, false}},
    Entry{23, {"IQ4_XS", 256, 136, 0, false, false}},
    Entry{24, {"I8", 1, 1, 0, false, false}},
    Entry{25, {"I16", 1, 2, 0, false, false}},
    Entry{26, {"I32", 1, 4, 0, false, false}},
    Entry{27, {"I64", 1, 8, 0, false, false}},
    Entry{28, {"F64", 1, 8, 0, false, false}},
    Entry{29, {"IQ1_M", 256, 56, 0, false, false}},
    Entry{30, {"BF16", 1, 2, 0, false, true}},
    Entry{34, {"TQ1_0", 256, 54, 0, false, true}},
    Entry{35, {"TQ2_0", 256, 66, 0, false, true}},
    // I2_S: 2 bits per element for the whole tensor, then one scale slot (see tensor_size).
    Entry{36, {"I2_S", 128, 32, 0, true, true}},
    Entry{134, {"IQ1_BN", 64, 13, 2, false, true}},
    Entry{135, {"IQ2_BN", 64, 16, 4, false, true}},
};

// Ids other projects use for types no GGUF file should hold; named so the error is useful.
constexpr std::array<std::pair<uint32_t, const char*>, 6> kKnownUnsupported = {{
    {31, "Q4_0_4_4 (removed from ggml)"},
    {32, "Q4_0_4_8 (removed from ggml)"},
    {33, "Q4_0_8_8 (removed from ggml)"},
    {37, "I8_S (bitnet.cpp internal) or IQ4_NL_4_8 (removed)"},
    {38, "TL1 (bitnet.cpp lookup-table type) or IQ4_NL_8_8 (removed)"},
    {39, "TL2 (bitnet.cpp lookup-table type)"},
}};

bool mul_overflows(uint64_t a, uint64_t b, uint64_t& out) { return __builtin_mul_overflow(a, b, &out); }

}  // namespace

const TypeTraits* type_traits(uint32_t type_id) {
  for (const auto& e : kTypes) {
    if (e.id == type_id) return &e.traits;
  }
  return nullptr;
}

std::string type_name(uint32_t type_id) {
  if (const TypeTraits* t = type_traits(type_id)) return t->name;
  for (const auto& [id, name] : kKnownUnsupported) {
    if (id == type_id) return std::string(name) + " (type " + std::to_string(id) + ")";
  }
  return "type " + std::to_string(type_id);
}

SizeResult tensor_size(uint32_t type_id, std::span<const uint64_t> ne) {
  SizeResult r;
  const TypeTraits* t = type_traits(type_id);
  if (t == nullptr) {
    const std::string name = type_name(type_id);
    r.why = name.rfind("type ", 0) == 0 ? "unknown tensor type id " + std::to_string(type_id)
                                        : "unsupported tensor type " + name;
    return r;
  }
  if (ne.empty()) {
    r.why = "tensor has no dimensions";
    return r;
  }
  uint64_t n_rows = 1;
  for (size_t i = 1; i < ne.size(); ++i) {
    if (mul_overflows(n_rows, ne[i], n_rows)) {
      r.why = "element count overflows 64 bits";
      return r;
    }
  }
  uint64_t n_elems = 0;
  if (mul_overflows(n_rows, ne[0], n_elems)) {
    r.why = "element count overflows 64 bits";
    return r;
  }
  if (t->per_tensor_tail) {
    // I2_S (bitnet.cpp): n/4 bytes of 2-bit codes in blocks of 128 elements, then a 32-byte
    // slot holding one float32 scale for the whole tensor. The blocks run over the flattened
    // tensor, so only the element count must be a multiple of the block.
    if (n_elems % t->block_elems != 0) {
      r.why = std::string(t->name) + " needs an element count that is a multiple of " +
              std::to_string(t->block_elems) + ", got " + std::to_string(n_elems);
      return r;
    }
    r.row_bytes = 0;
    r.tensor_bytes = n_elems / 4 + kI2sScaleSlotBytes;
    r.ok = true;
    return r;
  }
  if (ne[0] % t->block_elems != 0) {
    r.why = std::string(t->name) + " needs a row length (ne[0]) that is a multiple of " +
            std::to_string(t->block_elems) + ", got " + std::to_string(ne[0]);
    return r;
  }
  uint64_t row = 0;
  if (mul_overflows(ne[0] / t->block_elems, t->block_bytes, row)) {
    r.why = "row size overflows 64 bits";
    return r;
  }
  row += t->row_meta_bytes;  // ik_llama.cpp's row size includes the row scale unconditionally
  uint64_t total = 0;
  if (mul_overflows(row, n_rows, total)) {
    r.why = "tensor size overflows 64 bits";
    return r;
  }
  r.row_bytes = row;
  r.tensor_bytes = total;
  r.ok = true;
  return r;
}

}  // namespace trit::gguf
