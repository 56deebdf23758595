#include "trit/driver/weights.hpp"

#include <fmt/format.h>

#include "trit/driver/errors.hpp"

namespace trit::driver {
namespace {

uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

// T2 codes: bit 0 = nonzero, bit 1 = subtract.
constexpr uint8_t t2_code(int8_t w) { return w == 0 ? 0u : (w > 0 ? 1u : 3u); }
constexpr int8_t t2_value(uint8_t code) {
  return (code & 1u) == 0 ? 0 : ((code & 2u) != 0 ? -1 : 1);
}

}  // namespace

WeightLayout WeightLayout::of(const ArrayConfig& cfg, uint32_t n, uint32_t k, WeightFormat format) {
  if (n == 0 || k == 0)
    throw ShapeError(fmt::format("weight matrix {} x {}: dimensions must be nonzero", n, k));
  if (format != WeightFormat::T2 && format != WeightFormat::T5)
    throw ShapeError(fmt::format("unknown weight format {}", static_cast<uint32_t>(format)));
  WeightLayout l;
  l.n = n;
  l.k = k;
  l.format = format;
  l.cols = cfg.cols;
  l.lanes = cfg.lanes;
  l.n_chunks = (k + cfg.lanes - 1) / cfg.lanes;
  l.n_tiles = (n + cfg.cols - 1) / cfg.cols;
  const uint32_t trits = cfg.cols * cfg.lanes;
  l.chunk_bytes = format == WeightFormat::T2 ? (trits + 3) / 4 : (trits + 4) / 5;
  l.tile_bytes = round_up(uint64_t{l.n_chunks} * l.chunk_bytes, cfg.bus_bytes);
  l.total_bytes = l.tile_bytes * l.n_tiles;
  return l;
}

uint8_t t5_encode(const int8_t trits[5]) {
  uint32_t v = 0;
  for (int p = 0; p < 5; ++p) v = v * 3 + static_cast<uint32_t>(trits[p] + 1);
  // Base-3 fixed point: the byte is the fraction v / 243 scaled to 256, rounded up, so that
  // repeated "times 3, take the carry" recovers the digits most significant first.
  return static_cast<uint8_t>((v * 256 + 242) / 243);
}

void t5_decode(uint8_t byte, int8_t trits[5]) {
  uint32_t x = byte;
  for (int p = 0; p < 5; ++p) {
    const uint32_t x3 = (x << 1) + x;  // 10 bits
    trits[p] = static_cast<int8_t>(static_cast<int>(x3 >> 8) - 1);
    x = x3 & 0xffu;
  }
}

std::vector<uint8_t> pack_weights(const WeightLayout& l, std::span<const int8_t> w) {
  if (w.size() != uint64_t{l.n} * l.k)
    throw ShapeError(fmt::format("weight matrix has {} values, expected {} x {} = {}", w.size(),
                                 l.n, l.k, uint64_t{l.n} * l.k));
  std::vector<uint8_t> blob(l.total_bytes, 0);
  const uint32_t trits = l.cols * l.lanes;
  std::vector<int8_t> chunk(round_up(trits, 20));  // room for whole T2 and T5 bytes
  for (uint32_t t = 0; t < l.n_tiles; ++t) {
    uint8_t* tile = blob.data() + t * l.tile_bytes;
    for (uint32_t j = 0; j < l.n_chunks; ++j) {
      std::fill(chunk.begin(), chunk.end(), int8_t{0});
      for (uint32_t i = 0; i < trits; ++i) {
        const uint64_t n = uint64_t{t} * l.cols + i / l.lanes;
        const uint64_t k = uint64_t{j} * l.lanes + i % l.lanes;
        if (n >= l.n || k >= l.k) continue;
        const int8_t v = w[n * l.k + k];
        if (v < -1 || v > 1)
          throw ShapeError(fmt::format("weight [{}][{}] = {} is not ternary (-1, 0, +1)", n, k, v));
        chunk[i] = v;
      }
      uint8_t* out = tile + uint64_t{j} * l.chunk_bytes;
      if (l.format == WeightFormat::T2) {
        for (uint32_t b = 0; b < l.chunk_bytes; ++b) {
          uint8_t byte = 0;
          for (uint32_t q = 0; q < 4; ++q) byte |= t2_code(chunk[4 * b + q]) << (2 * q);
          out[b] = byte;
        }
      } else {
        for (uint32_t b = 0; b < l.chunk_bytes; ++b) out[b] = t5_encode(&chunk[5 * b]);
      }
    }
  }
  return blob;
}

std::vector<int8_t> unpack_weights(const WeightLayout& l, std::span<const uint8_t> blob) {
  if (blob.size() < l.total_bytes)
    throw ShapeError(fmt::format("packed weights have {} bytes, layout needs {}", blob.size(),
                                 l.total_bytes));
  std::vector<int8_t> w(uint64_t{l.n} * l.k, 0);
  const uint32_t trits = l.cols * l.lanes;
  for (uint32_t t = 0; t < l.n_tiles; ++t) {
    for (uint32_t j = 0; j < l.n_chunks; ++j) {
      const uint8_t* in = blob.data() + t * l.tile_bytes + uint64_t{j} * l.chunk_bytes;
      for (uint32_t i = 0; i < trits; ++i) {
        int8_t v;
        if (l.format == WeightFormat::T2) {
          v = t2_value((in[i / 4] >> (2 * (i % 4))) & 3u);
        } else {
          int8_t d[5];
          t5_decode(in[i / 5], d);
          v = d[i % 5];
        }
        const uint64_t n = uint64_t{t} * l.cols + i / l.lanes;
        const uint64_t k = uint64_t{j} * l.lanes + i % l.lanes;
        if (n < l.n && k < l.k) w[n * l.k + k] = v;
      }
    }
  }
  return w;
}

}  // namespace trit::driver
