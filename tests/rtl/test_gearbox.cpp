// trit_gearbox: bus beats (with the tile padding cut from each tile's last beat) in, weight
// chunks out. Random tiles (chunk counts, record size switches between passes), random input
// gaps and output back-pressure; the scoreboard is the byte stream cut in C++.
#include <deque>

#include "Vtrit_gearbox_b8r10r8.h"
#include "Vtrit_gearbox_b64r80r64.h"
#include "tb_common.hpp"

namespace trit::rtl_tb {
namespace {

struct Beat {
  std::vector<uint8_t> data;
  unsigned nbytes;
  bool sel;
};
struct Record {
  std::vector<uint8_t> bytes;
  bool sel;
};

template <class Model>
struct GearboxBench {
  Clocked<Model> dut;
  unsigned in_bytes, rec[2];
  std::deque<Beat> beats;
  std::deque<Record> expected;
  uint64_t n_records = 0;

  GearboxBench(unsigned b, unsigned r0, unsigned r1) : in_bytes(b), rec{r0, r1} {
    dut->in_valid_i = 0;
    dut->out_ready_i = 0;
    dut.reset();
  }

  // A pass of `tiles` tiles of `chunks` records each, in the layout of docs/architecture.md:
  // records back to back, each tile zero padded to a whole number of beats.
  void add_pass(std::mt19937_64& rng, bool sel, int tiles, int chunks) {
    std::uniform_int_distribution<int> byte(0, 255);
    for (int t = 0; t < tiles; ++t) {
      std::vector<uint8_t> tile;
      for (int c = 0; c < chunks; ++c) {
        Record r{{}, sel};
        for (unsigned i = 0; i < rec[sel]; ++i) r.bytes.push_back(uint8_t(byte(rng)));
        tile.insert(tile.end(), r.bytes.begin(), r.bytes.end());
        expected.push_back(std::move(r));
      }
      const size_t valid = tile.size();
      tile.resize((tile.size() + in_bytes - 1) / in_bytes * in_bytes, 0xA5);  // padding: junk
      for (size_t off = 0; off < tile.size(); off += in_bytes) {
        Beat b{std::vector<uint8_t>(tile.begin() + off, tile.begin() + off + in_bytes),
               unsigned(std::min<size_t>(in_bytes, valid - off)), sel};
        beats.push_back(std::move(b));
      }
    }
  }

  void run(std::mt19937_64& rng, double p_in, double p_out, uint64_t max_cycles) {
    std::uniform_real_distribution<double> u(0, 1);
    bool holding = false;
    for (uint64_t c = 0; c < max_cycles && !expected.empty(); ++c) {
      const bool v = !beats.empty() && (holding || u(rng) < p_in);
      dut->in_valid_i = v;
      if (v) {
        put_bytes(dut->in_data_i, beats.front().data);
        dut->in_nbytes_i = beats.front().nbytes;
        dut->in_sel_i = beats.front().sel;
      }
      dut->out_ready_i = u(rng) < p_out;
      dut.eval();
      if (dut->out_valid_o && dut->out_ready_i) {
        ASSERT_FALSE(expected.empty());
        const Record& r = expected.front();
        EXPECT_EQ(bool(dut->out_sel_o), r.sel) << "record " << n_records;
        EXPECT_EQ(get_bytes(dut->out_data_o, r.bytes.size()), r.bytes) << "record " << n_records;
        expected.pop_front();
        ++n_records;
        if (::testing::Test::HasFailure()) return;
      }
      const bool push = v && dut->in_ready_o;
      if (push) beats.pop_front();
      holding = v && !push;
      dut.tick();
    }
    EXPECT_TRUE(expected.empty()) << expected.size() << " records never came out";
  }

  void random_passes(std::mt19937_64& rng, int passes) {
    std::uniform_int_distribution<int> tiles(1, 4), chunks(1, 12), coin(0, 1);
    for (int p = 0; p < passes; ++p) add_pass(rng, coin(rng), tiles(rng), chunks(rng));
  }
};

template <class Model>
void random_test(unsigned b, unsigned r0, unsigned r1) {
  auto rng = test_rng();
  GearboxBench<Model> g(b, r0, r1);
  std::uniform_real_distribution<double> u(0.05, 1.0);
  for (int round = 0; round < 20 && !::testing::Test::HasFailure(); ++round) {
    g.random_passes(rng, 10);
    g.run(rng, u(rng), u(rng), 200000);
  }
}

// Records no larger than a beat and both sides always willing: one record per cycle.
template <class Model>
void full_rate_test(unsigned b, unsigned r0, unsigned r1, bool sel, int chunks) {
  auto rng = test_rng();
  GearboxBench<Model> g(b, r0, r1);
  g.add_pass(rng, sel, 1, chunks);
  const uint64_t start = g.dut.cycle();
  g.run(rng, 1.0, 1.0, 10 * chunks);
  // Records of r bytes arrive at b/r per beat; the gearbox adds 1 cycle of latency.
  const uint64_t bound = std::max<uint64_t>(chunks, (uint64_t(chunks) * g.rec[sel] + b - 1) / b) + 2;
  EXPECT_LE(g.dut.cycle() - start, bound);
}

TEST(RtlGearbox, Beat8Records10And8Random) { random_test<Vtrit_gearbox_b8r10r8>(8, 10, 8); }
TEST(RtlGearbox, Beat64Records80And64Random) { random_test<Vtrit_gearbox_b64r80r64>(64, 80, 64); }
TEST(RtlGearbox, Beat64Record64FullRate) {
  full_rate_test<Vtrit_gearbox_b64r80r64>(64, 80, 64, true, 300);
}
TEST(RtlGearbox, Beat64Record80BusRate) {
  full_rate_test<Vtrit_gearbox_b64r80r64>(64, 80, 64, false, 300);
}
TEST(RtlGearbox, Beat8Record8FullRate) { full_rate_test<Vtrit_gearbox_b8r10r8>(8, 10, 8, true, 300); }

// A reset in the middle of a stream (soft reset mid-GEMM) leaves nothing behind.
TEST(RtlGearbox, ResetMidStreamLeavesNoBytes) {
  auto rng = test_rng();
  GearboxBench<Vtrit_gearbox_b64r80r64> g(64, 80, 64);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 20 && !::testing::Test::HasFailure(); ++round) {
    // Push a few beats of junk without taking records, then reset.
    g.dut->out_ready_i = 0;
    for (int i = 0; i < 3; ++i) {
      std::vector<uint8_t> junk(64);
      for (auto& b : junk) b = uint8_t(byte(rng));
      g.dut->in_valid_i = 1;
      put_bytes(g.dut->in_data_i, junk);
      g.dut->in_nbytes_i = 64;
      g.dut->in_sel_i = round & 1;
      g.dut.tick();
    }
    g.dut->in_valid_i = 0;
    g.dut.reset();
    g.add_pass(rng, (round >> 1) & 1, 2, 5);
    g.run(rng, 0.7, 0.7, 10000);
  }
}

}  // namespace
}  // namespace trit::rtl_tb
