// The energy model's rules (docs/energy.md). Bit counts of registers refer to the RTL module
// that holds them; when the RTL changes its registers, these counts change with it.

#include "trit/energy/model.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include <fmt/format.h>

#include "trit/energy/errors.hpp"

namespace trit::energy {

namespace {

constexpr std::string_view kComponentNames[] = {
    "dram_weights", "dram_acts",     "dram_outputs", "dram_descs",  "actbuf_write", "actbuf_read",
    "wfifo_write",  "wfifo_read",    "lane_adds",    "multiplies",  "accumulate",   "pipeline_regs",
    "weight_regs",  "shadow",        "weight_path",  "drain",       "zero_skips",   "control",
    "axi",          "static_logic",  "dram_background",
};
static_assert(std::size(kComponentNames) == kNumComponents, "one name per Component");

constexpr std::string_view kGroupNames[] = {"dram", "sram", "array", "zero_skips", "control", "static"};
static_assert(std::size(kGroupNames) == kNumGroups, "one name per Group");

double d(uint64_t v) { return static_cast<double>(v); }

// What differs between the ternary array and its MAC twin.
struct Lanes {
  bool mac = false;
  MacOptions opt;
};

Breakdown evaluate_breakdown(const EventCounts& c, const Table& t, const Accelerator& a, const Lanes& lanes) {
  a.validate();
  Breakdown b;
  const auto& cfg = a.array;
  const double R = cfg.rows, C = cfg.cols, V = cfg.lanes, B = cfg.bus_bytes;
  const unsigned log2v = static_cast<unsigned>(std::countr_zero(cfg.lanes));
  const double reg = t[Key::reg_bit_pj];
  const double wscale = lanes.mac ? lanes.opt.weight_bytes_scale : 1.0;
  if (!std::isfinite(wscale) || wscale <= 0)
    throw EnergyError(fmt::format("MAC twin: weight_bytes_scale must be positive, not {}", wscale));

  // ---- DRAM --------------------------------------------------------------------------------------
  const double rd = 8 * t[Key::dram_read_pj_per_bit], wr = 8 * t[Key::dram_write_pj_per_bit];
  b[Component::dram_weights] = d(c.weight_bytes) * wscale * rd;
  b[Component::dram_acts] = d(c.act_bytes) * rd;
  b[Component::dram_outputs] = d(c.out_bytes) * wr;
  b[Component::dram_descs] = d(c.desc_bytes) * rd;

  // ---- SRAM: activation buffer (one row memory of 2 x KMax bytes per row, a beat wide) and the
  // weight FIFO (WeightFifoBeats x B bytes) -------------------------------------------------------
  const double row_mem = d(a.actbuf_row_bytes()), fifo_mem = d(a.wfifo_bytes());
  b[Component::actbuf_write] = d(c.act_bytes) / B * sram_access_pj(t, row_mem, B, true);
  b[Component::actbuf_read] = d(c.act_read_bytes) / V * sram_access_pj(t, row_mem, a.act_read_width(), false);
  b[Component::wfifo_write] = d(c.wfifo_writes) * wscale * sram_access_pj(t, fifo_mem, B, true);
  b[Component::wfifo_read] = d(c.wfifo_reads) * wscale * sram_access_pj(t, fifo_mem, B, false);

  // ---- lanes and the adder tree --------------------------------------------------------------------
  // A PE-cycle is one chunk in one active PE: (lane_ops + zero_skips) / V of them. The ternary
  // tree adds 8-bit offset-binary terms and ends in a root correction (trit_pe); the MAC tree adds
  // 16-bit products. A zero-weight lane holds a constant at its leaf in both (operand isolation;
  // a zero product), so p = zero_skips / slots silences the nodes whose leaves are all zero.
  const double slots = d(c.lane_ops) + d(c.zero_skips);
  const double p = slots > 0 ? d(c.zero_skips) / slots : 0.0;
  const unsigned leaf = lanes.mac ? 16 : 8;
  const bool root = !lanes.mac;
  const double tree_full = tree_pj(t, cfg.lanes, leaf, root, 0.0);
  const double tree_real = tree_pj(t, cfg.lanes, leaf, root, p);
  const double pe_cycles = slots / V;
  b[Component::lane_adds] = d(c.lane_ops) * tree_full / V;
  double zero_cost = std::max(0.0, pe_cycles * tree_real - b[Component::lane_adds]);
  if (lanes.mac) {
    const double mul = t[Key::mul_int8_pj];
    if (lanes.opt.gate_zero_weights) {
      b[Component::multiplies] = d(c.lane_ops) * mul;
      zero_cost += d(c.zero_skips) * t[Key::zero_skip_pj];
    } else {
      b[Component::multiplies] = slots * mul;  // zero weights are multiplied too
    }
  } else {
    zero_cost += d(c.zero_skips) * t[Key::zero_skip_pj];
  }
  b[Component::zero_skips] = zero_cost;
  b[Component::accumulate] = d(c.acc_updates) * t[Key::add_int32_pj];

  // ---- registers of the array (trit_array, trit_pe, trit_delay) ---------------------------------
  // Per active PE-cycle (acc_updates): the activation pass-through a_data_o (8V) with first/last
  // (2), the tree sum register (16 bits in trit_pe; the twin's 16 + log2 V), the accumulator (32).
  // Row r's activations pass r skew stages: with a active rows per chunk, a(a-1)/2 stages of 8V+2
  // bits per issued chunk (a = acc_updates / (issue x C); exact when every pass has the same
  // number of active rows). The activation buffer's slice register holds V bytes per row read.
  const double act_bits = 8 * V + 2;
  const double sum_bits = lanes.mac ? 16.0 + log2v : 16.0;
  double pipe_bits = d(c.acc_updates) * (act_bits + sum_bits + 32) + 8 * d(c.act_read_bytes);
  if (c.issue > 0) {
    const double active = d(c.acc_updates) / (d(c.issue) * C);
    pipe_bits += d(c.issue) * act_bits * std::max(0.0, active * (active - 1) / 2);
  }
  b[Component::pipeline_regs] = pipe_bits * reg;
  // Weights: each row a chunk is loaded into holds C x V codes of 2 bits (the twin: int8); column c
  // passes c skew stages of V codes, C(C-1)/2 stages per issued chunk.
  const double wbits = lanes.mac ? 8.0 : 2.0;
  b[Component::weight_regs] = (d(c.wreg_loads) * C * V * wbits + d(c.issue) * V * wbits * C * (C - 1) / 2) * reg;
  b[Component::shadow] = d(c.shadow_updates) * 32 * reg;

  // ---- weight path (trit_wfeed, trit_seq) and drain (trit_drain, trit_dma_wr) --------------------
  // Per beat out of the FIFO: the FIFO's output stage (8B bits) and the gearbox buffer (largest
  // record + one beat). Per issued chunk: the T5 decoder (5 shift-adds of 10 bits per T5 byte; it
  // runs on every record, whatever the format), the spill register (2CV bits) and the two-stage
  // issue delay (codes, row valids, first, last).
  const double trits = C * V;
  const double t2_bytes = std::ceil(trits / 4), t5_bytes = std::ceil(trits / 5);
  const double beat_bits = 8 * B + 8 * (t2_bytes + B);
  const double chunk_bits = 2 * trits + 2 * (2 * trits + R + 2);
  b[Component::weight_path] = d(c.wfifo_reads) * wscale * beat_bits * reg +
                              d(c.issue) * (t5_bytes * 5 * add_pj(t, 10) + chunk_bits * reg);
  // Drain: each output element read from its shadow into the packing register (32 bits); each W
  // beat through the write data FIFO and the W register (2 x 8B bits).
  b[Component::drain] = (d(c.drain_reads) * 32 + d(c.write_beats) * 2 * 8 * B) * reg;

  // ---- control ---------------------------------------------------------------------------------------
  b[Component::control] = d(c.busy) * t[Key::control_pj_per_busy_cycle];
  b[Component::axi] = (d(c.read_bursts) + d(c.write_bursts)) * t[Key::axi_burst_pj];

  // ---- static ----------------------------------------------------------------------------------------
  const double stat_w = t[Key::static_w], bg_w = t[Key::dram_background_w];
  if (c.cycles > 0 && (stat_w > 0 || bg_w > 0)) {
    if (!(a.clock_hz > 0))
      throw EnergyError(fmt::format(
          "static energy of {} cycles needs the clock, and {} has none (set Accelerator::clock_hz, or "
          "--clock-mhz)", c.cycles, cfg.name()));
    const double seconds = d(c.cycles) / a.clock_hz;
    b[Component::static_logic] = stat_w * seconds * 1e12;
    b[Component::dram_background] = bg_w * seconds * 1e12;
  }
  return b;
}

Report make_report(const EventCounts& c, const Table& t, const Accelerator& a, Datapath dp, const MacOptions& o,
                   const Breakdown& b) {
  Report r;
  r.datapath = dp;
  r.mac = o;
  r.breakdown = b;
  r.dram_floor_pj = dram_floor_pj(c, t);
  const double total = b.total_pj();
  r.over_floor = r.dram_floor_pj > 0 ? total / r.dram_floor_pj : 0.0;
  r.seconds = a.clock_hz > 0 ? d(c.cycles) / a.clock_hz : 0.0;
  r.average_power_w = r.seconds > 0 ? pj_to_j(total) / r.seconds : 0.0;
  const double slots = d(c.lane_ops) + d(c.zero_skips);
  r.pj_per_lane_slot = slots > 0 ? total / slots : 0.0;
  return r;
}

}  // namespace

std::string_view component_name(Component c) { return kComponentNames[static_cast<unsigned>(c)]; }
std::string_view group_name(Group g) { return kGroupNames[static_cast<unsigned>(g)]; }
std::string_view datapath_name(Datapath dp) { return dp == Datapath::ternary ? "ternary" : "mac"; }

Group group_of(Component c) {
  switch (c) {
    case Component::dram_weights:
    case Component::dram_acts:
    case Component::dram_outputs:
    case Component::dram_descs:
      return Group::dram;
    case Component::actbuf_write:
    case Component::actbuf_read:
    case Component::wfifo_write:
    case Component::wfifo_read:
      return Group::sram;
    case Component::zero_skips:
      return Group::zero_skips;
    case Component::control:
    case Component::axi:
      return Group::control;
    case Component::static_logic:
    case Component::dram_background:
      return Group::static_power;
    default:
      return Group::array;
  }
}

double Breakdown::group_pj(Group g) const {
  double s = 0;
  for (unsigned i = 0; i < kNumComponents; ++i)
    if (group_of(static_cast<Component>(i)) == g) s += pj[i];
  return s;
}

double Breakdown::total_pj() const {
  double s = 0;
  for (double v : pj) s += v;
  return s;
}

Breakdown& Breakdown::operator+=(const Breakdown& o) {
  for (unsigned i = 0; i < kNumComponents; ++i) pj[i] += o.pj[i];
  return *this;
}

double add_pj(const Table& t, double bits) {
  const double a8 = t[Key::add_int8_pj], a32 = t[Key::add_int32_pj];
  return std::max(0.0, a8 + (bits - 8) * (a32 - a8) / 24);
}

double sram_read_64b_pj(const Table& t, double bytes) {
  const auto& pts = t.sram;
  if (pts.empty()) throw EnergyError(fmt::format("{}: no SRAM points", t.name));
  const double macro = t[Key::sram_macro_bytes];
  const double s = macro > 0 ? std::min(bytes, macro) : bytes;
  if (pts.size() == 1 || !(s > 0)) return pts.front().pj;
  size_t i = 0;  // the segment [i, i+1] that holds s, or the nearest one
  while (i + 2 < pts.size() && s > pts[i + 1].bytes) ++i;
  const auto& lo = pts[i];
  const auto& hi = pts[i + 1];
  const double slope = std::log(hi.pj / lo.pj) / std::log(hi.bytes / lo.bytes);
  return lo.pj * std::exp(slope * std::log(s / lo.bytes));
}

double sram_access_pj(const Table& t, double memory_bytes, double width_bytes, bool write) {
  return sram_read_64b_pj(t, memory_bytes) * (8 * width_bytes / 64) * (write ? t[Key::sram_write_factor] : 1.0);
}

double tree_pj(const Table& t, unsigned lanes, unsigned leaf_bits, bool root_add, double zero_fraction) {
  const unsigned levels = static_cast<unsigned>(std::countr_zero(std::bit_ceil(std::max(lanes, 1u))));
  double e = 0;
  for (unsigned l = 1; l <= levels; ++l) {
    const double live = 1 - std::pow(zero_fraction, std::ldexp(1.0, static_cast<int>(l)));
    e += (lanes >> l) * add_pj(t, leaf_bits + l) * live;
  }
  if (root_add) e += add_pj(t, leaf_bits + levels + 1) * (1 - std::pow(zero_fraction, lanes));
  return e;
}

Breakdown ternary_breakdown(const EventCounts& c, const Table& t, const Accelerator& a) {
  return evaluate_breakdown(c, t, a, Lanes{});
}

Breakdown mac_breakdown(const EventCounts& c, const Table& t, const Accelerator& a, const MacOptions& o) {
  return evaluate_breakdown(c, t, a, Lanes{true, o});
}

double dram_floor_pj(const EventCounts& c, const Table& t) {
  return d(c.weight_bytes) * 8 * t[Key::dram_read_pj_per_bit];
}

Report evaluate(const EventCounts& c, const Table& t, const Accelerator& a, Datapath dp, const MacOptions& o) {
  const Breakdown b = dp == Datapath::ternary ? ternary_breakdown(c, t, a) : mac_breakdown(c, t, a, o);
  return make_report(c, t, a, dp, o, b);
}

Comparison compare(const EventCounts& c, const Table& t, const Accelerator& a, const MacOptions& o) {
  Comparison cmp;
  cmp.ternary = evaluate(c, t, a, Datapath::ternary);
  cmp.mac = evaluate(c, t, a, Datapath::mac, o);
  auto datapath = [](const Breakdown& b) { return b.group_pj(Group::array) + b.group_pj(Group::zero_skips); };
  const double tt = cmp.ternary.breakdown.total_pj(), ta = datapath(cmp.ternary.breakdown);
  cmp.mac_over_ternary = tt > 0 ? cmp.mac.breakdown.total_pj() / tt : 0.0;
  cmp.datapath_mac_over_ternary = ta > 0 ? datapath(cmp.mac.breakdown) / ta : 0.0;
  return cmp;
}

}  // namespace trit::energy
