#pragma once
// An energy table: the price of every event class for one technology and one memory, each number
// with the source it rests on. Tables are JSON files (sim/energy/tables/, docs/energy.md), loaded
// at run time:
//
//   {
//     "name": "asic7-lpddr4", "description": "...",
//     "entries": {
//       "add_int8_pj": {"value": 0.007, "unit": "pJ", "source": "Jouppi et al., ISCA 2021 ..."},
//       ...                                  every key of `Key` exactly once, nothing else
//     },
//     "sram_read_64b": [                     at least one point, sizes strictly increasing
//       {"bytes": 8192, "value": 7.5, "unit": "pJ", "source": "..."}, ...
//     ]
//   }
//
// Keys starting with '_' are comments at any level. Every value is a finite number >= 0 (SRAM
// points > 0), in the unit the key demands, with a non-empty source. Anything else is an
// EnergyError naming the file and the key.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trit::energy {

enum class Key : unsigned {
  add_int8_pj,                // 8-bit integer add: one end of the adder-width rule
  add_int32_pj,               // 32-bit integer add: the other end; also the accumulator update
  mul_int8_pj,                // 8-bit integer multiply (the MAC twin's lanes)
  reg_bit_pj,                 // one flip-flop bit loaded (clock and average data toggling)
  zero_skip_pj,               // what a zero-weight lane itself costs (its tree nodes are priced apart)
  sram_write_factor,          // SRAM write energy / read energy of the same width
  sram_macro_bytes,           // largest SRAM macro (FPGA block RAM); 0 = memories at their own size
  dram_read_pj_per_bit,       // DRAM read, interface included
  dram_write_pj_per_bit,      // DRAM write, interface included
  dram_background_w,          // DRAM standby and refresh power while the accelerator runs
  control_pj_per_busy_cycle,  // sequencer, DMA, fetch, counters, registers: per busy cycle
  axi_burst_pj,               // one AXI AR or AW handshake on chip
  static_w,                   // accelerator leakage (static) power
  kCount
};
inline constexpr unsigned kNumKeys = static_cast<unsigned>(Key::kCount);

std::string_view key_name(Key k);
std::string_view key_unit(Key k);  // "pJ", "pJ/bit", "W", "bytes" or "ratio"
// The key called `name`, if there is one.
std::optional<Key> key_from_name(std::string_view name);

struct Entry {
  double value = 0;
  std::string source;
};

// One point of the SRAM size rule: a 64-bit read from a memory of `bytes` bytes costs `pj`.
struct SramPoint {
  double bytes = 0;
  double pj = 0;
  std::string source;
};

struct Table {
  std::string name;         // "asic7-lpddr4"
  std::string description;
  std::string path;         // the file it was loaded from ("" if built in code)
  std::array<Entry, kNumKeys> entries;
  std::vector<SramPoint> sram;  // sorted by size, at least one point

  double operator[](Key k) const { return entries[static_cast<unsigned>(k)].value; }
  Entry& at(Key k) { return entries[static_cast<unsigned>(k)]; }
  const Entry& at(Key k) const { return entries[static_cast<unsigned>(k)]; }
  // Re-checks the rules above (for tables changed in code); throws EnergyError.
  void validate() const;
};

// Parses a table from JSON text; `origin` names it in error messages (a path, or "<string>").
Table parse_table(std::string_view json_text, const std::string& origin);
// Reads and parses a table file.
Table load_table(const std::string& path);

// Directories searched for tables by name, in order: the ':'-separated TRIT_ENERGY_TABLES
// environment variable, then the tables shipped in the source tree (sim/energy/tables).
std::vector<std::string> table_dirs();
// Names of the shipped tables (files <dir>/<name>.json in table_dirs()), sorted, unique.
std::vector<std::string> table_names();
// `name_or_path` is an existing file, or the name of a table in table_dirs(). Throws
// EnergyError listing the tables that exist when it is neither.
Table find_table(const std::string& name_or_path);

}  // namespace trit::energy
