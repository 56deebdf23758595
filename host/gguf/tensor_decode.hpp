// Decoders for the tensor types trit runs: block layouts (with static_asserts on their sizes),
// row dequantisation to float, and ternary code extraction for the BitLinear path.
//
// Layouts (docs/host.md has byte diagrams). Ternary codes are stored as c in {0,1,2}
// meaning c-1 unless said otherwise.
//   F32/F16/BF16  plain little-endian scalars
//   Q8_0    32 elements: fp16 d, int8 q[32]; x = d*q
//   TQ2_0   256 elements: u8 qs[64], fp16 d. Element 128h+32l+m = ((qs[32h+m] >> 2l) & 3) - 1
//   TQ1_0   256 elements: u8 qs[48], u8 qh[4], fp16 d. Base-3 fixed point: a byte holding
//           trits t0..t4 (t0 most significant) is ceil(256*v/243), v = sum t_n*3^(4-n); trit n
//           is ((uint8)(byte*3^n) * 3) >> 8. qs[m<32]: element 32n+m = trit n;
//           qs[32+m] (m<16): element 160+16n+m = trit n; qh[j] (j<4): element 240+4n+j =
//           trit n, n<4 (the 5th trit is 0).
//   I2_S    (bitnet.cpp) the whole tensor's codes in blocks of 128 elements = 32 bytes: byte j
//           of a block holds elements j, j+32, j+64, j+96 in bits 7-6, 5-4, 3-2, 1-0; then at
//           byte n/4 one float32 scale for the whole tensor in a 32-byte slot.
//   IQ2_BN  (ik_llama.cpp) every row: float32 scale, then blocks of 64 elements = 16 bytes:
//           byte j holds elements j, j+16, j+32, j+48 in bits 1-0, 3-2, 5-4, 7-6.
//   IQ1_BN  (ik_llama.cpp) every row: fp16 scale, then blocks of 64 elements = 13 bytes:
//           ql[12], extra. Base-3 like TQ1_0 but with the *first* element least significant:
//           ql[3g+k] holds elements 16g+5k+j (j<5) with element j read by multiplier 3^(4-j);
//           extra holds elements 16g+15 (g<4), element g read by multiplier 3^(4-g).
#pragma once

#include <cstdint>
#include <cstring>

#include "gguf/reader.hpp"

namespace trit::gguf {

// --- scalar conversions ----------------------------------------------------------------------
float fp16_to_f32(uint16_t h);
uint16_t f32_to_fp16(float f);  // round to nearest even; for tests and writers
inline float bf16_to_f32(uint16_t b) {
  const uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// --- block layouts ---------------------------------------------------------------------------
inline constexpr int kQK8_0 = 32;
inline constexpr int kQK_K = 256;
inline constexpr int kQK_I2S = 128;
inline constexpr int kQK_BN = 64;

struct BlockQ8_0 {
  uint16_t d;  // fp16
  int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34);

struct BlockTQ1_0 {
  uint8_t qs[48];  // 5 trits per byte: elements 0..239
  uint8_t qh[4];   // 4 trits per byte: elements 240..255
  uint16_t d;      // fp16 block scale
};
static_assert(sizeof(BlockTQ1_0) == 54);

struct BlockTQ2_0 {
  uint8_t qs[64];  // 4 codes per byte
  uint16_t d;      // fp16 block scale
};
static_assert(sizeof(BlockTQ2_0) == 66);

struct BlockIQ1_BN {
  uint8_t ql[12];  // 5 trits per byte
  uint8_t extra;   // 4 trits: element 15 of each 16-element group
};
static_assert(sizeof(BlockIQ1_BN) == 13);

struct BlockIQ2_BN {
  uint8_t qs[16];  // 4 codes per byte
};
static_assert(sizeof(BlockIQ2_BN) == 16);

inline constexpr int kI2sBlockBytes = kQK_I2S / 4;
static_assert(kI2sBlockBytes == 32);

// --- block decoders: codes in {-1, 0, +1} (a 2-bit code 3 decodes to +2: find_invalid_code) --
void decode_tq2_0_codes(const BlockTQ2_0& b, int8_t* out /*[256]*/);
void decode_tq1_0_codes(const BlockTQ1_0& b, int8_t* out /*[256]*/);
void decode_iq2_bn_codes(const BlockIQ2_BN& b, int8_t* out /*[64]*/);
void decode_iq1_bn_codes(const BlockIQ1_BN& b, int8_t* out /*[64]*/);
void decode_i2_s_codes(const uint8_t* block /*[32]*/, int8_t* out /*[128]*/);

// Trit n (0 = most significant of 5) of a base-3 fixed-point byte.
inline int8_t base3_trit(uint8_t byte, int n) {
  static constexpr uint8_t kPow3[5] = {1, 3, 9, 27, 81};
  const auto v = static_cast<uint8_t>(byte * kPow3[n]);
  return static_cast<int8_t>((static_cast<uint16_t>(v) * 3) >> 8);
}

// --- tensor-level access ---------------------------------------------------------------------
// Types whose elements are codes {-1,0,+1} times scale(s) stored in the tensor.
bool is_ternary_type(uint32_t type_id);
// Types stored as plain floats (run in float: no activation quantisation).
bool is_float_type(uint32_t type_id);

// Granularity of a ternary type's stored scales.
enum class ScaleGranularity { PerTensor, PerRow, PerBlock };
ScaleGranularity scale_granularity(uint32_t ternary_type_id);
// Elements per scale for PerBlock types (256 for TQ1_0/TQ2_0).
int scale_block_elems(uint32_t ternary_type_id);

// Row `row` of `t` as floats, scales applied: out[ne[0]]. Any decodable type.
// Throws Error naming the tensor for a type trit cannot decode.
void dequantize_row(const TensorInfo& t, uint64_t row, float* out);

// Ternary codes of row `row`: out[ne[0]] in {-1,0,+1} (raw 2-bit code 3 would give +2; loaders
// reject such tensors up front with find_invalid_code). Throws for non-ternary types.
void ternary_row_codes(const TensorInfo& t, uint64_t row, int8_t* out);

// Stored scales of row `row`: one value per scale block of the row (PerBlock), or the single
// scale that applies to the row (PerTensor / PerRow). Returns the number written; `out` needs
// room for ne[0] / scale_block_elems (or 1).
size_t ternary_row_scales(const TensorInfo& t, uint64_t row, float* out);

// For 2-bit ternary types: the first element whose raw code is 3 (not a ternary value), as a
// flat element index, or -1 when every code is valid. Base-3 types always decode to ternary.
int64_t find_invalid_code(const TensorInfo& t);

}  // namespace trit::gguf
