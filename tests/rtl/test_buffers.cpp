// trit_actbuf (activation banks: beat writes, V-byte slice reads of the enabled rows two cycles
// later, the other rows holding) and trit_drain (shadow rows to strobed output beats) against C++
// models, with random traffic and back-pressure.
#include <deque>
#include <map>

#include "Vtrit_actbuf_r3v4b16.h"
#include "Vtrit_drain_r3c5b16.h"
#include "tb_common.hpp"

namespace trit::rtl_tb {
namespace {

// ---- activation buffer: R = 3, V = 4, B = 16, KMax = 64 (4 beats per bank) ---------------------
TEST(RtlActbuf, RandomWritesAndSliceReads) {
  constexpr unsigned R = 3, V = 4, B = 16, Beats = 4, Slices = B / V;
  auto rng = test_rng();
  Clocked<Vtrit_actbuf_r3v4b16> dut;
  dut->wr_en_i = 0;
  dut->rd_en_i = 0;
  dut.reset();
  std::vector<uint8_t> mem(2 * R * Beats * B);  // [bank][row][beat][byte]
  auto at = [&](unsigned bank, unsigned row, unsigned beat) { return ((bank * R + row) * Beats + beat) * B; };
  // Fill everything once so every read has defined data.
  std::uniform_int_distribution<int> byte(0, 255);
  for (unsigned bank = 0; bank < 2; ++bank)
    for (unsigned row = 0; row < R; ++row)
      for (unsigned beat = 0; beat < Beats; ++beat) {
        std::vector<uint8_t> d(B);
        for (auto& x : d) x = uint8_t(byte(rng));
        std::copy(d.begin(), d.end(), mem.begin() + at(bank, row, beat));
        dut->wr_en_i = 1;
        dut->wr_bank_i = bank;
        dut->wr_row_i = row;
        dut->wr_beat_i = beat;
        put_bytes(dut->wr_data_i, d);
        dut.tick();
      }
  dut->wr_en_i = 0;
  // Reads enable a random set of rows (the sequencer enables the pass's rows: a prefix); a row not
  // enabled keeps its last output.
  struct Read {
    unsigned mask;
    std::vector<uint8_t> bytes;  // R x V
    uint64_t due;                // two cycles after the read
  };
  std::deque<Read> pending;
  std::vector<std::vector<uint8_t>> held(R);  // each row's output; empty until first read
  std::uniform_int_distribution<unsigned> coin(0, 3), bank_d(0, 1), row_d(0, R - 1), beat_d(0, Beats - 1),
      slice_d(0, Slices - 1), mask_d(1, (1u << R) - 1);
  unsigned checked = 0;
  for (int c = 0; c < 20000 && !::testing::Test::HasFailure(); ++c) {
    const bool rd = coin(rng) != 0, wr = coin(rng) == 0;
    const unsigned rb = bank_d(rng), rbeat = beat_d(rng), rs = slice_d(rng);
    const unsigned mask = rd ? (coin(rng) == 0 ? mask_d(rng) : (1u << (row_d(rng) + 1)) - 1) : 0;
    dut->rd_en_i = mask;
    dut->rd_bank_i = rb;
    dut->rd_beat_i = rbeat;
    dut->rd_slice_i = rs;
    if (rd) {
      Read r{mask, {}, dut.cycle() + 2};
      for (unsigned row = 0; row < R; ++row)
        for (unsigned v = 0; v < V; ++v) r.bytes.push_back(mem[at(rb, row, rbeat) + rs * V + v]);
      pending.push_back(r);
    }
    // Writes go to the other bank (the sequencer never reads a bank that is loading).
    dut->wr_en_i = wr;
    if (wr) {
      const unsigned wb = 1 - rb, row = row_d(rng), beat = beat_d(rng);
      std::vector<uint8_t> d(B);
      for (auto& x : d) x = uint8_t(byte(rng));
      dut->wr_bank_i = wb;
      dut->wr_row_i = row;
      dut->wr_beat_i = beat;
      put_bytes(dut->wr_data_i, d);
      std::copy(d.begin(), d.end(), mem.begin() + at(wb, row, beat));
    }
    dut.tick();
    dut.eval();
    if (!pending.empty() && pending.front().due == dut.cycle()) {
      const Read& r = pending.front();
      for (unsigned row = 0; row < R; ++row)
        if ((r.mask >> row) & 1) held[row].assign(r.bytes.begin() + row * V, r.bytes.begin() + (row + 1) * V);
      pending.pop_front();
      ++checked;
    }
    const std::vector<uint8_t> out = get_bytes(dut->rd_data_o, R * V);
    for (unsigned row = 0; row < R; ++row) {
      if (!held[row].empty()) {
        EXPECT_EQ(std::vector<uint8_t>(out.begin() + row * V, out.begin() + (row + 1) * V), held[row])
            << "row " << row << " at cycle " << dut.cycle();
      }
    }
  }
  EXPECT_GT(checked, 10000u);
}

// ---- drain: R = 3, C = 5, B = 16, ShadowWait = 7 -----------------------------------------------------
struct Tile {
  uint32_t n0;
  unsigned cols, rows;
  uint64_t y_addr;
  uint32_t y_stride;
  unsigned idx;
  bool desc_last;
  std::vector<int32_t> vals;  // [R][C]
};

TEST(RtlDrain, RandomTilesRebuildTheOutputRows) {
  constexpr unsigned R = 3, C = 5, B = 16, Wait = 7;
  auto rng = test_rng();
  Clocked<Vtrit_drain_r3c5b16> dut;
  dut->tile_valid_i = 0;
  dut->wcmd_ready_i = 0;
  dut->wdata_ready_i = 0;
  dut.reset();
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<uint32_t> any;
  std::map<uint64_t, uint8_t> want, mem;
  std::deque<std::pair<uint64_t, unsigned>> cmds;  // (aligned address, beats) awaiting data
  std::vector<std::pair<bool, unsigned>> lasts_expect, lasts_seen;
  unsigned beat_in_cmd = 0;
  double p_cmd = 0.7, p_data = 0.6;

  // One cycle of the write side (random ready), after eval(): record commands and data.
  auto consume = [&] {
    if (dut->wcmd_valid_o && dut->wcmd_ready_i) {
      lasts_seen.push_back({bool(dut->wcmd_last_o), unsigned(dut->wcmd_idx_o)});
      cmds.push_back({uint64_t(dut->wcmd_addr_o), unsigned(dut->wcmd_beats_o)});
      EXPECT_EQ(dut->wcmd_addr_o % B, 0u);
    }
    if (dut->wdata_valid_o && dut->wdata_ready_i) {
      ASSERT_FALSE(cmds.empty()) << "data before its command";
      const auto bytes = get_bytes(dut->wdata_o, B);
      for (unsigned i = 0; i < B; ++i) {
        if (!((dut->wstrb_o >> i) & 1)) continue;
        const uint64_t a = cmds.front().first + uint64_t{beat_in_cmd} * B + i;
        EXPECT_EQ(mem.count(a), 0u) << "byte written twice at " << a;
        mem[a] = bytes[i];
      }
      if (++beat_in_cmd == cmds.front().second) {
        cmds.pop_front();
        beat_in_cmd = 0;
      }
    }
  };
  auto step = [&] {
    dut->wcmd_ready_i = u(rng) < p_cmd;
    dut->wdata_ready_i = u(rng) < p_data;
    dut.eval();
    const bool taken = dut->tile_valid_i && dut->tile_ready_o;
    consume();
    dut.tick();
    return taken;
  };

  for (int t = 0; t < 300 && !::testing::Test::HasFailure(); ++t) {
    if (t % 50 == 0) {
      p_cmd = u(rng);
      p_data = std::max(0.05, u(rng));
    }
    const unsigned rows = std::uniform_int_distribution<unsigned>(1, R)(rng);
    const unsigned cols = std::uniform_int_distribution<unsigned>(1, C)(rng);
    const uint32_t n0 = C * std::uniform_int_distribution<uint32_t>(0, 40)(rng);
    const uint32_t y_stride = B * std::uniform_int_distribution<uint32_t>(20, 300)(rng);
    const uint64_t y_addr = 0x40000000ull + uint64_t(t) * 0x20000;  // own region per tile
    const unsigned idx = any(rng) & 0xffff;
    const bool desc_last = u(rng) < 0.3;
    std::vector<uint32_t> vals(R * C);
    for (auto& v : vals) v = any(rng);
    for (unsigned r = 0; r < rows; ++r) {
      for (unsigned c = 0; c < cols; ++c)
        for (unsigned b = 0; b < 4; ++b)
          want[y_addr + uint64_t{r} * y_stride + 4ull * (n0 + c) + b] = uint8_t(vals[r * C + c] >> (8 * b));
      lasts_expect.push_back({desc_last && r + 1 == rows, idx});
    }

    // Offer the tile until the drain takes it (it has read every row of the previous one).
    dut->tile_valid_i = 1;
    dut->tile_n0_i = n0;
    dut->tile_cols_i = cols;
    dut->tile_rows_i = rows;
    dut->tile_y_addr_i = uint32_t(y_addr);
    dut->tile_y_stride_i = y_stride;
    dut->tile_idx_i = idx;
    dut->tile_desc_last_i = desc_last;
    for (int i = 0; !step(); ++i) ASSERT_LT(i, 10000) << "drain never took tile " << t;
    dut->tile_valid_i = 0;
    // The drain may read the shadows from the (ShadowWait + 1)-th cycle after the push on (the
    // array guarantees them by then): garbage before, so an early read shows.
    const uint64_t valid_from = dut.cycle() + Wait;
    for (unsigned i = 0; i < R * C; ++i) put_bits(dut->shadow_i, 32 * i, 32, any(rng));
    while (dut.cycle() < valid_from) step();
    for (unsigned i = 0; i < R * C; ++i) put_bits(dut->shadow_i, 32 * i, 32, vals[i]);
    // The shadows stay until the next tile is pushed (the loop above waits for the drain).
  }
  p_cmd = p_data = 1;
  for (int i = 0; i < 2000; ++i) step();
  EXPECT_TRUE(cmds.empty());
  EXPECT_EQ(mem.size(), want.size());
  for (auto& [a, v] : want) {
    ASSERT_TRUE(mem.count(a)) << "byte never written at " << a;
    ASSERT_EQ(mem[a], v) << "byte at " << a;
  }
  EXPECT_EQ(lasts_seen, lasts_expect);
}

}  // namespace
}  // namespace trit::rtl_tb
