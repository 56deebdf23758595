// The virtual platform's bridges on their own, in one SystemC testbench (SystemC elaborates once
// per process, so this is one program with its own sc_main, not a GoogleTest binary):
//
//  1. AXI4 -> TLM (AxiTlmBridge) against two targets at once: the platform's MemoryTarget with the
//     simple timing (early completion), and a target that accepts each transaction and answers
//     later on the backward path (TLM_ACCEPTED, then BEGIN_RESP after a random delay), with error
//     responses on one address range. A scripted AXI master issues random read and write bursts
//     of every length up to 16 beats with random valid gaps and ready back-pressure. Checked: read
//     data, write data and strobes land, no beat is presented before its transaction's response,
//     no B before the last response of its burst, SLVERR/DECERR where injected, the slave outputs
//     hold while not accepted, and the harness's AXI checker sees no violation.
//  2. TLM -> AXI4-Lite (AxiLiteBridge) against a small AXI4-Lite register slave with random
//     response delays and SLVERR on one address: values, responses, the refusal of bursts and
//     misaligned words without touching the pins, and the timeout.
//
// Exit status 0 when every check passed; each failure is printed.

#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_get.h>
#include <tlm_utils/simple_target_socket.h>

#include "axi_tlm_bridge.hpp"
#include "axilite_bridge.hpp"
#include "memory_target.hpp"

using namespace sc_core;
using namespace trit;

namespace {

int failures = 0;
int checks = 0;
#define CHECK(cond, ...)                                            \
  do {                                                              \
    ++checks;                                                       \
    if (!(cond)) {                                                  \
      ++failures;                                                   \
      std::printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
      std::printf(__VA_ARGS__);                                     \
      std::printf("\n");                                            \
    }                                                               \
  } while (0)

constexpr uint32_t kBus = 8;             // bytes per beat
constexpr uint64_t kBase = 0x10000;      // memory window
constexpr uint64_t kSize = 64 * 1024;
const sc_time kPeriod(4, SC_NS);

// A target that answers on the backward path: BEGIN_REQ -> TLM_ACCEPTED, BEGIN_RESP 0..60 cycles
// later (in order of readiness, not of arrival). Error responses on [err_lo, err_hi).
class LateTarget final : public sc_module {
 public:
  tlm_utils::simple_target_socket<LateTarget> socket;
  std::vector<uint8_t> mem = std::vector<uint8_t>(kSize);
  uint64_t err_lo = 0, err_hi = 0;
  std::map<uint64_t, sc_time> last_response;  // per 64-byte granule address: when answered (reads)
  std::map<uint64_t, sc_time> write_done;     // per granule: when a write was answered

  explicit LateTarget(sc_module_name n) : sc_module(n), socket("socket"), peq_("peq") {
    socket.register_nb_transport_fw(this, &LateTarget::fw);
    SC_HAS_PROCESS(LateTarget);
    SC_THREAD(respond);
  }

 private:
  tlm::tlm_sync_enum fw(tlm::tlm_generic_payload& t, tlm::tlm_phase& phase, sc_time& delay) {
    if (phase == tlm::END_RESP) return tlm::TLM_COMPLETED;
    CHECK(phase == tlm::BEGIN_REQ, "phase %d", static_cast<int>(phase));
    const int cycles = std::uniform_int_distribution<int>(0, 60)(rng_);
    peq_.notify(t, delay + cycles * kPeriod);
    phase = tlm::END_REQ;
    return tlm::TLM_UPDATED;
  }
  void respond() {
    for (;;) {
      wait(peq_.get_event());
      while (tlm::tlm_generic_payload* t = peq_.get_next_transaction()) {
        const uint64_t a = t->get_address();
        const uint32_t n = t->get_data_length();
        if (a < err_hi && a + n > err_lo) {
          t->set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        } else if (t->is_read()) {
          std::memcpy(t->get_data_ptr(), &mem[a - kBase], n);
          t->set_response_status(tlm::TLM_OK_RESPONSE);
        } else {
          const uint8_t* be = t->get_byte_enable_ptr();
          for (uint32_t i = 0; i < n; ++i)
            if (!be || be[i]) mem[a - kBase + i] = t->get_data_ptr()[i];
          t->set_response_status(tlm::TLM_OK_RESPONSE);
        }
        (t->is_read() ? last_response : write_done)[a / 64 * 64] = sc_time_stamp();
        tlm::tlm_phase ph = tlm::BEGIN_RESP;
        sc_time d = SC_ZERO_TIME;
        const tlm::tlm_sync_enum r = socket->nb_transport_bw(*t, ph, d);
        CHECK(r == tlm::TLM_COMPLETED, "backward path returned %d", static_cast<int>(r));
      }
    }
  }
  tlm_utils::peq_with_get<tlm::tlm_generic_payload> peq_;
  std::mt19937_64 rng_{7};
};

// A scripted AXI4 master on the bridge's pin-side structs (what VpTop's DMA port moves between
// the RTL's pins and the bridge). Random bursts, random valid gaps, random ready back-pressure.
class MasterBench final : public vp::AxiTlmBridge {
 public:
  std::vector<uint8_t>* mirror = nullptr;  // what memory should hold (the model of the test)
  std::vector<uint8_t>* target_mem = nullptr;
  const std::map<uint64_t, sc_time>* read_responses = nullptr;
  const std::map<uint64_t, sc_time>* write_responses = nullptr;
  uint64_t err_lo = 0, err_hi = 0;
  // With the simple timing: no R beat taken before AR + this many edges, no B before the last W
  // beat + this many.
  uint32_t read_latency = 0, write_latency = 0;
  int reads_done = 0, writes_done = 0, error_beats = 0, error_bs = 0;
  bool finished() const { return reads_done >= kBursts && writes_done >= kBursts; }

  MasterBench(sc_module_name n, sc_clock& clk, uint64_t seed)
      : AxiTlmBridge(n, config(), kPeriod), rng_(seed) {
    SC_HAS_PROCESS(MasterBench);
    SC_METHOD(edge);
    sensitive << clk.posedge_event();
    dont_initialize();
  }

  static constexpr int kBursts = 120;

 private:
  static sim::AxiMemoryConfig config() {
    sim::AxiMemoryConfig c;
    c.bus_bytes = kBus;
    c.max_burst_beats = 16;
    c.max_reads = 4;
    c.max_writes = 3;
    c.read_latency = c.write_latency = 0;  // the targets' timing only
    return c;
  }
  bool coin(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  // Reads in the lower half of the window, writes in the upper half, so no read races a write
  // (the driver's hazard rules keep the RTL from doing that too). Aligned, not crossing 4 KiB.
  sim::AxiAddr random_burst(bool write) {
    const uint32_t beats = std::uniform_int_distribution<uint32_t>(1, 16)(rng_);
    const uint64_t lo = kBase + (write ? kSize / 2 : 0), span = kSize / 2;
    for (;;) {
      const uint64_t addr = lo + std::uniform_int_distribution<uint64_t>(0, span / kBus - 1)(rng_) * kBus;
      if ((addr & 0xfff) + beats * kBus <= 4096 && addr + beats * kBus <= lo + span) return {addr, beats - 1, 3, 1, 0};
    }
  }

  void edge() {
    const sc_time now = sc_time_stamp();
    const sim::AxiMasterSide before = m_;  // what the bridge samples at this edge
    // ---- handshakes at this edge (slave outputs s_ from the last edge, ours m_)
    if (held_r_)
      CHECK(s_.rvalid && s_.rdata == prev_r_.rdata && s_.rresp == prev_r_.rresp && s_.rlast == prev_r_.rlast,
            "RVALID dropped or R payload changed while waiting for RREADY");
    ++edges_;
    if (m_.arvalid && s_.arready) {
      reads_.push_back({m_.ar, 0, edges_});
      m_.arvalid = false;
    }
    if (s_.rvalid && m_.rready) {
      Read& r = reads_.front();
      const uint64_t a = r.req.addr + uint64_t{r.beat} * kBus;
      // Never before the target answered this beat's transaction.
      if (read_responses) {
        const auto it = read_responses->find(a / 64 * 64);
        CHECK(it != read_responses->end() && it->second <= now, "beat at 0x%llx before its response",
              static_cast<unsigned long long>(a));
      }
      if (a < err_hi && a + kBus > err_lo) {
        CHECK(s_.rresp == sim::kSlvErr, "rresp %u at 0x%llx in the error range", s_.rresp,
              static_cast<unsigned long long>(a));
        ++error_beats;
      } else {
        CHECK(s_.rresp == sim::kOkay, "rresp %u at 0x%llx", s_.rresp, static_cast<unsigned long long>(a));
        CHECK(std::memcmp(s_.rdata.data(), &(*mirror)[a - kBase], kBus) == 0, "read data at 0x%llx",
              static_cast<unsigned long long>(a));
      }
      CHECK(s_.rlast == (r.beat == r.req.len), "RLAST on beat %u of %u", r.beat, r.req.len + 1);
      CHECK(edges_ >= r.ar_edge + read_latency + r.beat, "beat %u at edge %llu, AR at %llu, latency %u", r.beat,
            static_cast<unsigned long long>(edges_), static_cast<unsigned long long>(r.ar_edge), read_latency);
      if (++r.beat > r.req.len) {
        reads_.pop_front();
        ++reads_done;
      }
    }
    held_r_ = s_.rvalid && !m_.rready;
    prev_r_ = s_;
    if (m_.awvalid && s_.awready) {
      writes_.push_back({m_.aw, 0, 0});
      m_.awvalid = false;
    }
    if (m_.wvalid && s_.wready) {
      Write& w = *std::find_if(writes_.begin(), writes_.end(), [](const Write& x) { return x.beat <= x.req.len; });
      const uint64_t a = w.req.addr + uint64_t{w.beat} * kBus;
      for (uint32_t i = 0; i < kBus; ++i)
        if (m_.strobe(i) && !(a < err_hi && a + kBus > err_lo)) (*mirror)[a - kBase + i] = m_.wdata[i];
      if (++w.beat > w.req.len) w.last_w_edge = edges_;
      m_.wvalid = false;
    }
    if (s_.bvalid && m_.bready) {
      Write& w = writes_.front();
      CHECK(w.beat > w.req.len, "B before the last W beat");
      CHECK(edges_ >= w.last_w_edge + write_latency, "B at edge %llu, last W at %llu, latency %u",
            static_cast<unsigned long long>(edges_), static_cast<unsigned long long>(w.last_w_edge), write_latency);
      const uint64_t lo = w.req.addr, hi = lo + uint64_t{w.req.len + 1} * kBus;
      if (write_responses)
        for (uint64_t g = lo / 64 * 64; g < hi; g += 64) {
          const auto it = write_responses->find(g);
          CHECK(it != write_responses->end() && it->second <= now, "B before the response of granule 0x%llx",
                static_cast<unsigned long long>(g));
        }
      const bool err = lo < err_hi && hi > err_lo;
      CHECK(s_.bresp == (err ? sim::kSlvErr : sim::kOkay), "bresp %u for the burst at 0x%llx", s_.bresp,
            static_cast<unsigned long long>(lo));
      error_bs += err;
      writes_.pop_front();
      ++writes_done;
    }

    // ---- the bridge's edge: slave outputs for the next cycle
    sim::AxiSlaveSide s = s_;
    clock(before, s);
    s_ = s;

    // ---- the master's outputs for the next cycle
    if (!m_.arvalid && issued_reads_ < kBursts && coin(0.3)) {
      m_.ar = random_burst(false);
      m_.arvalid = true;
      ++issued_reads_;
    }
    m_.rready = coin(0.7);
    if (!m_.awvalid && issued_writes_ < kBursts && writes_.size() < 3 && coin(0.3)) {
      m_.aw = random_burst(true);
      m_.awvalid = true;
      ++issued_writes_;
    }
    if (!m_.wvalid) {
      auto w = std::find_if(writes_.begin(), writes_.end(), [](const Write& x) { return x.beat <= x.req.len; });
      if (w != writes_.end() && coin(0.6)) {
        for (uint32_t i = 0; i < kBus; ++i) m_.wdata[i] = static_cast<uint8_t>(rng_());
        m_.wstrb = {};
        m_.wstrb[0] = rng_() & ((1u << kBus) - 1);
        m_.wlast = w->beat == w->req.len;
        m_.wvalid = true;
      }
    }
    m_.bready = coin(0.7);
  }

  struct Read {
    sim::AxiAddr req;
    uint32_t beat;
    uint64_t ar_edge;
  };
  struct Write {
    sim::AxiAddr req;
    uint32_t beat;
    uint64_t last_w_edge;
  };
  uint64_t edges_ = 0;
  std::mt19937_64 rng_;
  sim::AxiMasterSide m_;
  sim::AxiSlaveSide s_, prev_r_;
  bool held_r_ = false;
  std::deque<Read> reads_;
  std::deque<Write> writes_;
  int issued_reads_ = 0, issued_writes_ = 0;
};

// An AXI4-Lite register slave: 16 registers, responses after 0..5 cycles, SLVERR at 0x3c.
class LiteSlave final : public sc_module {
 public:
  sc_in<bool> clk;
  sc_in<uint32_t> awaddr, wdata, wstrb, araddr;
  sc_in<bool> awvalid, wvalid, bready, arvalid, rready;
  sc_out<bool> awready, wready, bvalid, arready, rvalid;
  sc_out<uint32_t> bresp, rdata, rresp;
  uint32_t regs[16] = {};
  bool silent = false;  // presents no response (timeout check)
  bool forget = false;  // drop what was accepted while silent (set with silent = false)

  explicit LiteSlave(sc_module_name n) : sc_module(n) {
    SC_HAS_PROCESS(LiteSlave);
    SC_METHOD(edge);
    sensitive << clk.pos();
    dont_initialize();
  }

 private:
  void edge() {
    if (forget) {
      have_aw_ = have_w_ = have_ar_ = b_pending_ = r_pending_ = false;
      forget = false;
    }
    // Handshakes with the values before this edge.
    if (awvalid.read() && awready.read()) { aw_ = awaddr.read(); have_aw_ = true; }
    if (wvalid.read() && wready.read()) { w_ = wdata.read(); strb_ = wstrb.read(); have_w_ = true; }
    if (bvalid.read() && bready.read()) b_pending_ = false;
    if (arvalid.read() && arready.read()) { ar_ = araddr.read(); have_ar_ = true; delay_ = rng_() % 6; }
    if (rvalid.read() && rready.read()) r_pending_ = false;
    if (have_aw_ && have_w_ && !b_pending_) {
      uint32_t& r = regs[(aw_ / 4) % 16];
      for (int i = 0; i < 4; ++i)
        if (strb_ >> i & 1) r = (r & ~(0xffu << 8 * i)) | (w_ & (0xffu << 8 * i));
      bresp.write(aw_ == 0x3c ? 2 : 0);
      have_aw_ = have_w_ = false;
      b_pending_ = true;
      bdelay_ = rng_() % 6;
    }
    if (have_ar_ && !r_pending_ && delay_-- == 0) {
      rdata.write(regs[(ar_ / 4) % 16]);
      rresp.write(ar_ == 0x3c ? 2 : 0);
      have_ar_ = false;
      r_pending_ = true;
    }
    awready.write(!silent && !have_aw_);
    wready.write(!silent && !have_w_);
    arready.write(!silent && !have_ar_ && !r_pending_);
    rvalid.write(!silent && r_pending_);
    bvalid.write(!silent && b_pending_ && bdelay_-- <= 0);
  }
  std::mt19937 rng_{3};
  uint32_t aw_ = 0, w_ = 0, strb_ = 0, ar_ = 0;
  bool have_aw_ = false, have_w_ = false, have_ar_ = false, b_pending_ = false, r_pending_ = false;
  int delay_ = 0, bdelay_ = 0;
};

class LiteBench final : public sc_module {
 public:
  tlm_utils::simple_initiator_socket<LiteBench> socket{"socket"};
  LiteSlave* slave = nullptr;
  vp::AxiLiteBridge* bridge = nullptr;
  bool done = false;

  explicit LiteBench(sc_module_name n) : sc_module(n) {
    SC_HAS_PROCESS(LiteBench);
    SC_THREAD(run);
  }

 private:
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint32_t& value, unsigned len = 4) {
    tlm::tlm_generic_payload t;
    uint8_t buf[8] = {};
    std::memcpy(buf, &value, 4);
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(buf);
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time d = SC_ZERO_TIME;
    socket->b_transport(t, d);
    std::memcpy(&value, buf, 4);
    return t.get_response_status();
  }
  void run() {
    std::mt19937 rng(5);
    uint32_t model[16] = {};
    for (int i = 0; i < 300; ++i) {
      const uint32_t reg = rng() % 15;  // 0x3c (reg 15) is the error register
      uint32_t v = rng();
      if (rng() % 2) {
        CHECK(access(tlm::TLM_WRITE_COMMAND, reg * 4, v) == tlm::TLM_OK_RESPONSE, "write reg %u", reg);
        model[reg] = v;
      } else {
        CHECK(access(tlm::TLM_READ_COMMAND, reg * 4, v) == tlm::TLM_OK_RESPONSE, "read reg %u", reg);
        CHECK(v == model[reg], "reg %u read 0x%x, wrote 0x%x", reg, v, model[reg]);
      }
    }
    uint32_t v = 1;
    CHECK(access(tlm::TLM_WRITE_COMMAND, 0x3c, v) == tlm::TLM_GENERIC_ERROR_RESPONSE, "SLVERR write");
    CHECK(access(tlm::TLM_READ_COMMAND, 0x3c, v) == tlm::TLM_GENERIC_ERROR_RESPONSE, "SLVERR read");
    // Refused without touching the pins.
    CHECK(access(tlm::TLM_READ_COMMAND, 0x0, v, 8) == tlm::TLM_BURST_ERROR_RESPONSE, "8-byte access");
    CHECK(access(tlm::TLM_READ_COMMAND, 0x2, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE, "misaligned");
    CHECK(access(tlm::TLM_READ_COMMAND, 0x1000, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE, "beyond 4 KiB");
    // A slave that never answers: the timeout, then the bridge works again.
    slave->silent = true;
    CHECK(access(tlm::TLM_READ_COMMAND, 0x4, v) == tlm::TLM_GENERIC_ERROR_RESPONSE, "silent slave");
    CHECK(bridge->timed_out(), "timed_out() after a silent slave");
    slave->silent = false;
    slave->forget = true;
    wait(10 * kPeriod);
    v = 0;
    CHECK(access(tlm::TLM_READ_COMMAND, 0x8, v) == tlm::TLM_OK_RESPONSE && v == model[2], "after the timeout");
    done = true;
  }
};

}  // namespace

int sc_main(int, char*[]) {
  sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
  sc_clock clk("clk", kPeriod, 0.5, SC_ZERO_TIME, false);

  // 1a. early completion: the platform's memory target, simple timing.
  std::vector<uint8_t> mem_simple(kSize), mirror_simple(kSize);
  std::mt19937_64 fill(11);
  for (auto& b : mem_simple) b = static_cast<uint8_t>(fill());
  mirror_simple = mem_simple;
  auto timing = std::make_shared<vp::SimpleTiming>(17, 9, kPeriod);
  vp::MemoryTarget target_simple("target_simple", mem_simple.data(), kBase, kSize, timing);
  MasterBench master_simple("master_simple", clk, 1);
  master_simple.socket.bind(target_simple.socket);
  master_simple.mirror = &mirror_simple;
  master_simple.read_latency = 17;
  master_simple.write_latency = 9;

  // 1b. backward-path responses with an error range.
  LateTarget late("late");
  for (auto& b : late.mem) b = static_cast<uint8_t>(fill());
  std::vector<uint8_t> mirror_late = late.mem;
  // Straddling the boundary of the read and write halves: both kinds of burst meet it.
  late.err_lo = kBase + kSize / 2 - 0x800;
  late.err_hi = kBase + kSize / 2 + 0x800;
  MasterBench master_late("master_late", clk, 2);
  master_late.socket.bind(late.socket);
  master_late.mirror = &mirror_late;
  master_late.read_responses = &late.last_response;
  master_late.write_responses = &late.write_done;
  master_late.err_lo = late.err_lo;
  master_late.err_hi = late.err_hi;

  // 2. TLM -> AXI4-Lite.
  vp::AxiLiteBridge lite("lite", 40);
  LiteSlave slave("slave");
  LiteBench lite_bench("lite_bench");
  lite_bench.socket.bind(lite.socket);
  lite_bench.slave = &slave;
  lite_bench.bridge = &lite;
  sc_signal<uint32_t> awaddr, wdata, wstrb, araddr, bresp, rdata, rresp;
  sc_signal<bool> awvalid, awready, wvalid, wready, bvalid, bready, arvalid, arready, rvalid, rready;
  lite.clk(clk);
  slave.clk(clk);
  lite.awaddr(awaddr), slave.awaddr(awaddr);
  lite.awvalid(awvalid), slave.awvalid(awvalid);
  lite.awready(awready), slave.awready(awready);
  lite.wdata(wdata), slave.wdata(wdata);
  lite.wstrb(wstrb), slave.wstrb(wstrb);
  lite.wvalid(wvalid), slave.wvalid(wvalid);
  lite.wready(wready), slave.wready(wready);
  lite.bresp(bresp), slave.bresp(bresp);
  lite.bvalid(bvalid), slave.bvalid(bvalid);
  lite.bready(bready), slave.bready(bready);
  lite.araddr(araddr), slave.araddr(araddr);
  lite.arvalid(arvalid), slave.arvalid(arvalid);
  lite.arready(arready), slave.arready(arready);
  lite.rdata(rdata), slave.rdata(rdata);
  lite.rresp(rresp), slave.rresp(rresp);
  lite.rvalid(rvalid), slave.rvalid(rvalid);
  lite.rready(rready), slave.rready(rready);

  for (int i = 0; i < 200 && !(master_simple.finished() && master_late.finished() && lite_bench.done); ++i)
    sc_start(1000 * kPeriod);
  CHECK(master_simple.finished(), "simple target: %d reads, %d writes done", master_simple.reads_done,
        master_simple.writes_done);
  CHECK(master_late.finished(), "late target: %d reads, %d writes done", master_late.reads_done,
        master_late.writes_done);
  CHECK(lite_bench.done, "AXI4-Lite sequence did not finish");
  CHECK(mem_simple == mirror_simple, "simple target: memory differs from the writes");
  CHECK(late.mem == mirror_late, "late target: memory differs from the writes");
  CHECK(master_late.error_beats > 0 && master_late.error_bs > 0, "reads (%d error beats) and writes (%d error "
        "responses) must both meet the error range", master_late.error_beats, master_late.error_bs);
  for (const auto* m : {&master_simple, &master_late})
    for (const std::string& v : const_cast<MasterBench*>(m)->axi().violations()) CHECK(false, "AXI: %s", v.c_str());
  std::printf("%d checks, %d failed; late target: %d error beats, %d error responses\n", checks, failures,
              master_late.error_beats, master_late.error_bs);
  return failures == 0 ? 0 : 1;
}
