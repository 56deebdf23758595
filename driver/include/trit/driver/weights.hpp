#pragma once
// Ternary weights in device layout: the one packing routine every path shares (driver uploads,
// reference model, fast model, tests, benchmarks). The layout is specified in
// docs/architecture.md, "Weight layout in device memory".

#include <cstdint>
#include <span>
#include <vector>

#include "trit/driver/config.hpp"
#include "trit/regs.hpp"

namespace trit::driver {

using regs::WeightFormat;

// Sizes of one packed N x K matrix for a given array configuration and format.
struct WeightLayout {
  uint32_t n = 0, k = 0;
  WeightFormat format = WeightFormat::T5;
  uint32_t cols = 0, lanes = 0;  // C and V of the target array
  uint32_t n_chunks = 0;         // ceil(K / V)
  uint32_t n_tiles = 0;          // ceil(N / C)
  uint32_t chunk_bytes = 0;      // ceil(C*V / 4) in T2, ceil(C*V / 5) in T5
  uint64_t tile_bytes = 0;       // n_chunks * chunk_bytes rounded up to the bus width
  uint64_t total_bytes = 0;      // n_tiles * tile_bytes

  static WeightLayout of(const ArrayConfig& cfg, uint32_t n, uint32_t k, WeightFormat format);
};

// Trits per byte and the T5 byte code of five trits (each -1, 0 or +1, first = most significant).
uint8_t t5_encode(const int8_t trits[5]);
// Decodes a T5 byte exactly as the hardware does (shift-add, no multiplier).
void t5_decode(uint8_t byte, int8_t trits[5]);

// Packs W ([n][k] row-major, values -1/0/+1; anything else throws ShapeError naming the index).
std::vector<uint8_t> pack_weights(const WeightLayout& layout, std::span<const int8_t> w);
// The inverse: device bytes -> [n][k] trits. Throws ShapeError if the blob is too short.
std::vector<int8_t> unpack_weights(const WeightLayout& layout, std::span<const uint8_t> blob);

}  // namespace trit::driver
