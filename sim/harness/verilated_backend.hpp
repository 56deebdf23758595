#pragma once
// The cycle-accurate backend: a Verilated trit_top, clocked here, with the AXI4 memory model on
// its DMA port and an AXI4-Lite master for register access. Any configuration's model class
// fits (they all have trit_top's ports); make_backend_<config>() instantiates it.
//
// Clocking, per cycle: the outputs settled after the previous edge are sampled (they decide this
// edge's handshakes), the rising edge is evaluated, then the memory model and the register master
// compute their outputs for the next cycle and drive them onto the model's inputs.
//
// One eval per cycle. Every output of trit_top comes straight from a flop or is a constant (the
// AXI4 DMA ports from trit_dma_rd's AR registers and trit_dma_wr's AW/W registers, rready/bready
// tied high, the AXI4-Lite ports and irq_o from trit_regfile's registers; docs/rtl.md, "Pipeline
// stages"). Checked in the Verilated code of every configuration of rtl/configs.json: no output
// port is assigned in the input-combinational ('ico') region; each is a copy of a *_q register,
// its inversion (the AXI4-Lite readies) or a constant. So the outputs
// after the rising-edge eval are already the outputs of the whole cycle, and the falling-edge
// eval the harness used to do (it re-ran the input-combinational logic for the new inputs and
// changed nothing that is sampled) is not needed: the next rising-edge eval runs that logic
// first, with the same inputs, before any flop loads. Verilator only sees a rising edge if the
// previous eval saw clk_i low, so instead of that eval the clock trigger's "previous value" is
// set to 0 (Verilator 5.006 keeps it in the root's __Vtrigrprev__TOP__clk_i; a model without that
// member falls back to evaluating both edges). If an output ever becomes combinational from an
// input, this must go back to two evals: trit-accel-simcheck (sim/tools) and the GEMM tests
// would show the difference.

#include <array>
#include <bit>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include <fmt/format.h>
#include <verilated.h>
#include <verilated_fst_c.h>

#include "axi_memory.hpp"
#include "sim_control.hpp"
#include "sim_options.hpp"
#include "trit/driver/backend.hpp"
#include "trit/driver/config.hpp"
#include "trit/driver/errors.hpp"
#include "trit/driver/memory.hpp"
#include "trit/regs.hpp"

namespace trit::sim {

static_assert(std::endian::native == std::endian::little,
              "the bus conversions below copy Verilator's 32-bit words as bytes");

// Verilator maps a port of <= 64 bits to an integer and a wider one to VlWide<words> (32-bit
// words, least significant first), so on a little-endian host both are the bus bytes in order.
template <class T>
void signal_to_bytes(const T& sig, uint8_t* out, size_t n) {
  if constexpr (std::is_integral_v<T>) {
    const uint64_t v = sig;
    std::memcpy(out, &v, n);
  } else {
    std::memcpy(out, sig.data(), n);
  }
}
template <class T>
void bytes_to_signal(T& sig, const uint8_t* in, size_t n) {
  if constexpr (std::is_integral_v<T>) {
    uint64_t v = 0;
    std::memcpy(&v, in, n);
    sig = static_cast<T>(v);
  } else {
    std::memcpy(sig.data(), in, n);  // n is the port's whole width: every word is written
  }
}
// Strobe bits (one per bus byte) into 64-bit words, bit i of the array = strobe i.
template <class T, size_t W>
void strobes_to_mask(const T& sig, std::array<uint64_t, W>& out, size_t n) {
  if constexpr (std::is_integral_v<T>) {
    out[0] = n >= 64 ? static_cast<uint64_t>(sig) : static_cast<uint64_t>(sig) & ((uint64_t{1} << n) - 1);
  } else {
    for (size_t w = 0; w < (n + 63) / 64; ++w) {
      const uint64_t lo = sig.at(2 * w);
      const uint64_t hi = 2 * w + 1 < (n + 31) / 32 ? uint64_t{sig.at(2 * w + 1)} : 0;
      out[w] = lo | (hi << 32);
    }
  }
}

// Verilator 5.006's root class keeps the clock trigger's previous value in this member; see the
// comment at the top.
template <class VTop>
concept HasClockTriggerPrev = requires(VTop& t) { t.rootp->__Vtrigrprev__TOP__clk_i = 0; };

// A model Verilated with --trace-fst (the test configurations) can write waveforms.
template <class VTop>
concept HasFstTrace = requires(VTop& t, VerilatedFstC* f) { t.trace(f, 99); };

template <class VTop>
class VerilatedBackend final : public driver::Backend, public SimControl {
 public:
  VerilatedBackend(const driver::ArrayConfig& cfg, SimOptions opt)
      : cfg_(cfg),
        opt_(std::move(opt)),
        ctx_(std::make_unique<VerilatedContext>()),
        mem_(opt_.mem_storage.empty() ? driver::DeviceMemory(opt_.mem_base, opt_.mem_size)
                                      : driver::DeviceMemory(opt_.mem_base, opt_.mem_storage)),
        axi_(mem_, with_bus(opt_.axi, cfg)) {
    ctx_->fatalOnError(false);  // an RTL assertion becomes an exception, not an abort()
    if (!opt_.fst_path.empty()) ctx_->traceEverOn(true);
    top_ = std::make_unique<VTop>(ctx_.get(), "trit_top");
    if (!opt_.fst_path.empty()) open_trace();
    hard_reset();
  }
  ~VerilatedBackend() override {
    top_->final();
    if (close_trace_) close_trace_();
  }

  std::string name() const override { return "sim:" + cfg_.name(); }

  uint32_t read_reg(uint32_t offset) override {
    top_->s_axil_araddr_i = offset;
    top_->s_axil_arvalid_i = 1;
    top_->s_axil_rready_i = 1;
    lite_r_done_ = false;
    settle();
    for (uint32_t i = 0; i < opt_.reg_timeout_cycles; ++i) {
      tick();
      if (lite_r_done_) return lite_rdata_;
    }
    throw driver::TimeoutError(fmt::format("{}: register read at 0x{:03x} not answered in {} cycles",
                                           name(), offset, opt_.reg_timeout_cycles));
  }

  void write_reg(uint32_t offset, uint32_t value) override {
    top_->s_axil_awaddr_i = offset;
    top_->s_axil_awvalid_i = 1;
    top_->s_axil_wdata_i = value;
    top_->s_axil_wstrb_i = 0xf;
    top_->s_axil_wvalid_i = 1;
    top_->s_axil_bready_i = 1;
    lite_b_done_ = false;
    settle();
    for (uint32_t i = 0; i < opt_.reg_timeout_cycles; ++i) {
      tick();
      if (lite_b_done_) return;
    }
    throw driver::TimeoutError(fmt::format("{}: register write at 0x{:03x} not answered in {} cycles",
                                           name(), offset, opt_.reg_timeout_cycles));
  }

  Region memory() const override { return {mem_.base(), mem_.size()}; }
  void write_mem(uint64_t addr, std::span<const uint8_t> data) override { mem_.write(addr, data); }
  void read_mem(uint64_t addr, std::span<uint8_t> out) override { mem_.read(addr, out); }

  bool wait_irq(std::chrono::nanoseconds timeout) override {
    const uint64_t khz = clock_khz_ ? clock_khz_ : 250000;  // nominal when the build says 0
    const uint64_t budget = std::max<uint64_t>(1, static_cast<uint64_t>(timeout.count()) * khz / 1000000);
    for (uint64_t i = 0; i < budget && !top_->irq_o; ++i) tick();
    return top_->irq_o;
  }

  void hard_reset() override {
    top_->clk_i = 0;
    top_->rst_ni = 0;
    top_->s_axil_awvalid_i = top_->s_axil_wvalid_i = top_->s_axil_bready_i = 0;
    top_->s_axil_arvalid_i = top_->s_axil_rready_i = 0;
    top_->m_axi_arready_i = top_->m_axi_rvalid_i = top_->m_axi_awready_i = 0;
    top_->m_axi_wready_i = top_->m_axi_bvalid_i = 0;
    s_ = AxiSlaveSide{};
    settle();
    for (int i = 0; i < 8; ++i) tick();
    top_->rst_ni = 1;
    settle();
    tick();
    clock_khz_ = read_reg(regs::CFG_CLOCK_KHZ);
  }

  uint64_t cycles() const override { return cycles_; }

  // ---- simulator-only controls -------------------------------------------------------------
  AxiMemory& axi() override { return axi_; }
  driver::DeviceMemory& mem() { return mem_; }
  VTop& top() { return *top_; }
  void run(uint64_t n) override {
    for (uint64_t i = 0; i < n; ++i) tick();
  }

 private:
  static AxiMemoryConfig with_bus(AxiMemoryConfig a, const driver::ArrayConfig& cfg) {
    a.bus_bytes = cfg.bus_bytes;
    a.max_burst_beats = cfg.max_burst;
    return a;
  }

  void settle() { top_->eval(); }

  // Waveforms: every rising and falling edge is evaluated and dumped (the one-eval-per-cycle
  // shortcut is for speed only; with both evals the outputs are the same, see the top).
  void open_trace() {
    if constexpr (HasFstTrace<VTop>) {
      auto fst = std::make_shared<VerilatedFstC>();
      top_->trace(fst.get(), 99);
      fst->open(opt_.fst_path.c_str());
      if (!fst->isOpen()) throw driver::ConfigError(fmt::format("{}: cannot write the waveform file {}", name(), opt_.fst_path));
      dump_ = [fst](uint64_t t) { fst->dump(t); };
      close_trace_ = [fst] { fst->close(); };
    } else {
      throw driver::ConfigError(fmt::format("{}: this configuration's model is built for speed without waveform "
                                            "tracing; trace a test configuration (rtl/configs.json role test)",
                                            name()));
    }
  }

  void tick() {
    VTop& t = *top_;
    // ---- sample everything that decides this edge's handshakes
    m_.arvalid = t.m_axi_arvalid_o;
    if (m_.arvalid) m_.ar = {static_cast<uint64_t>(t.m_axi_araddr_o), t.m_axi_arlen_o, t.m_axi_arsize_o,
                             t.m_axi_arburst_o, static_cast<uint32_t>(t.m_axi_arid_o)};
    m_.rready = t.m_axi_rready_o;
    m_.awvalid = t.m_axi_awvalid_o;
    if (m_.awvalid) m_.aw = {static_cast<uint64_t>(t.m_axi_awaddr_o), t.m_axi_awlen_o, t.m_axi_awsize_o,
                             t.m_axi_awburst_o, static_cast<uint32_t>(t.m_axi_awid_o)};
    m_.wvalid = t.m_axi_wvalid_o;
    if (m_.wvalid) {
      signal_to_bytes(t.m_axi_wdata_o, m_.wdata.data(), cfg_.bus_bytes);
      strobes_to_mask(t.m_axi_wstrb_o, m_.wstrb, cfg_.bus_bytes);
      m_.wlast = t.m_axi_wlast_o;
    }
    m_.bready = t.m_axi_bready_o;
    const bool lite_ar = t.s_axil_arvalid_i && t.s_axil_arready_o;
    const bool lite_r = t.s_axil_rvalid_o && t.s_axil_rready_i;
    const uint32_t lite_rdata = t.s_axil_rdata_o;
    const bool lite_aw = t.s_axil_awvalid_i && t.s_axil_awready_o;
    const bool lite_w = t.s_axil_wvalid_i && t.s_axil_wready_o;
    const bool lite_b = t.s_axil_bvalid_o && t.s_axil_bready_i;

    // ---- rising edge
    if constexpr (HasClockTriggerPrev<VTop>) t.rootp->__Vtrigrprev__TOP__clk_i = 0;  // stands for the falling edge
    t.clk_i = 1;
    t.eval();
    if (dump_) dump_(ctx_->time());
    ctx_->timeInc(1);

    // ---- new inputs for the next cycle
    axi_.clock(m_, s_);
    t.m_axi_arready_i = s_.arready;
    t.m_axi_awready_i = s_.awready;
    t.m_axi_wready_i = s_.wready;
    t.m_axi_rvalid_i = s_.rvalid;
    if (s_.rvalid) {
      t.m_axi_rid_i = s_.rid;
      t.m_axi_rresp_i = s_.rresp;
      t.m_axi_rlast_i = s_.rlast;
      bytes_to_signal(t.m_axi_rdata_i, s_.rdata.data(), cfg_.bus_bytes);
    }
    t.m_axi_bvalid_i = s_.bvalid;
    t.m_axi_bid_i = s_.bid;
    t.m_axi_bresp_i = s_.bresp;
    if (lite_ar) t.s_axil_arvalid_i = 0;
    if (lite_r) {
      lite_rdata_ = lite_rdata;
      lite_r_done_ = true;
      t.s_axil_rready_i = 0;
    }
    if (lite_aw) t.s_axil_awvalid_i = 0;
    if (lite_w) t.s_axil_wvalid_i = 0;
    if (lite_b) {
      lite_b_done_ = true;
      t.s_axil_bready_i = 0;
    }

    // ---- falling edge: nothing to evaluate when the trigger above stands for it (no output
    // depends combinationally on an input); the next eval settles the new inputs first.
    t.clk_i = 0;
    if (!HasClockTriggerPrev<VTop> || dump_) t.eval();
    if (dump_) dump_(ctx_->time());
    ctx_->timeInc(1);
    ++cycles_;
    if (ctx_->gotError())
      throw std::runtime_error(fmt::format("{}: RTL assertion failed at cycle {} (see the message above)",
                                           name(), cycles_));
  }

  driver::ArrayConfig cfg_;
  SimOptions opt_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<VTop> top_;
  driver::DeviceMemory mem_;
  AxiMemory axi_;
  AxiMasterSide m_;
  AxiSlaveSide s_;
  uint64_t cycles_ = 0;
  uint32_t clock_khz_ = 0;
  std::function<void(uint64_t)> dump_;  // set while a waveform is written
  std::function<void()> close_trace_;
  bool lite_r_done_ = false, lite_b_done_ = false;
  uint32_t lite_rdata_ = 0;
};

}  // namespace trit::sim
