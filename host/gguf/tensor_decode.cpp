#include "gguf/tensor_decode.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <vector>

namespace trit::gguf {

// ---------------------------------------------------------------------------------------------
// fp16
// ---------------------------------------------------------------------------------------------

namespace {

float fp16_to_f32_slow(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits = 0;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {
      // Subnormal: value = mant * 2^-24; normalise it into a float32.
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      bits = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / nan (payload kept)
  } else {
    bits = sign | ((exp + (127 - 15)) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

// All 65536 halves, built once: a table lookup is the cheapest exact conversion in scalar code.
const std::array<float, 65536>& fp16_table() {
  static const auto* table = [] {
    auto* t = new std::array<float, 65536>;
    for (uint32_t i = 0; i < 65536; ++i) (*t)[i] = fp16_to_f32_slow(static_cast<uint16_t>(i));
    return t;
  }();
  return *table;
}

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

[[noreturn]] void not_decodable(const TensorInfo& t, const char* what) {
  throw Error("tensor '" + std::string(t.name) + "': " + what + " is not implemented for type " +
              type_name(t.type_id));
}

void check_row(const TensorInfo& t, uint64_t row) {
  if (row >= t.n_rows())
    throw Error("tensor '" + std::string(t.name) + "': row " + std::to_string(row) +
                " out of range (" + std::to_string(t.n_rows()) + " rows)");
}

// Byte address of row `row` for row-addressable types.
const uint8_t* row_ptr(const TensorInfo& t, uint64_t row) { return t.data + row * t.row_bytes; }

// I2_S codes of flat elements [first, first + n) into out.
void i2_s_codes_range(const TensorInfo& t, uint64_t first, uint64_t n, int8_t* out) {
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t e = first + i;
    const uint64_t block = e / kQK_I2S;
    const unsigned j = static_cast<unsigned>(e % kQK_I2S);
    const uint8_t byte = t.data[block * kI2sBlockBytes + (j % 32)];
    const unsigned shift = 6 - 2 * (j / 32);
    out[i] = static_cast<int8_t>(((byte >> shift) & 3) - 1);
  }
}

// Decodes the k / Elems consecutive blocks at p (copied out: blocks in a file are unaligned).
template <typename Block, int Elems>
void decode_row_blocks(const uint8_t* p, uint64_t k, int8_t* out, void (*decode)(const Block&, int8_t*)) {
  for (uint64_t b = 0; b < k / Elems; ++b) {
    Block blk;
    std::memcpy(&blk, p + b * sizeof(Block), sizeof blk);
    decode(blk, out + b * Elems);
  }
}

float i2_s_scale(const TensorInfo& t) { return load<float>(t.data + t.n_elements() / 4); }

}  // namespace

float fp16_to_f32(uint16_t h) { return fp16_table()[h]; }

uint16_t f32_to_fp16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) {  // inf or nan
    return static_cast<uint16_t>(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0u));
  }
  if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to inf
  if (absx < 0x38800000u) {
    // Result is subnormal (or zero): value / 2^-24, rounded to nearest even.
    const float a = std::bit_cast<float>(absx);
    const float scaled = a * 16777216.0f;  // exact: power of two
    const auto m = static_cast<uint32_t>(std::nearbyint(scaled));
    return static_cast<uint16_t>(sign | m);  // m == 0x400 becomes the smallest normal
  }
  // Normal: drop 13 mantissa bits with round-to-nearest-even.
  uint32_t v = absx - ((127u - 15u) << 23);
  const uint32_t lsb = (v >> 13) & 1u;
  v += 0xfffu + lsb;
  return static_cast<uint16_t>(sign | (v >> 13));
}

// ---------------------------------------------------------------------------------------------
// Block decoders
// ---------------------------------------------------------------------------------------------

void decode_tq2_0_codes(const BlockTQ2_0& b, int8_t* out) {
  for (int h = 0; h < 2; ++h)
    for (int l = 0; l < 4; ++l)
      for (int m = 0; m < 32; ++m)
        out[128 * h + 32 * l + m] = static_cast<int8_t>(((b.qs[32 * h + m] >> (2 * l)) & 3) - 1);
}

void decode_tq1_0_codes(const BlockTQ1_0& b, int8_t* out) {
  for (int n = 0; n < 5; ++n)
    for (int m = 0; m < 32; ++m) out[32 * n + m] = static_cast<int8_t>(base3_trit(b.qs[m], n) - 1);
  for (int n = 0; n < 5; ++n)
    for (int m = 0; m < 16; ++m)
      out[160 + 16 * n + m] = static_cast<int8_t>(base3_trit(b.qs[32 + m], n) - 1);
  for (int n = 0; n < 4; ++n)
    for (int j = 0; j < 4; ++j) out[240 + 4 * n + j] = static_cast<int8_t>(base3_trit(b.qh[j], n) - 1);
}

void decode_iq2_bn_codes(const BlockIQ2_BN& b, int8_t* out) {
  for (int j = 0; j < 16; ++j)
    for (int l = 0; l < 4; ++l) out[j + 16 * l] = static_cast<int8_t>(((b.qs[j] >> (2 * l)) & 3) - 1);
}

void decode_iq1_bn_codes(const BlockIQ1_BN& b, int8_t* out) {
  for (int g = 0; g < 4; ++g) {
    for (int k = 0; k < 3; ++k)
      for (int j = 0; j < 5; ++j)
        out[16 * g + 5 * k + j] = static_cast<int8_t>(base3_trit(b.ql[3 * g + k], 4 - j) - 1);
    out[16 * g + 15] = static_cast<int8_t>(base3_trit(b.extra, 4 - g) - 1);
  }
}

void decode_i2_s_codes(const uint8_t* block, int8_t* out) {
  for (int j = 0; j < 32; ++j)
    for (int g = 0; g < 4; ++g) out[32 * g + j] = static_cast<int8_t>(((block[j] >> (6 - 2 * g)) & 3) - 1);
}

// ---------------------------------------------------------------------------------------------
// Tensor-level
// ---------------------------------------------------------------------------------------------

bool is_ternary_type(uint32_t id) {
  switch (static_cast<TensorType>(id)) {
    case TensorType::TQ1_0:
    case TensorType::TQ2_0:
    case TensorType::I2_S:
    case TensorType::IQ1_BN:
    case TensorType::IQ2_BN:
      return true;
    default:
      return false;
  }
}

bool is_float_type(uint32_t id) {
  const auto t = static_cast<TensorType>(id);
  return t == TensorType::F32 || t == TensorType::F16 || t == TensorType::BF16;
}

ScaleGranularity scale_granularity(uint32_t id) {
  switch (static_cast<TensorType>(id)) {
    case TensorType::I2_S: return ScaleGranularity::PerTensor;
    case TensorType::IQ1_BN:
    case TensorType::IQ2_BN: return ScaleGranularity::PerRow;
    default: return ScaleGranularity::PerBlock;
  }
}

int scale_block_elems(uint32_t id) {
  return scale_granularity(id) == ScaleGranularity::PerBlock ? kQK_K : 0;
}

void ternary_row_codes(const TensorInfo& t, uint64_t row, int8_t* out) {
  check_row(t, row);
  const uint64_t k = t.ne[0];
  if (k == 0 && is_ternary_type(t.type_id)) return;
  switch (t.type()) {
    case TensorType::TQ2_0:
      decode_row_blocks<BlockTQ2_0, kQK_K>(row_ptr(t, row), k, out, decode_tq2_0_codes);
      return;
    case TensorType::TQ1_0:
      decode_row_blocks<BlockTQ1_0, kQK_K>(row_ptr(t, row), k, out, decode_tq1_0_codes);
      return;
    case TensorType::IQ2_BN:  // the row starts with its float32 scale
      decode_row_blocks<BlockIQ2_BN, kQK_BN>(row_ptr(t, row) + 4, k, out, decode_iq2_bn_codes);
      return;
    case TensorType::IQ1_BN:  // the row starts with its fp16 scale
      decode_row_blocks<BlockIQ1_BN, kQK_BN>(row_ptr(t, row) + 2, k, out, decode_iq1_bn_codes);
      return;
    case TensorType::I2_S: {
      const uint64_t first = row * k;
      if (first % kQK_I2S == 0 && k % kQK_I2S == 0) {
        for (uint64_t b = 0; b < k / kQK_I2S; ++b)
          decode_i2_s_codes(t.data + (first / kQK_I2S + b) * kI2sBlockBytes, out + b * kQK_I2S);
      } else {
        i2_s_codes_range(t, first, k, out);  // rows that straddle 128-element blocks
      }
      return;
    }
    default:
      not_decodable(t, "ternary code extraction");
  }
}

size_t ternary_row_scales(const TensorInfo& t, uint64_t row, float* out) {
  check_row(t, row);
  switch (t.type()) {
    case TensorType::TQ2_0:
    case TensorType::TQ1_0: {
      const size_t bs = t.type() == TensorType::TQ2_0 ? sizeof(BlockTQ2_0) : sizeof(BlockTQ1_0);
      const uint8_t* p = row_ptr(t, row);
      const uint64_t nb = t.ne[0] / kQK_K;
      for (uint64_t b = 0; b < nb; ++b) out[b] = fp16_to_f32(load<uint16_t>(p + b * bs + bs - 2));
      return nb;
    }
    case TensorType::IQ2_BN:
      out[0] = load<float>(row_ptr(t, row));
      return 1;
    case TensorType::IQ1_BN:
      out[0] = fp16_to_f32(load<uint16_t>(row_ptr(t, row)));
      return 1;
    case TensorType::I2_S:
      out[0] = i2_s_scale(t);
      return 1;
    default:
      not_decodable(t, "ternary scale extraction");
  }
}

void dequantize_row(const TensorInfo& t, uint64_t row, float* out) {
  check_row(t, row);
  const uint64_t k = t.ne[0];
  if (k == 0) return;  // an empty row: `out` may be null (fuzzer finding: memcpy(nullptr, p, 0))
  switch (t.type()) {
    case TensorType::F32:
      std::memcpy(out, row_ptr(t, row), k * sizeof(float));
      return;
    case TensorType::F16: {
      const uint8_t* p = row_ptr(t, row);
      const auto& tab = fp16_table();
      for (uint64_t i = 0; i < k; ++i) out[i] = tab[load<uint16_t>(p + 2 * i)];
      return;
    }
    case TensorType::BF16: {
      const uint8_t* p = row_ptr(t, row);
      for (uint64_t i = 0; i < k; ++i) out[i] = bf16_to_f32(load<uint16_t>(p + 2 * i));
      return;
    }
    case TensorType::Q8_0: {
      const uint8_t* p = row_ptr(t, row);
      for (uint64_t b = 0; b < k / kQK8_0; ++b) {
        BlockQ8_0 blk;
        std::memcpy(&blk, p + b * sizeof blk, sizeof blk);
        const float d = fp16_to_f32(blk.d);
        for (int i = 0; i < kQK8_0; ++i) out[b * kQK8_0 + i] = d * static_cast<float>(blk.qs[i]);
      }
      return;
    }
    default:
      break;
  }
  if (!is_ternary_type(t.type_id)) not_decodable(t, "dequantisation");
  std::vector<int8_t> codes(k);
  ternary_row_codes(t, row, codes.data());
  std::vector<float> scales(k / kQK_K + 1);
  ternary_row_scales(t, row, scales.data());
  const int block = scale_block_elems(t.type_id);
  for (uint64_t i = 0; i < k; ++i) {
    const float s = block ? scales[i / block] : scales[0];
    out[i] = s * static_cast<float>(codes[i]);
  }
}

int64_t find_invalid_code(const TensorInfo& t) {
  // Code 3 has both bits set; for each byte, (b & (b >> 1) & 0x55) marks such pairs.
  auto scan = [](const uint8_t* p, uint64_t n) -> int64_t {
    for (uint64_t i = 0; i < n; ++i) {
      if ((p[i] & (p[i] >> 1) & 0x55u) != 0) return static_cast<int64_t>(i);
    }
    return -1;
  };
  switch (t.type()) {
    case TensorType::I2_S: {
      const int64_t byte = scan(t.data, t.n_elements() / 4);
      if (byte < 0) return -1;
      // Report the first offending element of that byte.
      const uint64_t block = static_cast<uint64_t>(byte) / kI2sBlockBytes;
      const unsigned j = static_cast<unsigned>(byte % kI2sBlockBytes);
      const uint8_t b = t.data[byte];
      for (unsigned g = 0; g < 4; ++g)
        if (((b >> (6 - 2 * g)) & 3) == 3) return static_cast<int64_t>(block * kQK_I2S + 32 * g + j);
      return -1;
    }
    case TensorType::TQ2_0:
    case TensorType::IQ2_BN: {
      std::vector<int8_t> codes(t.ne[0]);
      for (uint64_t r = 0; r < t.n_rows(); ++r) {
        const uint8_t* p = row_ptr(t, r);
        bool bad = false;
        if (t.type() == TensorType::TQ2_0) {
          for (uint64_t b = 0; b < t.ne[0] / kQK_K && !bad; ++b)
            bad = scan(p + b * sizeof(BlockTQ2_0), 64) >= 0;
        } else {
          bad = scan(p + 4, t.row_bytes - 4) >= 0;
        }
        if (!bad) continue;
        ternary_row_codes(t, r, codes.data());
        for (uint64_t i = 0; i < t.ne[0]; ++i)
          if (codes[i] == 2) return static_cast<int64_t>(r * t.ne[0] + i);
      }
      return -1;
    }
    default:
      return -1;
  }
}

}  // namespace trit::gguf
