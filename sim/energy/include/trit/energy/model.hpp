#pragma once
// The energy model: event counts x per-event energies of a table, for the ternary array and for
// its multiply-accumulate twin (the same dataflow, buffers and traffic, with int8 x int8 lanes).
// Every rule is written out in docs/energy.md; the comments here say which counts each component
// uses.

#include <array>
#include <cstdint>
#include <string_view>

#include "trit/energy/accelerator.hpp"
#include "trit/energy/counts.hpp"
#include "trit/energy/table.hpp"

namespace trit::energy {

enum class Component : unsigned {
  // DRAM: bytes across the memory interface, per stream
  dram_weights,     // weight_bytes x 8 x dram read
  dram_acts,        // act_bytes x 8 x dram read
  dram_outputs,     // out_bytes (strobed) x 8 x dram write
  dram_descs,       // desc_bytes x 8 x dram read
  // on-chip SRAM (size and width rule)
  actbuf_write,     // act_bytes / B beat writes into a row memory
  actbuf_read,      // act_read_bytes / V row reads of the physical word width
  wfifo_write,      // wfifo_writes beats into the weight FIFO
  wfifo_read,       // wfifo_reads beats out of it
  // array datapath, the weight path into it and the drain out of it
  lane_adds,        // adder-tree adds by width, the share of the nonzero lanes
  multiplies,       // the MAC twin's int8 multiplies (0 for the ternary array)
  accumulate,       // acc_updates int32 adds
  pipeline_regs,    // activation pass-through and row skew, tree sum, accumulator, slice registers
  weight_regs,      // weight registers moving down the rows (wreg_loads) and the column skew
  shadow,           // shadow_updates x 32 register bits
  weight_path,      // FIFO output stage, gearbox, T5 decoder, spill and issue registers
  drain,            // drain_reads into the packer, write_beats through the write data path
  // what zero-weight lanes still cost: the adder-tree nodes above them that still switch because
  // a sibling lane is live, plus zero_skip_pj per skipped lane
  zero_skips,
  // control
  control,          // busy x control_pj_per_busy_cycle
  axi,              // (read_bursts + write_bursts) x axi_burst_pj
  // static: power x cycles / clock
  static_logic,     // static_w
  dram_background,  // dram_background_w
  kCount
};
inline constexpr unsigned kNumComponents = static_cast<unsigned>(Component::kCount);

enum class Group : unsigned { dram, sram, array, zero_skips, control, static_power, kCount };
inline constexpr unsigned kNumGroups = static_cast<unsigned>(Group::kCount);

std::string_view component_name(Component c);  // "dram_weights", ...
std::string_view group_name(Group g);           // "dram", "sram", "array", "zero_skips", "control", "static"
Group group_of(Component c);

inline constexpr double pj_to_mj(double pj) { return pj * 1e-9; }
inline constexpr double pj_to_j(double pj) { return pj * 1e-12; }

struct Breakdown {
  std::array<double, kNumComponents> pj{};

  double& operator[](Component c) { return pj[static_cast<unsigned>(c)]; }
  double operator[](Component c) const { return pj[static_cast<unsigned>(c)]; }
  double group_pj(Group g) const;
  double total_pj() const;
  double dynamic_pj() const { return total_pj() - group_pj(Group::static_power); }
  double total_mj() const { return pj_to_mj(total_pj()); }
  Breakdown& operator+=(const Breakdown& o);
};

enum class Datapath { ternary, mac };
std::string_view datapath_name(Datapath d);  // "ternary", "mac"

// How the MAC twin is built.
struct MacOptions {
  // false (default): every lane slot multiplies, zero weights included, as an int8 array that
  // does not look at its operands does. true: a zero weight gates its multiplier (and costs
  // zero_skip_pj like a skipped ternary lane).
  bool gate_zero_weights = false;
  // Weight bytes in memory relative to the ternary stream (DRAM weight bytes and FIFO beats are
  // multiplied by it). 1 = the same traffic (the default: isolates the datapath); 5 = int8
  // weights instead of T5, 4 = instead of T2.
  double weight_bytes_scale = 1.0;
};

// ---- the rules, exposed for reports and tests ----------------------------------------------------
// An add of `bits` bits: linear in width through the table's int8 and int32 points, never < 0.
double add_pj(const Table& t, double bits);
// A 64-bit read from a memory of `bytes` bytes (capped at sram_macro_bytes when set):
// interpolated log-log between the table's SRAM points, extrapolated with the nearest segment's
// slope outside them, constant with a single point.
double sram_read_64b_pj(const Table& t, double bytes);
// An access of `width_bytes` bytes: the 64-bit figure x width / 8 bytes, x sram_write_factor for
// writes.
double sram_access_pj(const Table& t, double memory_bytes, double width_bytes, bool write);
// One PE-cycle of a `lanes`-input adder tree whose leaves are `leaf_bits` wide (level l has
// lanes / 2^l adds of leaf_bits + l bits), plus one root add of leaf_bits + log2(lanes) + 1 bits
// when `root_add` (the ternary tree's correction: subtracting lanes' +1s and the offset). Each
// lane is zero with probability `zero_fraction`, independently; a node whose leaves are all zero
// holds its value and costs nothing, any other node costs its full add.
double tree_pj(const Table& t, unsigned lanes, unsigned leaf_bits, bool root_add, double zero_fraction);

// ---- evaluation ----------------------------------------------------------------------------------
// Throws EnergyError when the accelerator is invalid, or when static power is nonzero, cycles
// were counted and the clock is unknown.
Breakdown ternary_breakdown(const EventCounts& c, const Table& t, const Accelerator& a);
Breakdown mac_breakdown(const EventCounts& c, const Table& t, const Accelerator& a, const MacOptions& o = {});

// weight_bytes x 8 x dram read: the unavoidable cost of streaming the weights once.
double dram_floor_pj(const EventCounts& c, const Table& t);

struct Report {
  Datapath datapath = Datapath::ternary;
  MacOptions mac;            // meaningful for Datapath::mac
  Breakdown breakdown;
  double dram_floor_pj = 0;  // of the ternary stream (the twin's floor is the same bytes)
  double over_floor = 0;     // total / floor; 0 when nothing was streamed
  double seconds = 0;        // cycles / clock; 0 when the clock is unknown
  double average_power_w = 0;  // total / seconds; 0 when seconds is 0
  double pj_per_lane_slot = 0; // total / (lane_ops + zero_skips): per weight x activation product
};
Report evaluate(const EventCounts& c, const Table& t, const Accelerator& a, Datapath d = Datapath::ternary,
                const MacOptions& o = {});

struct Comparison {
  Report ternary;
  Report mac;
  double mac_over_ternary = 0;           // total energy
  double datapath_mac_over_ternary = 0;  // array + zero_skips groups: what removing multipliers buys
};
Comparison compare(const EventCounts& c, const Table& t, const Accelerator& a, const MacOptions& o = {});

}  // namespace trit::energy
