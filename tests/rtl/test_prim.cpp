// Block tests of the stream primitives (trit_fifo, trit_fifo_sram, trit_spill): random valid
// and ready on both sides, a scoreboard that checks order and content, occupancy bounds and the
// full-rate property (one item per cycle when neither side stalls).
#include <deque>

#include "Vtrit_fifo_w16d1.h"
#include "Vtrit_fifo_w16d3.h"
#include "Vtrit_fifo_sram_w40d5.h"
#include "Vtrit_spill_w16.h"
#include "tb_common.hpp"

namespace trit::rtl_tb {
namespace {

template <class Model>
struct StreamBench {
  Clocked<Model> dut;
  unsigned width;
  std::deque<uint64_t> expected;
  uint64_t next_in = 0, n_out = 0;

  explicit StreamBench(unsigned w) : width(w) {
    dut->in_valid_i = 0;
    dut->out_ready_i = 0;
    put_bits(dut->in_data_i, 0, width, 0);
    dut.reset();
  }

  uint64_t value(uint64_t i) const {
    const uint64_t v = i * 0x9E3779B97F4A7C15ull + 1;
    return width >= 64 ? v : v & ((uint64_t{1} << width) - 1);
  }

  // One cycle with the given valid/ready choices; returns {pushed, popped}.
  std::pair<bool, bool> cycle(bool in_valid, bool out_ready) {
    dut->in_valid_i = in_valid;
    put_bits(dut->in_data_i, 0, width, value(next_in));
    dut->out_ready_i = out_ready;
    dut.eval();
    const bool push = in_valid && dut->in_ready_o;
    const bool pop = out_ready && dut->out_valid_o;
    if (pop) {
      EXPECT_FALSE(expected.empty()) << "output without input at cycle " << dut.cycle();
      if (!expected.empty()) {
        EXPECT_EQ(get_bits(dut->out_data_o, 0, width), expected.front())
            << "item " << n_out << " at cycle " << dut.cycle();
        expected.pop_front();
      }
      ++n_out;
    }
    if (push) expected.push_back(value(next_in++));
    dut.tick();
    return {push, pop};
  }

  // A cycle where the producer wants to offer an item; an offered item not yet taken stays
  // offered (handshake rule), whatever the producer wants next.
  bool holding = false;
  void offer(bool want, bool out_ready) {
    const bool v = holding || want;
    const bool pushed = cycle(v, out_ready).first;
    holding = v && !pushed;
  }

  // Random traffic: valid and ready each drawn with their own probability per phase.
  void random_traffic(std::mt19937_64& rng, int cycles, size_t capacity) {
    std::uniform_real_distribution<double> u(0, 1);
    double p_in = 0.5, p_out = 0.5;
    for (int c = 0; c < cycles; ++c) {
      if (c % 200 == 0) {
        p_in = u(rng);
        p_out = u(rng);
      }
      offer(u(rng) < p_in, u(rng) < p_out);
      EXPECT_LE(expected.size(), capacity);
      if (::testing::Test::HasFailure()) return;
    }
    for (int c = 0; c < 1000 && (holding || !expected.empty()); ++c) offer(false, true);
    EXPECT_TRUE(expected.empty());
  }

  // Both sides always willing: after the pipeline fills, one item per cycle.
  void full_rate(int items, int latency) {
    int cycles = 0;
    while (n_out < uint64_t(items) && cycles < items + latency + 10) {
      cycle(next_in < uint64_t(items), true);
      ++cycles;
    }
    EXPECT_EQ(n_out, uint64_t(items));
    EXPECT_LE(cycles, items + latency);
  }
};

TEST(RtlFifo, Depth3RandomBackPressure) {
  auto rng = test_rng();
  StreamBench<Vtrit_fifo_w16d3> b(16);
  b.random_traffic(rng, 20000, 3);
}

TEST(RtlFifo, Depth3FullRate) {
  StreamBench<Vtrit_fifo_w16d3> b(16);
  b.full_rate(500, 1);
}

TEST(RtlFifo, Depth1RandomBackPressure) {
  auto rng = test_rng();
  StreamBench<Vtrit_fifo_w16d1> b(16);
  b.random_traffic(rng, 20000, 1);
}

TEST(RtlFifo, Depth3CountTracksOccupancy) {
  auto rng = test_rng();
  StreamBench<Vtrit_fifo_w16d3> b(16);
  std::uniform_int_distribution<int> coin(0, 1);
  for (int c = 0; c < 5000; ++c) {
    b.offer(coin(rng), coin(rng));
    b.dut.eval();
    EXPECT_EQ(b.dut->count_o, b.expected.size());
  }
}

TEST(RtlFifoSram, Depth5RandomBackPressure) {
  auto rng = test_rng();
  StreamBench<Vtrit_fifo_sram_w40d5> b(40);
  b.random_traffic(rng, 30000, 5 + 2);
}

TEST(RtlFifoSram, Depth5FullRate) {
  StreamBench<Vtrit_fifo_sram_w40d5> b(40);
  b.full_rate(500, 3);
}

TEST(RtlFifoSram, CountTracksOccupancy) {
  auto rng = test_rng();
  StreamBench<Vtrit_fifo_sram_w40d5> b(40);
  std::uniform_int_distribution<int> coin(0, 3);
  for (int c = 0; c < 5000; ++c) {
    b.offer(coin(rng) != 0, coin(rng) == 0);
    b.dut.eval();
    EXPECT_EQ(b.dut->count_o, b.expected.size());
    EXPECT_LE(b.expected.size(), 7u);
  }
}

TEST(RtlSpill, RandomBackPressure) {
  auto rng = test_rng();
  StreamBench<Vtrit_spill_w16> b(16);
  b.random_traffic(rng, 20000, 2);
}

TEST(RtlSpill, FullRate) {
  StreamBench<Vtrit_spill_w16> b(16);
  b.full_rate(500, 1);
}

}  // namespace
}  // namespace trit::rtl_tb
