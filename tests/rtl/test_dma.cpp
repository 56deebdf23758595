// trit_dma_rd and trit_dma_wr against a tiny C++ AXI4 slave with random ready/valid timing and
// latency. The read side checks that each client gets exactly the bytes of its requests, in
// order, with its user bits and last flags; that the credit client never holds more beats than
// its buffer; that bursts respect MaxBurstBeats and 4 KiB; and that an error response is reported
// with the burst's address and the request's idx. The write side rebuilds memory from W beats and
// strobes and compares it with the commands' data, checks the order of completions and errors.
#include <deque>
#include <map>

#include "Vtrit_dma_rd_b16.h"
#include "Vtrit_dma_wr_b16.h"
#include "tb_common.hpp"

namespace trit::rtl_tb {
namespace {

constexpr unsigned kBus = 16;         // bytes per beat in both models
constexpr unsigned kMaxBurst = 8;     // MaxBurstBeats
constexpr unsigned kClients = 3;
constexpr unsigned kCredits = 24;     // CreditBeats of client 2
constexpr unsigned kAddrW = 32, kBeatsW = 12, kUserW = 4, kIdxW = 16;

uint8_t mem_byte(uint64_t a) { return uint8_t((a * 0x9E3779B1u) >> 13); }

// ---- read DMA -------------------------------------------------------------------------------------
struct ReadReq {
  uint64_t addr;
  unsigned beats, user, idx;
};

struct ReadBench {
  Clocked<Vtrit_dma_rd_b16> dut;
  std::mt19937_64 rng;
  std::uniform_real_distribution<double> u{0, 1};
  double p_arready = 0.5, p_rvalid = 0.5;
  unsigned latency_max = 20;
  uint64_t err_lo = 0, err_hi = 0;  // [lo, hi): SLVERR

  struct Burst {
    uint64_t addr;
    unsigned len, sent = 0;
    uint64_t ready_at;
  };
  std::deque<Burst> bursts;                 // accepted, answered in order
  std::deque<ReadReq> pending[kClients];    // not yet handed to the DMA
  std::deque<std::pair<uint64_t, bool>> expect[kClients];  // (address of the beat, last of request)
  std::deque<unsigned> expect_user[kClients];
  unsigned held = 0;                        // credit client: beats received, not yet freed
  unsigned errors_seen = 0;
  uint64_t err_addr = 0, err_idx = 0;

  explicit ReadBench(std::mt19937_64 r) : rng(r) {
    auto& m = dut.m();
    m.abort_i = 0;
    m.req_valid_i = 0;
    m.credit_i = 0;
    m.m_axi_arready_i = 0;
    m.m_axi_rvalid_i = 0;
    dut.reset();
  }

  void add(unsigned c, ReadReq r) {
    pending[c].push_back(r);
    for (unsigned b = 0; b < r.beats; ++b) {
      expect[c].push_back({r.addr + uint64_t{b} * kBus, b + 1 == r.beats});
      expect_user[c].push_back(r.user);
    }
  }

  void cycle() {
    auto& m = dut.m();
    // Requests: offer each client's next one (hold until taken).
    m.req_valid_i = 0;
    for (unsigned c = 0; c < kClients; ++c) {
      if (pending[c].empty()) continue;
      const ReadReq& r = pending[c].front();
      m.req_valid_i |= 1u << c;
      put_bits(m.req_addr_i, c * kAddrW, kAddrW, r.addr);
      put_bits(m.req_beats_i, c * kBeatsW, kBeatsW, r.beats);
      put_bits(m.req_user_i, c * kUserW, kUserW, r.user);
      put_bits(m.req_idx_i, c * kIdxW, kIdxW, r.idx);
    }
    // Credit client frees beats at random.
    m.credit_i = held > 0 && u(rng) < 0.6;
    // Slave outputs for this cycle.
    m.m_axi_arready_i = u(rng) < p_arready;
    const bool can_r = !bursts.empty() && bursts.front().ready_at <= dut.cycle() && u(rng) < p_rvalid;
    m.m_axi_rvalid_i = can_r;
    if (can_r) {
      Burst& b = bursts.front();
      const uint64_t a = b.addr + uint64_t{b.sent} * kBus;
      std::vector<uint8_t> beat(kBus);
      for (unsigned i = 0; i < kBus; ++i) beat[i] = mem_byte(a + i);
      put_bytes(m.m_axi_rdata_i, beat);
      m.m_axi_rlast_i = b.sent + 1 == b.len;
      m.m_axi_rresp_i = (b.addr >= err_lo && b.addr < err_hi) ? 2 : 0;
      m.m_axi_rid_i = 0;
    }
    dut.eval();
    // Handshakes sampled before the edge.
    const unsigned req_hs = m.req_valid_i & m.req_ready_o;
    if (m.m_axi_arvalid_o && m.m_axi_arready_i) {
      const uint64_t a = m.m_axi_araddr_o;
      const unsigned len = m.m_axi_arlen_o + 1u;
      EXPECT_LE(len, kMaxBurst);
      EXPECT_EQ(a % kBus, 0u);
      EXPECT_LE(a % 4096 + uint64_t{len} * kBus, 4096u) << "burst crosses 4 KiB at " << a;
      EXPECT_EQ(m.m_axi_arsize_o, 4u);
      EXPECT_EQ(m.m_axi_arburst_o, 1u);
      bursts.push_back({a, len, 0, dut.cycle() + std::uniform_int_distribution<unsigned>(1, latency_max)(rng)});
    }
    if (m.err_o) {
      if (errors_seen++ == 0) {
        err_addr = get_bits(m.err_addr_o, 0, kAddrW);
        err_idx = m.err_idx_o;
      }
    }
    for (unsigned c = 0; c < kClients; ++c) {
      if (!((m.rsp_valid_o >> c) & 1)) continue;
      EXPECT_TRUE(can_r) << "response without an R beat";
      ASSERT_FALSE(expect[c].empty()) << "client " << c << " got an unexpected beat";
      const auto [addr, last] = expect[c].front();
      std::vector<uint8_t> want(kBus);
      for (unsigned i = 0; i < kBus; ++i) want[i] = mem_byte(addr + i);
      EXPECT_EQ(get_bytes(m.rsp_data_o, kBus), want) << "client " << c << " beat at " << addr;
      EXPECT_EQ(bool(m.rsp_last_o), last) << "client " << c << " beat at " << addr;
      EXPECT_EQ(m.rsp_user_o, expect_user[c].front());
      expect[c].pop_front();
      expect_user[c].pop_front();
      if (c == 2) {
        ++held;
        EXPECT_LE(held, kCredits) << "credit client overrun";
      }
    }
    if (m.credit_i) --held;
    if (can_r) {
      Burst& b = bursts.front();
      if (++b.sent == b.len) bursts.pop_front();
    }
    for (unsigned c = 0; c < kClients; ++c)
      if ((req_hs >> c) & 1) pending[c].pop_front();
    dut.tick();
  }

  bool done() const {
    for (unsigned c = 0; c < kClients; ++c)
      if (!pending[c].empty() || !expect[c].empty()) return false;
    return bursts.empty();
  }

  void run(uint64_t max_cycles) {
    for (uint64_t i = 0; i < max_cycles && !done() && !::testing::Test::HasFailure(); ++i) cycle();
    EXPECT_TRUE(done()) << "transfers left after " << max_cycles << " cycles";
  }
};

ReadReq random_req(std::mt19937_64& rng, unsigned c) {
  std::uniform_int_distribution<unsigned> beats(1, 40), page(0, 3), off(0, 4095 / kBus), idx(0, 65535);
  return {0x10000000ull + page(rng) * 4096ull + off(rng) * uint64_t{kBus}, beats(rng), c + 1 + (unsigned(rng()) & 8u), idx(rng)};
}

TEST(RtlDmaRd, RandomRequestsFromThreeClients) {
  auto rng = test_rng();
  ReadBench b(rng);
  for (int round = 0; round < 10 && !::testing::Test::HasFailure(); ++round) {
    b.p_arready = std::uniform_real_distribution<double>(0.2, 1)(rng);
    b.p_rvalid = std::uniform_real_distribution<double>(0.2, 1)(rng);
    b.latency_max = std::uniform_int_distribution<unsigned>(1, 60)(rng);
    for (int i = 0; i < 20; ++i) {
      const unsigned c = std::uniform_int_distribution<unsigned>(0, 2)(rng);
      b.add(c, random_req(rng, c));
    }
    b.run(200000);
  }
  EXPECT_EQ(b.errors_seen, 0u);
}

TEST(RtlDmaRd, FullSpeedStreamsOneBeatPerCycle) {
  auto rng = test_rng();
  ReadBench b(rng);
  b.p_arready = b.p_rvalid = 1;
  b.latency_max = 1;
  for (int i = 0; i < 20; ++i) b.add(1, {0x2000ull + i * 640ull, 40, 1, 0});  // no credits needed
  const uint64_t start = b.dut.cycle();
  b.run(5000);
  // 800 beats; a few cycles of start-up and one per burst boundary at most.
  EXPECT_LE(b.dut.cycle() - start, 800u + 120u);
}

TEST(RtlDmaRd, ErrorResponseReportsBurstAddressAndIdx) {
  auto rng = test_rng();
  ReadBench b(rng);
  b.err_lo = 0x30001000;
  b.err_hi = 0x30002000;
  b.add(0, {0x30000F00, 8, 1, 11});    // before the bad page
  b.add(2, {0x30001100, 12, 2, 22});   // inside it
  b.run(5000);
  EXPECT_GE(b.errors_seen, 1u);
  EXPECT_EQ(b.err_idx, 22u);
  EXPECT_GE(b.err_addr, 0x30001100u);
  EXPECT_LT(b.err_addr, 0x30002000u);
}

TEST(RtlDmaRd, AbortStopsNewBurstsAndDrains) {
  auto rng = test_rng();
  ReadBench b(rng);
  b.latency_max = 30;
  for (int i = 0; i < 6; ++i) b.add(1, {0x4000ull + i * 1024ull, 64, 0, 0});
  for (int i = 0; i < 40; ++i) b.cycle();
  b.dut->abort_i = 1;
  // Outstanding bursts finish; no new AR after the one possibly being presented.
  unsigned new_ars = 0;
  for (int i = 0; i < 400; ++i) {
    const size_t before = b.bursts.size();
    b.dut->eval();
    const bool presented = b.dut->m_axi_arvalid_o;
    b.cycle();
    if (b.bursts.size() > before && !presented) ++new_ars;
    // expectations of data that will never be requested are dropped at the end
  }
  EXPECT_EQ(new_ars, 0u);
  EXPECT_TRUE(b.bursts.empty());
  b.dut->eval();
  EXPECT_FALSE(b.dut->busy_o);
  EXPECT_FALSE(b.dut->m_axi_arvalid_o);
}

// ---- write DMA ------------------------------------------------------------------------------------
struct WriteCmd {
  uint64_t addr;   // beat aligned
  unsigned beats;
  bool last;
  unsigned idx;
  std::vector<std::vector<uint8_t>> data;   // [beats][kBus]
  std::vector<std::vector<bool>> strb;
};

struct WriteBench {
  Clocked<Vtrit_dma_wr_b16> dut;
  std::mt19937_64 rng;
  std::uniform_real_distribution<double> u{0, 1};
  double p_awready = 0.5, p_wready = 0.5, p_bvalid = 0.5;
  uint64_t err_lo = 0, err_hi = 0;
  std::deque<WriteCmd> cmds, data_q;
  std::deque<std::pair<uint64_t, unsigned>> aw;  // accepted bursts (addr, len) awaiting W
  unsigned w_beat = 0;
  std::deque<std::pair<uint64_t, bool>> b_pending;  // (burst addr, error)
  std::map<uint64_t, uint8_t> mem, want;
  std::deque<unsigned> done_expect;
  std::vector<unsigned> done_seen;
  unsigned errors = 0, w_beats_total = 0, strobed_after_abort = 0, aw_after_abort = 0;
  uint64_t err_addr = 0;
  size_t data_beat = 0;

  explicit WriteBench(std::mt19937_64 r) : rng(r) {
    auto& m = dut.m();
    m.abort_i = 0;
    m.cmd_valid_i = 0;
    m.data_valid_i = 0;
    m.m_axi_awready_i = 0;
    m.m_axi_wready_i = 0;
    m.m_axi_bvalid_i = 0;
    dut.reset();
  }

  void add(WriteCmd c) {
    for (unsigned b = 0; b < c.beats; ++b)
      for (unsigned i = 0; i < kBus; ++i)
        if (c.strb[b][i]) want[c.addr + uint64_t{b} * kBus + i] = c.data[b][i];
    if (c.last) done_expect.push_back(c.idx);
    cmds.push_back(c);
    data_q.push_back(std::move(c));
  }

  void cycle() {
    auto& m = dut.m();
    m.cmd_valid_i = !cmds.empty();
    if (!cmds.empty()) {
      put_bits(m.cmd_addr_i, 0, kAddrW, cmds.front().addr);
      m.cmd_beats_i = cmds.front().beats;
      m.cmd_last_i = cmds.front().last;
      m.cmd_idx_i = cmds.front().idx;
    }
    m.data_valid_i = !data_q.empty();
    if (!data_q.empty()) {
      put_bytes(m.data_i, data_q.front().data[data_beat]);
      uint32_t s = 0;
      for (unsigned i = 0; i < kBus; ++i) s |= uint32_t(data_q.front().strb[data_beat][i]) << i;
      m.strb_i = s;
    }
    m.m_axi_awready_i = u(rng) < p_awready;
    m.m_axi_wready_i = u(rng) < p_wready;
    const bool bv = !b_pending.empty() && u(rng) < p_bvalid;
    m.m_axi_bvalid_i = bv;
    if (bv) {
      m.m_axi_bresp_i = b_pending.front().second ? 2 : 0;
      m.m_axi_bid_i = 0;
    }
    dut.eval();
    if (m.done_o) done_seen.push_back(m.done_idx_o);
    if (m.err_o && errors++ == 0) err_addr = get_bits(m.err_addr_o, 0, kAddrW);
    if (bv) b_pending.pop_front();
    const bool cmd_hs = m.cmd_valid_i && m.cmd_ready_o;
    const bool data_hs = m.data_valid_i && m.data_ready_o;
    if (m.m_axi_awvalid_o && m.m_axi_awready_i) {
      const uint64_t a = m.m_axi_awaddr_o;
      const unsigned len = m.m_axi_awlen_o + 1u;
      EXPECT_LE(len, kMaxBurst);
      EXPECT_LE(a % 4096 + uint64_t{len} * kBus, 4096u);
      aw.push_back({a, len});
      if (m.abort_i) ++aw_after_abort;
    }
    if (m.m_axi_wvalid_o && m.m_axi_wready_i) {
      // W may lead AW (AXI allows it); the slave pairs them in order.
      ++w_beats_total;
      if (m.abort_i && m.m_axi_wstrb_o != 0) ++strobed_after_abort;
      pending_w.push_back({get_bytes(m.m_axi_wdata_o, kBus), uint32_t(m.m_axi_wstrb_o), bool(m.m_axi_wlast_o)});
    }
    // Apply W beats once their burst's address is known.
    while (!pending_w.empty() && !aw.empty()) {
      auto [bytes, strb, last] = pending_w.front();
      pending_w.pop_front();
      const uint64_t base = aw.front().first + uint64_t{w_beat} * kBus;
      for (unsigned i = 0; i < kBus; ++i)
        if ((strb >> i) & 1) mem[base + i] = bytes[i];
      ++w_beat;
      EXPECT_EQ(last, w_beat == aw.front().second) << "WLAST on beat " << w_beat << " of " << aw.front().second;
      if (w_beat == aw.front().second) {
        const uint64_t ba = aw.front().first;
        b_pending.push_back({ba, ba >= err_lo && ba < err_hi});
        aw.pop_front();
        w_beat = 0;
      }
    }
    if (cmd_hs) cmds.pop_front();
    if (data_hs && ++data_beat == data_q.front().beats) {
      data_q.pop_front();
      data_beat = 0;
    }
    dut.tick();
  }
  struct WBeat {
    std::vector<uint8_t> bytes;
    uint32_t strb;
    bool last;
  };
  std::deque<WBeat> pending_w;

  bool idle() {
    dut.eval();
    return cmds.empty() && data_q.empty() && aw.empty() && b_pending.empty() && pending_w.empty() && !dut->busy_o;
  }
};

WriteCmd random_cmd(std::mt19937_64& rng, unsigned idx, bool last) {
  std::uniform_int_distribution<unsigned> beats(1, 20), off(0, 4095 / kBus), byte(0, 255);
  WriteCmd c{0x20000000ull + std::uniform_int_distribution<unsigned>(0, 7)(rng) * 4096ull + off(rng) * uint64_t{kBus},
             beats(rng), last, idx, {}, {}};
  // Strobes: a contiguous byte run from a 4-byte offset in the first beat to the end of the
  // last, as the drain makes them.
  const unsigned lo = 4 * std::uniform_int_distribution<unsigned>(0, kBus / 4 - 1)(rng);
  const unsigned hi = c.beats * kBus - 4 * std::uniform_int_distribution<unsigned>(0, kBus / 4 - 1)(rng);
  for (unsigned b = 0; b < c.beats; ++b) {
    c.data.emplace_back(kBus);
    c.strb.emplace_back(kBus);
    for (unsigned i = 0; i < kBus; ++i) {
      c.data[b][i] = uint8_t(byte(rng));
      const unsigned at = b * kBus + i;
      c.strb[b][i] = at >= lo && at < std::max(hi, lo + 4);
    }
  }
  return c;
}

TEST(RtlDmaWr, RandomCommandsRebuildMemory) {
  auto rng = test_rng();
  WriteBench b(rng);
  unsigned idx = 0;
  for (int round = 0; round < 10 && !::testing::Test::HasFailure(); ++round) {
    b.p_awready = std::uniform_real_distribution<double>(0.1, 1)(rng);
    b.p_wready = std::uniform_real_distribution<double>(0.1, 1)(rng);
    b.p_bvalid = std::uniform_real_distribution<double>(0.1, 1)(rng);
    // Distinct addresses per round (later writes would overwrite earlier ones in `want`).
    b.mem.clear();
    b.want.clear();
    for (int i = 0; i < 12; ++i) {
      WriteCmd c = random_cmd(rng, idx, std::uniform_int_distribution<int>(0, 2)(rng) == 0);
      c.addr += uint64_t(i) * 0x8000;
      b.add(c);
      ++idx;
    }
    for (int i = 0; i < 100000 && !b.idle(); ++i) b.cycle();
    ASSERT_TRUE(b.idle()) << "writes left over";
    for (auto& [a, v] : b.want) ASSERT_EQ(b.mem.count(a) ? b.mem[a] : -1, int(v)) << "byte at " << a;
    for (auto& [a, v] : b.mem) ASSERT_TRUE(b.want.count(a)) << "stray byte written at " << a;
  }
  EXPECT_EQ(b.done_seen, std::vector<unsigned>(b.done_expect.begin(), b.done_expect.end()));
  EXPECT_EQ(b.errors, 0u);
}

TEST(RtlDmaWr, ErrorAndAbortFinishFormedBurstsWithoutStrobes) {
  auto rng = test_rng();
  WriteBench b(rng);
  b.err_lo = 0x20000000;
  b.err_hi = 0x20001000;
  for (unsigned i = 0; i < 6; ++i) {
    WriteCmd c = random_cmd(rng, i, true);
    c.addr = 0x20000000ull + i * 0x400ull;
    b.add(c);
  }
  for (int i = 0; i < 3000 && b.errors == 0; ++i) b.cycle();
  ASSERT_GE(b.errors, 1u);
  EXPECT_GE(b.err_addr, 0x20000000u);
  EXPECT_LT(b.err_addr, 0x20001000u);
  // Abort: formed bursts complete (zero strobes for what is left), nothing new starts; the
  // producer keeps offering what it had (the handshake rule), the DMA no longer takes data.
  b.dut->abort_i = 1;
  b.dut->eval();
  const unsigned aw_presented = b.dut->m_axi_awvalid_o;   // formed before the abort
  const unsigned w_presented = b.dut->m_axi_wvalid_o && b.dut->m_axi_wstrb_o != 0;
  for (int i = 0; i < 3000; ++i) b.cycle();
  b.dut->eval();
  EXPECT_FALSE(b.dut->busy_o);
  EXPECT_TRUE(b.aw.empty());
  EXPECT_TRUE(b.pending_w.empty());
  EXPECT_LE(b.aw_after_abort, aw_presented) << "a burst formed after the abort";
  EXPECT_LE(b.strobed_after_abort, w_presented) << "data written after the abort";
  EXPECT_FALSE(b.cmds.empty() && b.data_q.empty()) << "the test should leave work untaken";
}

}  // namespace
}  // namespace trit::rtl_tb
