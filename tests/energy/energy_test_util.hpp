#pragma once
// Shared pieces of the energy tests: a table with round numbers that a person can apply by hand,
// temporary files, and the event counts of GEMMs derived from the descriptors.

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "trit/energy/energy.hpp"

namespace trit::energy::testing {

// E(add of w bits) = 0.08 + 0.01 (w - 8): 9 bits 0.09, 10 bits 0.10, ..., 32 bits 0.32.
// One SRAM point: every 64-bit read costs 6.4 pJ (0.8 pJ per byte) whatever the size; writes 2x.
inline const char* kHandTable = R"({
  "name": "hand",
  "description": "round numbers for tests",
  "entries": {
    "add_int8_pj":               {"value": 0.08,  "unit": "pJ",     "source": "test"},
    "add_int32_pj":              {"value": 0.32,  "unit": "pJ",     "source": "test"},
    "mul_int8_pj":               {"value": 1.0,   "unit": "pJ",     "source": "test"},
    "reg_bit_pj":                {"value": 0.001, "unit": "pJ",     "source": "test"},
    "zero_skip_pj":              {"value": 0.5,   "unit": "pJ",     "source": "test"},
    "sram_write_factor":         {"value": 2,     "unit": "ratio",  "source": "test"},
    "sram_macro_bytes":          {"value": 0,     "unit": "bytes",  "source": "test"},
    "dram_read_pj_per_bit":      {"value": 1,     "unit": "pJ/bit", "source": "test"},
    "dram_write_pj_per_bit":     {"value": 2,     "unit": "pJ/bit", "source": "test"},
    "dram_background_w":         {"value": 0.001, "unit": "W",      "source": "test"},
    "control_pj_per_busy_cycle": {"value": 3,     "unit": "pJ",     "source": "test"},
    "axi_burst_pj":              {"value": 5,     "unit": "pJ",     "source": "test"},
    "static_w":                  {"value": 0.002, "unit": "W",      "source": "test"}
  },
  "sram_read_64b": [{"bytes": 1024, "value": 6.4, "unit": "pJ", "source": "test"}]
})";

inline Table hand_table() { return parse_table(kHandTable, "<hand table>"); }

// A scratch directory under the test's working directory, removed with the object.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name) : path(std::filesystem::temp_directory_path() / name) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& file, const std::string& text) const {
    const auto p = path / file;
    std::ofstream(p) << text;
    return p.string();
  }
};

inline uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
inline uint64_t round_up(uint64_t a, uint64_t b) { return ceil_div(a, b) * b; }

// The event counts of one GEMM (M x N x K, T5 weights, `nonzero` nonzero weights in W) from the
// descriptor alone, as the counters are defined (docs/architecture.md and counts.hpp). Cycles:
// one per weight or activation beat (bus bound), busy the same.
inline EventCounts gemm_counts(const driver::ArrayConfig& cfg, uint64_t m, uint64_t n, uint64_t k, uint64_t nonzero) {
  const uint64_t R = cfg.rows, C = cfg.cols, V = cfg.lanes, B = cfg.bus_bytes;
  const uint64_t chunks = ceil_div(k, V), tiles = ceil_div(n, C), passes = ceil_div(m, R);
  const uint64_t tile_bytes = round_up(chunks * ceil_div(C * V, 5), B);
  EventCounts c;
  c.issue = passes * tiles * chunks;
  c.weight_bytes = passes * tiles * tile_bytes;
  c.act_bytes = m * round_up(k, B);
  c.out_bytes = 4 * m * n;
  c.desc_bytes = 64;
  c.descs = 1;
  c.lane_ops = m * nonzero;
  c.zero_skips = m * tiles * chunks * C * V - c.lane_ops;  // every pass's active rows
  c.act_read_bytes = c.issue * R * V;
  c.wfifo_writes = c.wfifo_reads = c.weight_bytes / B;
  c.wreg_loads = c.issue * R;
  c.acc_updates = m * tiles * chunks * C;
  c.shadow_updates = m * tiles * C;
  c.drain_reads = m * n;
  c.write_beats = m * ceil_div(4 * n, B);
  c.read_bursts = 1 + m + passes * tiles;
  c.write_bursts = m * tiles;
  c.cycles = c.busy = (c.weight_bytes + c.act_bytes) / B + 100;
  return c;
}

}  // namespace trit::energy::testing
