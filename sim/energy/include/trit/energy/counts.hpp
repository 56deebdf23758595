#pragma once
// The energy model's input: how often each priced event happened. One field per performance
// counter of the device (docs/architecture.md, "Performance counters"; rtl/regmap.yaml), named
// after the counter without its CNT_ prefix. The names are a contract with the RTL counters, the
// fast model and the JSON files the CLI reads: do not rename a field.
//
// Counts of work are exact functions of the descriptors; cycles and stalls depend on timing. Add
// counts to account for several descriptors, layers or tokens; subtract two snapshots of free
// running counters to get what happened in between.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace trit::energy {

struct EventCounts {
  // ---- counters of rtl/regmap.yaml ----------------------------------------------------------------
  uint64_t cycles = 0;          // clock cycles (CNT_CYCLES): static energy runs over these
  uint64_t busy = 0;            // cycles with STATUS.BUSY (CNT_BUSY): control energy
  uint64_t issue = 0;           // weight chunks that entered the array (CNT_ISSUE)
  uint64_t stall_weight = 0;    // compute stalled for weights (CNT_STALL_WEIGHT); not priced
  uint64_t stall_act = 0;       // compute stalled for activations (CNT_STALL_ACT); not priced
  uint64_t stall_drain = 0;     // compute stalled for the drain (CNT_STALL_DRAIN); not priced
  uint64_t stall_write = 0;     // drain stalled for the write DMA (CNT_STALL_WRITE); not priced
  uint64_t weight_bytes = 0;    // weight bytes read from memory, tile padding included
  uint64_t act_bytes = 0;       // activation bytes read from memory: M x round_up(K, B)
  uint64_t out_bytes = 0;       // output bytes written (strobed): 4 M N
  uint64_t desc_bytes = 0;      // descriptor bytes read: 64 per descriptor
  uint64_t lane_ops = 0;        // lane add/subtract on a nonzero weight of an active row
  uint64_t zero_skips = 0;      // lane slots with a zero weight (active rows, padding included)
  uint64_t descs = 0;           // descriptors completed
  // ---- counters being added to the RTL (names agreed in advance) ------------------------------
  uint64_t act_read_bytes = 0;  // bytes the array takes from the activation buffer: V per row read per chunk
  uint64_t wfifo_writes = 0;    // bus beats written into the weight FIFO
  uint64_t wfifo_reads = 0;     // bus beats read out of the weight FIFO
  uint64_t wreg_loads = 0;      // PE-row weight-register loads: per issued chunk, the rows it is loaded into
  uint64_t acc_updates = 0;     // PE accumulator updates: issue x C x active rows
  uint64_t shadow_updates = 0;  // accumulator-to-shadow copies, one per PE per tile pass
  uint64_t drain_reads = 0;     // shadow reads by the drain, one per output element
  uint64_t write_beats = 0;     // AXI W beats
  uint64_t read_bursts = 0;     // AXI AR handshakes
  uint64_t write_bursts = 0;    // AXI AW handshakes

  // Field by field. Subtraction throws std::invalid_argument naming the first field that would go
  // negative (snapshots in the wrong order, or counters cleared in between).
  EventCounts& operator+=(const EventCounts& o);
  EventCounts& operator-=(const EventCounts& o);
  friend EventCounts operator+(EventCounts a, const EventCounts& b) { return a += b; }
  friend EventCounts operator-(EventCounts a, const EventCounts& b) { return a -= b; }
  // Every count times n (a token repeated n times, a layer in every block).
  EventCounts& operator*=(uint64_t n);
  friend EventCounts operator*(EventCounts a, uint64_t n) { return a *= n; }
  friend bool operator==(const EventCounts&, const EventCounts&) = default;

  struct Field {
    std::string_view name;
    uint64_t EventCounts::*member;
  };
  // All fields in declaration order: generic code (JSON, tables, tests) iterates over these.
  static std::span<const Field> fields();
};

// {"cycles": 123, ...}: every field, as unsigned integers.
nlohmann::json to_json(const EventCounts& c);
// Reads an object whose keys are field names; missing keys count 0. An unknown key, a value that
// is not a non-negative integer, or a non-object throws EnergyError naming `origin` (a file name
// or "counts") and the key.
EventCounts counts_from_json(const nlohmann::json& j, std::string_view origin);
// Reads a counts file (see counts_from_json); the error names the file.
EventCounts load_counts(const std::string& path);

}  // namespace trit::energy
