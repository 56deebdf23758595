// The energy model against arithmetic done by hand, its rules one by one, and the properties a
// user relies on: one table entry prices one thing, counts scale, the MAC twin costs more.

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "energy_test_util.hpp"

namespace trit::energy {
namespace {

using testing::hand_table;

// Equal up to floating-point rounding of sums of a few dozen terms.
void expect_pj(double got, double want, const char* what) {
  EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, std::abs(want))) << what;
}

Accelerator r2c4v4b64_at_100mhz() {
  Accelerator a = named_accelerator("r2c4v4b64");
  a.clock_hz = 100e6;
  return a;
}

// Y[1 x 4] = X[1 x 8] * W^T on r2c4v4b64 (R = 2, C = 4, V = 4, B = 8 bytes, k_max = 512, weight
// FIFO 64 beats), T5 weights, W with 10 zeros among its 32 weights, 100 cycles of which 60 busy.
EventCounts tiny_gemm_counts() {
  EventCounts c;
  c.cycles = 100;
  c.busy = 60;
  c.stall_act = 5;  // stalls are not priced: any value
  // K = 8 is 2 chunks of V = 4; N = 4 is one tile of C = 4; M = 1 is one pass (row 0 active).
  c.issue = 2;                 // 1 pass x 1 tile x 2 chunks
  c.weight_bytes = 8;          // chunk = C x V = 16 trits = ceil(16 / 5) = 4 bytes; tile = round_up(2 x 4, 8)
  c.act_bytes = 8;             // M x round_up(K, B) = 1 x 8
  c.out_bytes = 16;            // 4 M N
  c.desc_bytes = 64;           // one descriptor
  c.descs = 1;
  c.lane_ops = 22;             // 32 lane slots (2 chunks x C x V x 1 active row) minus 10 zeros
  c.zero_skips = 10;
  c.act_read_bytes = 16;       // 2 chunks x R = 2 rows read x V = 4 bytes
  c.wfifo_writes = 1;          // 8 weight bytes = one 8-byte beat
  c.wfifo_reads = 1;
  c.wreg_loads = 4;            // 2 chunks x 2 rows
  c.acc_updates = 8;           // issue x C x active rows = 2 x 4 x 1
  c.shadow_updates = 4;        // C PEs of the one active row, one tile
  c.drain_reads = 4;           // M x N output elements
  c.write_beats = 2;           // 16 output bytes in 8-byte beats
  c.read_bursts = 3;           // descriptor, activations, weights
  c.write_bursts = 1;          // the output row
  return c;
}

TEST(EnergyModel, TinyGemmByHand) {
  const Breakdown b = ternary_breakdown(tiny_gemm_counts(), hand_table(), r2c4v4b64_at_100mhz());
  // DRAM: bytes x 8 bits x 1 pJ/bit read, 2 pJ/bit write.
  expect_pj(b[Component::dram_weights], 8 * 8 * 1.0, "dram_weights");
  expect_pj(b[Component::dram_acts], 8 * 8 * 1.0, "dram_acts");
  expect_pj(b[Component::dram_descs], 64 * 8 * 1.0, "dram_descs");
  expect_pj(b[Component::dram_outputs], 16 * 8 * 2.0, "dram_outputs");
  // SRAM: a 64-bit read costs 6.4 pJ at any size, so an 8-byte access 6.4 pJ, a write 12.8 pJ.
  expect_pj(b[Component::actbuf_write], 1 * 12.8, "actbuf_write");  // act_bytes / B = 1 beat
  expect_pj(b[Component::actbuf_read], 4 * 6.4, "actbuf_read");    // act_read_bytes / V = 4 reads of B bytes
  expect_pj(b[Component::wfifo_write], 1 * 12.8, "wfifo_write");
  expect_pj(b[Component::wfifo_read], 1 * 6.4, "wfifo_read");
  // Adder tree of V = 4 lanes: 2 adds of 9 bits (0.09), 1 of 10 bits (0.10), root 11 bits (0.11):
  // 0.39 pJ per PE-cycle; a nonzero lane's share is 0.39 / 4.
  expect_pj(b[Component::lane_adds], 22 * 0.39 / 4, "lane_adds");
  // Zero weights: p = 10/32; a level-1 node is silent with p^2, level 2 and the root with p^4.
  // 8 PE-cycles of the real tree minus the nonzero lanes' share, plus 0.5 pJ per skipped lane.
  const double p = 10.0 / 32, p2 = p * p, p4 = p2 * p2;
  const double tree = 2 * 0.09 * (1 - p2) + 0.10 * (1 - p4) + 0.11 * (1 - p4);
  expect_pj(b[Component::zero_skips], 8 * tree - 22 * 0.39 / 4 + 10 * 0.5, "zero_skips");
  expect_pj(b[Component::multiplies], 0, "multiplies");
  expect_pj(b[Component::accumulate], 8 * 0.32, "accumulate");  // 8 int32 adds
  // Registers at 0.001 pJ per bit. Per accumulator update: activations 8V + 2 = 34, tree sum 16,
  // accumulator 32 bits; the slice register 8 bits per activation byte read (16 bytes). One active
  // row: no row skew stage.
  expect_pj(b[Component::pipeline_regs], (8 * (34 + 16 + 32) + 8 * 16) * 0.001, "pipeline_regs");
  // Weight registers: 4 row loads x C x V x 2 bits = 128; column skew 0+1+2+3 = 6 stages of V x 2
  // bits per chunk: 2 x 6 x 8 = 96.
  expect_pj(b[Component::weight_regs], (128 + 96) * 0.001, "weight_regs");
  expect_pj(b[Component::shadow], 4 * 32 * 0.001, "shadow");
  // Weight path: per FIFO beat 8B (output stage) + 8 x (T2 chunk 4 + B 8) (gearbox) = 160 bits;
  // per chunk the T5 decoder (4 bytes x 5 adds of 10 bits = 2.0 pJ), the spill register (2CV = 32
  // bits) and the issue delay (2 x (32 + R + 2) = 72 bits).
  expect_pj(b[Component::weight_path], 160 * 0.001 + 2 * (4 * 5 * 0.10 + (32 + 72) * 0.001), "weight_path");
  // Drain: 4 outputs x 32 bits into the packer, 2 W beats x 2 registers x 64 bits.
  expect_pj(b[Component::drain], (4 * 32 + 2 * 2 * 64) * 0.001, "drain");
  expect_pj(b[Component::control], 60 * 3.0, "control");
  expect_pj(b[Component::axi], (3 + 1) * 5.0, "axi");
  // 100 cycles at 100 MHz = 1 us: 0.002 W -> 2 nJ, 0.001 W -> 1 nJ.
  expect_pj(b[Component::static_logic], 2000, "static_logic");
  expect_pj(b[Component::dram_background], 1000, "dram_background");

  double sum = 0;
  for (double v : b.pj) sum += v;
  expect_pj(b.total_pj(), sum, "total");
  expect_pj(b.group_pj(Group::dram), 64 + 64 + 512 + 256, "dram group");
  expect_pj(dram_floor_pj(tiny_gemm_counts(), hand_table()), 64, "floor");
  const Report r = evaluate(tiny_gemm_counts(), hand_table(), r2c4v4b64_at_100mhz());
  expect_pj(r.over_floor, sum / 64, "total / floor");
  EXPECT_DOUBLE_EQ(r.seconds, 1e-6);
  EXPECT_NEAR(b.total_mj(), sum * 1e-9, 1e-18);
}

TEST(EnergyModel, TinyGemmMacTwinByHand) {
  const EventCounts c = tiny_gemm_counts();
  const Table t = hand_table();
  const Breakdown ter = ternary_breakdown(c, t, r2c4v4b64_at_100mhz());
  const Breakdown mac = mac_breakdown(c, t, r2c4v4b64_at_100mhz());
  // Every one of the 32 lane slots multiplies (1 pJ), zero weights included.
  expect_pj(mac[Component::multiplies], 32 * 1.0, "multiplies");
  // Tree of 16-bit products: 2 adds of 17 bits (0.17), 1 of 18 bits (0.18), no root: 0.52.
  expect_pj(mac[Component::lane_adds], 22 * 0.52 / 4, "lane_adds");
  const double p = 10.0 / 32, p2 = p * p, p4 = p2 * p2;
  expect_pj(mac[Component::zero_skips], 8 * (2 * 0.17 * (1 - p2) + 0.18 * (1 - p4)) - 22 * 0.52 / 4, "zero_skips");
  // Tree sum register 16 + log2 V = 18 bits instead of 16; int8 weight registers.
  expect_pj(mac[Component::pipeline_regs], (8 * (34 + 18 + 32) + 8 * 16) * 0.001, "pipeline_regs");
  expect_pj(mac[Component::weight_regs], (4 * 4 * 4 * 8 + 2 * 6 * 4 * 8) * 0.001, "weight_regs");
  // Same traffic, buffers, control and static energy.
  for (Component same : {Component::dram_weights, Component::dram_acts, Component::dram_outputs,
                         Component::dram_descs, Component::actbuf_write, Component::actbuf_read,
                         Component::wfifo_write, Component::wfifo_read, Component::accumulate, Component::shadow,
                         Component::weight_path, Component::drain, Component::control, Component::axi,
                         Component::static_logic, Component::dram_background})
    EXPECT_DOUBLE_EQ(mac[same], ter[same]) << component_name(same);

  // Gated: only the 22 nonzero weights multiply, a zero costs zero_skip_pj as in the ternary array.
  MacOptions gated;
  gated.gate_zero_weights = true;
  const Breakdown g = mac_breakdown(c, t, r2c4v4b64_at_100mhz(), gated);
  expect_pj(g[Component::multiplies], 22 * 1.0, "gated multiplies");
  expect_pj(g[Component::zero_skips], mac[Component::zero_skips] + 10 * 0.5, "gated zero_skips");
  // int8 weights in memory: five times the T5 bytes and FIFO beats.
  MacOptions int8;
  int8.weight_bytes_scale = 5;
  const Breakdown w = mac_breakdown(c, t, r2c4v4b64_at_100mhz(), int8);
  expect_pj(w[Component::dram_weights], 5 * ter[Component::dram_weights], "int8 dram_weights");
  expect_pj(w[Component::wfifo_read], 5 * ter[Component::wfifo_read], "int8 wfifo_read");
}

TEST(EnergyModel, AddWidthRule) {
  const Table t = hand_table();
  EXPECT_DOUBLE_EQ(add_pj(t, 8), 0.08);
  EXPECT_DOUBLE_EQ(add_pj(t, 32), 0.32);
  EXPECT_NEAR(add_pj(t, 20), 0.20, 1e-15);
  EXPECT_NEAR(add_pj(t, 9), 0.09, 1e-15);
  EXPECT_GE(add_pj(t, 0), 0.0);
}

TEST(EnergyModel, SramSizeAndWidthRule) {
  Table t = find_table("horowitz45-ddr3");  // 8 KiB 10 pJ, 32 KiB 20 pJ, 1 MiB 100 pJ
  EXPECT_NEAR(sram_read_64b_pj(t, 8192), 10, 1e-12);
  EXPECT_NEAR(sram_read_64b_pj(t, 32768), 20, 1e-12);
  EXPECT_NEAR(sram_read_64b_pj(t, 1 << 20), 100, 1e-9);
  // Log-log: 16 KiB is halfway (in log size) between 8 and 32 KiB: the geometric mean.
  EXPECT_NEAR(sram_read_64b_pj(t, 16384), std::sqrt(10.0 * 20.0), 1e-9);
  // Below the first point: the first segment's slope (0.5): 2 KiB -> 10 x (1/4)^0.5 = 5.
  EXPECT_NEAR(sram_read_64b_pj(t, 2048), 5, 1e-9);
  // Above the last point: the last segment's slope, log(5)/log(32): 32 MiB -> 100 x 5.
  EXPECT_NEAR(sram_read_64b_pj(t, 32.0 * (1 << 20)), 500, 1e-6);
  // Width: linear in the bits accessed; writes x sram_write_factor.
  EXPECT_NEAR(sram_access_pj(t, 8192, 64, false), 80, 1e-9);
  t.at(Key::sram_write_factor).value = 1.5;
  EXPECT_NEAR(sram_access_pj(t, 8192, 8, true), 15, 1e-9);
  // A macro limit caps the size: a 64 KiB memory of 4 KiB macros prices like 4 KiB.
  t.at(Key::sram_macro_bytes).value = 4096;
  EXPECT_NEAR(sram_read_64b_pj(t, 65536), sram_read_64b_pj(t, 4096), 1e-12);
  // One point: no size dependence.
  EXPECT_DOUBLE_EQ(sram_read_64b_pj(hand_table(), 1), 6.4);
  EXPECT_DOUBLE_EQ(sram_read_64b_pj(hand_table(), 1e9), 6.4);
}

TEST(EnergyModel, TreeRule) {
  const Table t = hand_table();
  EXPECT_NEAR(tree_pj(t, 4, 8, true, 0.0), 2 * 0.09 + 0.10 + 0.11, 1e-15);
  // 16 lanes: 8 x 9 bits, 4 x 10, 2 x 11, 1 x 12, root 13.
  EXPECT_NEAR(tree_pj(t, 16, 8, true, 0.0), 8 * 0.09 + 4 * 0.10 + 2 * 0.11 + 0.12 + 0.13, 1e-14);
  EXPECT_NEAR(tree_pj(t, 16, 16, false, 0.0), 8 * 0.17 + 4 * 0.18 + 2 * 0.19 + 0.20, 1e-14);
  EXPECT_DOUBLE_EQ(tree_pj(t, 16, 8, true, 1.0), 0.0);  // all weights zero: nothing switches
  EXPECT_LT(tree_pj(t, 16, 8, true, 0.5), tree_pj(t, 16, 8, true, 0.0));
  // One lane: no tree, the ternary root add only.
  EXPECT_NEAR(tree_pj(t, 1, 8, true, 0.0), 0.09, 1e-15);
}

// Counts with every field nonzero and a realistic mix: a 3-row prefill pass and a decode GEMV on
// r3c5v8b128, so every rule (including the row skew) has something to price.
EventCounts rich_counts(const Accelerator& a) {
  EventCounts c = testing::gemm_counts(a.array, 3, 37, 300, 37 * 300 * 2 / 3) +
                  testing::gemm_counts(a.array, 1, 64, 512, 64 * 512 * 6 / 10);
  c.stall_weight = 7;
  c.stall_act = 3;
  c.stall_drain = 2;
  c.stall_write = 1;
  return c;
}

std::set<Component> changed(const Breakdown& a, const Breakdown& b) {
  std::set<Component> out;
  for (unsigned i = 0; i < kNumComponents; ++i)
    if (a.pj[i] != b.pj[i]) out.insert(static_cast<Component>(i));
  return out;
}

std::string names(const std::set<Component>& s) {
  std::string out;
  for (Component c : s) out += std::string(out.empty() ? "" : ", ") + std::string(component_name(c));
  return out.empty() ? "(none)" : out;
}

TEST(EnergyModel, EachEntryPricesExactlyItsComponents) {
  using C = Component;
  const std::set<C> sram = {C::actbuf_write, C::actbuf_read, C::wfifo_write, C::wfifo_read};
  const std::set<C> regs = {C::pipeline_regs, C::weight_regs, C::shadow, C::weight_path, C::drain};
  struct Want {
    Key key;
    std::set<C> ternary, mac;
  };
  const Want wants[] = {
      {Key::add_int8_pj, {C::lane_adds, C::zero_skips, C::weight_path}, {C::lane_adds, C::zero_skips, C::weight_path}},
      {Key::add_int32_pj,
       {C::lane_adds, C::zero_skips, C::weight_path, C::accumulate},
       {C::lane_adds, C::zero_skips, C::weight_path, C::accumulate}},
      {Key::mul_int8_pj, {}, {C::multiplies}},
      {Key::reg_bit_pj, regs, regs},
      {Key::zero_skip_pj, {C::zero_skips}, {}},  // the ungated twin multiplies its zeros instead
      {Key::sram_write_factor, {C::actbuf_write, C::wfifo_write}, {C::actbuf_write, C::wfifo_write}},
      {Key::sram_macro_bytes, sram, sram},
      {Key::dram_read_pj_per_bit, {C::dram_weights, C::dram_acts, C::dram_descs},
       {C::dram_weights, C::dram_acts, C::dram_descs}},
      {Key::dram_write_pj_per_bit, {C::dram_outputs}, {C::dram_outputs}},
      {Key::dram_background_w, {C::dram_background}, {C::dram_background}},
      {Key::control_pj_per_busy_cycle, {C::control}, {C::control}},
      {Key::axi_burst_pj, {C::axi}, {C::axi}},
      {Key::static_w, {C::static_logic}, {C::static_logic}},
  };
  static_assert(std::size(wants) == kNumKeys, "every key is checked");
  Accelerator a = named_accelerator("r3c5v8b128");
  a.clock_hz = 500e6;
  const EventCounts c = rich_counts(a);
  for (const std::string& name : table_names()) {
    const Table base = find_table(name);
    const Breakdown t0 = ternary_breakdown(c, base, a), m0 = mac_breakdown(c, base, a);
    for (const Want& w : wants) {
      Table t = base;
      // A change that matters whatever the value was (sram_macro_bytes: cap every memory).
      double& v = t.at(w.key).value;
      v = w.key == Key::sram_macro_bytes ? 64 : v * 1.7 + 0.013;
      EXPECT_EQ(names(changed(t0, ternary_breakdown(c, t, a))), names(w.ternary))
          << name << ": " << key_name(w.key) << " (ternary)";
      EXPECT_EQ(names(changed(m0, mac_breakdown(c, t, a))), names(w.mac))
          << name << ": " << key_name(w.key) << " (MAC twin)";
    }
    // Each SRAM point prices SRAM components only, those whose memory size its segments reach:
    // the first segment for this configuration's 1 and 4 KiB memories, not the 1 MiB point.
    for (size_t i = 0; i < base.sram.size(); ++i) {
      Table t = base;
      t.sram[i].pj *= 1.3;
      const auto ch = changed(t0, ternary_breakdown(c, t, a));
      EXPECT_EQ(ch.empty(), i >= 2) << name << ": sram point " << i;
      for (Component comp : ch) EXPECT_TRUE(sram.count(comp)) << name << ": sram point " << i << " changed "
                                                                << component_name(comp);
    }
  }
}

TEST(EnergyModel, ScalesWithRepeatedWork) {
  Accelerator a = named_accelerator("r3c5v8b128");
  a.clock_hz = 500e6;
  const EventCounts c = rich_counts(a);
  for (const std::string& name : table_names()) {
    const Table t = find_table(name);
    const Breakdown one = ternary_breakdown(c, t, a), three = ternary_breakdown(c * 3, t, a);
    for (unsigned i = 0; i < kNumComponents; ++i)
      EXPECT_NEAR(three.pj[i], 3 * one.pj[i], 1e-9 * std::max(1.0, three.pj[i]))
          << name << ": " << component_name(static_cast<Component>(i));
  }
}

TEST(EnergyModel, StaticEnergyNeedsTheClock) {
  Accelerator a = named_accelerator("r2c4v4b64");  // clock_khz 0 in rtl/configs.json
  ASSERT_EQ(a.clock_hz, 0);
  try {
    ternary_breakdown(tiny_gemm_counts(), hand_table(), a);
    FAIL() << "no error";
  } catch (const EnergyError& e) {
    EXPECT_NE(std::string(e.what()).find("needs the clock"), std::string::npos) << e.what();
  }
  EventCounts no_cycles = tiny_gemm_counts();
  no_cycles.cycles = 0;
  EXPECT_NO_THROW(ternary_breakdown(no_cycles, hand_table(), a));
  Table no_static = hand_table();
  no_static.at(Key::static_w).value = 0;
  no_static.at(Key::dram_background_w).value = 0;
  EXPECT_NO_THROW(ternary_breakdown(tiny_gemm_counts(), no_static, a));
}

// BitNet b1.58 weights are about one third zeros. Decode (M = 1) and prefill (M = 64) shapes of
// the 2B4T model on the bench array, under every shipped table: the MAC twin costs more in total
// and several times more in its datapath, gated or not.
TEST(EnergyModel, MacTwinCostsMoreForBitNetWeights) {
  Accelerator a = named_accelerator("r8c20v16b512");
  for (const std::string& name : table_names()) {
    const Table t = find_table(name);
    for (uint64_t m : {1u, 64u}) {
      EventCounts c;
      for (auto [n, k] : {std::pair<uint64_t, uint64_t>{2560, 2560}, {640, 2560}, {6912, 2560}, {2560, 6912}})
        c += testing::gemm_counts(a.array, m, n, k, n * k * 2 / 3);
      for (bool gate : {false, true}) {
        MacOptions o;
        o.gate_zero_weights = gate;
        const Comparison cmp = compare(c, t, a, o);
        EXPECT_GT(cmp.mac.breakdown.total_pj(), cmp.ternary.breakdown.total_pj()) << name << " M=" << m;
        EXPECT_GT(cmp.datapath_mac_over_ternary, 1.5) << name << " M=" << m << " gated=" << gate;
        EXPECT_GT(cmp.mac_over_ternary, 1.0) << name << " M=" << m;
      }
    }
  }
}

TEST(EnergyModel, ActivationReadWidthKnob) {
  // Reading V bytes per row instead of a whole beat cuts activation-buffer read energy by B / V.
  Accelerator a = named_accelerator("r8c20v16b512");
  const EventCounts c = testing::gemm_counts(a.array, 1, 2560, 2560, 2560 * 2560 * 2 / 3);
  const Table t = find_table("asic7-lpddr4");
  const double beat = ternary_breakdown(c, t, a)[Component::actbuf_read];
  a.act_read_word_bytes = a.array.lanes;
  EXPECT_NEAR(ternary_breakdown(c, t, a)[Component::actbuf_read], beat * 16 / 64, 1e-6 * beat);
}

}  // namespace
}  // namespace trit::energy
