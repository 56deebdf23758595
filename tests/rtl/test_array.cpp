// trit_pe and trit_array against a C++ model of the output-stationary dataflow: random tiles
// (lengths, activations, trits with a varying share of zeros), random bubbles between chunks,
// random active-row masks (rows past M). Every shadow register is checked every cycle against its
// cycle-exact expectation: PE(r, c) publishes a tile r + c + 2 cycles after the tile's last chunk
// entered the array and keeps it until the next tile's publication.
#include <bit>
#include <deque>
#include <optional>

#include "Vtrit_array_r2c3v4.h"
#include "Vtrit_array_r3c2v8.h"
#include "Vtrit_pe_v16.h"
#include "Vtrit_pe_v4.h"
#include "tb_common.hpp"

namespace trit::rtl_tb {
namespace {

unsigned code_of(int w) { return w == 0 ? 0u : (w > 0 ? 1u : 3u); }

struct Chunk {
  std::vector<int> w;   // [C][V]
  std::vector<int> a;   // [R][V]
  bool first, last;
};

// Drives trit_array (or a lone trit_pe as a 1 x 1 array) and checks the shadows.
template <class Model, bool kLonePe>
struct ArrayBench {
  Clocked<Model> dut;
  unsigned R, C, V;
  std::vector<int32_t> acc, shadow_expect;           // [R][C]
  std::deque<std::pair<uint64_t, std::vector<std::pair<unsigned, int32_t>>>> publish;  // (cycle, (pe, value))
  uint64_t pe_ops = 0;
  // Counter events of column 0 (trit_array's ev_* outputs) summed over the run, and what the
  // chunks presented should give.
  uint64_t ev_wreg = 0, ev_acc = 0, ev_shadow = 0, want_wreg = 0, want_acc = 0, want_shadow = 0;

  ArrayBench(unsigned r, unsigned c, unsigned v) : R(r), C(c), V(v), acc(r * c, 0), shadow_expect(r * c, 0) {
    idle();
    dut.reset();
  }

  void idle() {
    dut->a_valid_i = 0;
    if constexpr (kLonePe)
      dut->w_load_i = 0;  // a lone PE has no row below
    else
      dut->w_valid_i = 0;
  }

  void present(const Chunk& ch, unsigned row_mask) {
    if constexpr (kLonePe) {
      dut->a_valid_i = row_mask & 1;
      dut->w_load_i = 0;
      dut->a_first_i = ch.first;
      dut->a_last_i = ch.last;
      for (unsigned v = 0; v < V; ++v) {
        put_bits(dut->a_data_i, 8 * v, 8, uint8_t(ch.a[v]));
        put_bits(dut->w_code_i, 2 * v, 2, code_of(ch.w[v]));
      }
    } else {
      dut->a_valid_i = row_mask;
      dut->w_valid_i = 1;
      dut->a_first_i = ch.first;
      dut->a_last_i = ch.last;
      for (unsigned r = 0; r < R; ++r)
        for (unsigned v = 0; v < V; ++v) put_bits(dut->a_data_i, 8 * (r * V + v), 8, uint8_t(ch.a[r * V + v]));
      for (unsigned c = 0; c < C; ++c)
        for (unsigned v = 0; v < V; ++v) put_bits(dut->w_code_i, 2 * (c * V + v), 2, code_of(ch.w[c * V + v]));
    }
  }

  // Model: the chunk presented in this cycle; publication times per PE.
  void model(const Chunk& ch, unsigned row_mask) {
    // A chunk is loaded into row 0's weight registers (the column skew) and into those of every
    // active row below (the pass-through registers of the row above); each active row's PEs
    // accumulate it (and publish on `last`).
    const unsigned active = static_cast<unsigned>(std::popcount(row_mask & ((1u << R) - 1)));
    want_wreg += 1 + static_cast<unsigned>(std::popcount(row_mask & ((1u << R) - 2)));
    want_acc += active;
    want_shadow += ch.last ? active : 0;
    for (unsigned r = 0; r < R; ++r) {
      if (!((row_mask >> r) & 1)) continue;
      for (unsigned c = 0; c < C; ++c) {
        int32_t s = 0;
        for (unsigned v = 0; v < V; ++v) s += ch.w[c * V + v] * ch.a[r * V + v];
        int32_t& a = acc[r * C + c];
        a = (ch.first ? 0 : a) + s;
        if (ch.last) publish.push_back({dut.cycle() + r + c + 2, {{r * C + c, a}}});
      }
    }
  }

  void check_shadows() {
    while (!publish.empty() && publish.front().first <= dut.cycle()) {
      for (auto [pe, val] : publish.front().second) shadow_expect[pe] = val;
      publish.pop_front();
    }
    for (unsigned pe = 0; pe < R * C; ++pe) {
      const int32_t got = int32_t(uint32_t(get_bits(dut->shadow_o, 32 * pe, 32)));
      EXPECT_EQ(got, shadow_expect[pe]) << "PE(" << pe / C << "," << pe % C << ") at cycle " << dut.cycle();
    }
  }

  void tick() {
    if constexpr (!kLonePe) {
      // Events of the cycle about to end (the registers they describe load at this edge).
      dut.eval();
      ev_wreg += static_cast<unsigned>(std::popcount(static_cast<unsigned>(dut->ev_wreg_o)));
      ev_acc += static_cast<unsigned>(std::popcount(static_cast<unsigned>(dut->ev_acc_o)));
      ev_shadow += static_cast<unsigned>(std::popcount(static_cast<unsigned>(dut->ev_shadow_o)));
    }
    dut.tick();
    dut.eval();
    check_shadows();
  }

  // Once the array is idle: the events seen equal the model's.
  void check_events() {
    if constexpr (!kLonePe) {
      EXPECT_EQ(ev_wreg, want_wreg) << "rows of weight registers loaded";
      EXPECT_EQ(ev_acc, want_acc) << "accumulator updates (column 0)";
      EXPECT_EQ(ev_shadow, want_shadow) << "shadow updates (column 0)";
    }
  }

  void run(std::mt19937_64& rng, int tiles) {
    std::uniform_int_distribution<int> len(1, 7), act(-128, 127), gap(0, 3);
    std::uniform_real_distribution<double> u(0, 1);
    // publish is ordered by time only within a tile; keep it sorted.
    for (int t = 0; t < tiles && !::testing::Test::HasFailure(); ++t) {
      const int n = len(rng);
      const double p_zero = u(rng);
      const double p_bubble = u(rng) * 0.5;
      // Active rows: a prefix (rows past M are inactive), occasionally none.
      const unsigned rows = std::uniform_int_distribution<unsigned>(0, R)(rng);
      const unsigned mask = rows >= 32 ? ~0u : ((1u << rows) - 1);
      for (int j = 0; j < n; ++j) {
        while (u(rng) < p_bubble) {
          idle();
          tick();
        }
        Chunk ch{std::vector<int>(C * V), std::vector<int>(R * V), j == 0, j == n - 1};
        for (auto& w : ch.w) w = u(rng) < p_zero ? 0 : (u(rng) < 0.5 ? -1 : 1);
        for (auto& a : ch.a) a = act(rng);
        present(ch, mask);
        model(ch, mask);
        std::stable_sort(publish.begin(), publish.end(),
                         [](const auto& x, const auto& y) { return x.first < y.first; });
        tick();
      }
      idle();
      // The next tile's last chunk must not overwrite a shadow before the drain could read it:
      // the sequencer guarantees R + C cycles; here a random wait of at least that.
      for (int i = 0, w = int(R + C) + gap(rng); i < w; ++i) tick();
    }
    for (int i = 0; i < int(R + C) + 3; ++i) tick();
    EXPECT_TRUE(publish.empty());
    check_events();
  }
};

TEST(RtlPe, Lanes4RandomTiles) {
  auto rng = test_rng();
  ArrayBench<Vtrit_pe_v4, true> b(1, 1, 4);
  b.run(rng, 400);
}
TEST(RtlPe, Lanes16RandomTiles) {
  auto rng = test_rng();
  ArrayBench<Vtrit_pe_v16, true> b(1, 1, 16);
  b.run(rng, 400);
}

// Extreme operands: all +1 / all -1 weights with -128 / 127 activations, long tiles.
TEST(RtlPe, Lanes16ExtremeValues) {
  ArrayBench<Vtrit_pe_v16, true> b(1, 1, 16);
  for (int w : {1, -1}) {
    for (int a : {-128, 127}) {
      for (int j = 0; j < 50; ++j) {
        Chunk ch{std::vector<int>(16, w), std::vector<int>(16, a), j == 0, j == 49};
        b.present(ch, 1);
        b.model(ch, 1);
        b.tick();
      }
      b.idle();
      for (int i = 0; i < 4; ++i) b.tick();
    }
  }
}

// Pass-through registers: what enters from the left leaves right one cycle later; the weights
// go down one cycle later when the row below takes them (w_load_i) and hold otherwise.
TEST(RtlPe, PassThroughIsOneCycle) {
  auto rng = test_rng();
  Clocked<Vtrit_pe_v4> pe;
  pe->a_valid_i = 0;
  pe->w_load_i = 0;
  pe.reset();
  std::uniform_int_distribution<uint32_t> d;
  std::optional<uint32_t> held;  // what w_code_o must hold (unknown before the first load)
  for (int i = 0; i < 200; ++i) {
    const uint32_t a = d(rng), w = d(rng) & 0xff;
    const bool av = d(rng) & 1, wl = d(rng) & 1;
    pe->a_valid_i = av;
    pe->a_data_i = a;
    pe->a_first_i = 1;
    pe->a_last_i = 0;
    pe->w_load_i = wl;
    pe->w_code_i = w;
    pe.tick();
    pe.eval();
    EXPECT_EQ(bool(pe->a_valid_o), av);
    if (av) {
      EXPECT_EQ(uint32_t(pe->a_data_o), a);
    }
    if (wl) held = w;
    if (held) {
      EXPECT_EQ(uint32_t(pe->w_code_o), *held) << (wl ? "loaded" : "held");
    }
  }
}

TEST(RtlArray, R2C3V4RandomTiles) {
  auto rng = test_rng();
  ArrayBench<Vtrit_array_r2c3v4, false> b(2, 3, 4);
  b.run(rng, 400);
}
TEST(RtlArray, R3C2V8RandomTiles) {
  auto rng = test_rng();
  ArrayBench<Vtrit_array_r3c2v8, false> b(3, 2, 8);
  b.run(rng, 400);
}

// Back-to-back tiles of one chunk each with no gap: the fastest the sequencer may issue lasts
// when the drain keeps up; checks every intermediate publication cycle-exactly.
TEST(RtlArray, R2C3V4BackToBackSingleChunkTiles) {
  auto rng = test_rng();
  ArrayBench<Vtrit_array_r2c3v4, false> b(2, 3, 4);
  std::uniform_int_distribution<int> act(-128, 127), tr(-1, 1);
  for (int t = 0; t < 100; ++t) {
    Chunk ch{std::vector<int>(12), std::vector<int>(8), true, true};
    for (auto& w : ch.w) w = tr(rng);
    for (auto& a : ch.a) a = act(rng);
    b.present(ch, 3);
    b.model(ch, 3);
    std::stable_sort(b.publish.begin(), b.publish.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    b.tick();
  }
  b.idle();
  for (int i = 0; i < 10; ++i) b.tick();
  b.check_events();
}

}  // namespace
}  // namespace trit::rtl_tb
