// GGML tensor types as they appear in GGUF files, with the size rules needed to bounds-check
// a tensor before touching its bytes.
//
// Type ids come from three projects that share the numbering below 34 and diverge above it:
//   mainline llama.cpp: TQ1_0 = 34, TQ2_0 = 35 (36..38 were interleaved IQ4_NL types, removed)
//   bitnet.cpp:         I2_S = 36 (also I8_S 37, TL1 38, TL2 39: kernel-internal, not in files)
//   ik_llama.cpp:       I2_S = 36 (load/convert only), IQ1_BN = 134, IQ2_BN = 135
// We take 36 as I2_S: the official BitNet b1.58 2B4T GGUF uses it, and no released mainline
// file can contain the removed types.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace trit::gguf {

enum class TensorType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  I2_S = 36,
  IQ1_BN = 134,
  IQ2_BN = 135,
};

// How the bytes of a tensor of a given type are laid out, as far as sizes go.
struct TypeTraits {
  const char* name;
  uint32_t block_elems;     // elements per block along a row (1 for plain types)
  uint32_t block_bytes;     // bytes per block
  uint32_t row_meta_bytes;  // bytes at the start of every row before its blocks (IQ*_BN scale)
  bool per_tensor_tail;     // I2_S: codes of the whole tensor, then one 32-byte scale slot
  bool decodable;           // trit can turn this type into numbers (see tensor decoders)
};

// Traits of a known type id, or nullptr for an id no project we know of assigns.
const TypeTraits* type_traits(uint32_t type_id);

// "Q4_K", or "type 99" for an unknown id: used in every error message about a type.
std::string type_name(uint32_t type_id);
inline std::string type_name(TensorType t) { return type_name(static_cast<uint32_t>(t)); }

// Byte size of one row of `row_elems` elements, or of the whole tensor for I2_S.
// Returns false (and leaves `bytes` alone) when the shape does not fit the type's blocks or the
// size overflows 64 bits; `why` then says which.
struct SizeResult {
  bool ok = false;
  uint64_t row_bytes = 0;     // 0 for I2_S (rows are not separately addressable in bytes)
  uint64_t tensor_bytes = 0;
  std::string why;
};
SizeResult tensor_size(uint32_t type_id, std::span<const uint64_t> ne);

// Size of the trailing scale slot of an I2_S tensor (one float32, zero padded).
inline constexpr uint64_t kI2sScaleSlotBytes = 32;

}  // namespace trit::gguf
