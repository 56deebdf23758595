#pragma once
// VpTop<VTop>: a configuration's `verilator --sc` model of trit_top bound into the Platform. Any
// configuration's class fits (they all have trit_top's ports); the signal types follow what
// Verilator chose for each port's width (bool, uint32_t, uint64_t, sc_bv<W>).

#include <array>
#include <functional>
#include <cstring>
#include <type_traits>

#include <stdexcept>

#include <systemc>
#include <verilated_fst_sc.h>

#include "platform.hpp"

namespace trit::vp {

template <class Port>
using signal_for = sc_core::sc_signal<typename std::remove_reference_t<Port>::data_type>;
template <class Signal>
using value_of = std::remove_cvref_t<decltype(std::declval<const Signal&>().read())>;

// Port values <-> bus bytes (little-endian host; sc_bv words are 32 bits, least significant first).
template <class T>
void value_to_bytes(const T& v, uint8_t* out, size_t n) {
  if constexpr (std::is_integral_v<T>) {
    const uint64_t x = static_cast<uint64_t>(v);
    std::memcpy(out, &x, n);
  } else {
    for (size_t w = 0; w * 4 < n; ++w) {
      const uint32_t x = static_cast<uint32_t>(v.get_word(static_cast<int>(w)));
      std::memcpy(out + 4 * w, &x, std::min<size_t>(4, n - 4 * w));
    }
  }
}
template <class T>
T bytes_to_value(const uint8_t* in, size_t n) {
  if constexpr (std::is_integral_v<T>) {
    uint64_t x = 0;
    std::memcpy(&x, in, n);
    return static_cast<T>(x);
  } else {
    T v;
    for (size_t w = 0; w * 4 < n; ++w) {
      uint32_t x = 0;
      std::memcpy(&x, in + 4 * w, std::min<size_t>(4, n - 4 * w));
      v.set_word(static_cast<int>(w), x);
    }
    return v;
  }
}
template <class T>
uint64_t value_to_u64(const T& v) {
  if constexpr (std::is_integral_v<T>) return static_cast<uint64_t>(v);
  else return v.to_uint64();
}

template <class VTop>
class VpTop final : public Platform {
 public:
  explicit VpTop(const PlatformOptions& o) : VpTop("platform", o) {}

  VpTop(sc_core::sc_module_name name, const PlatformOptions& o)
      : Platform(name, o), dut_("trit_top"), dma_("dma", o.axi, o.period, o.granule_bytes, *this) {
    dut_.clk_i(clk);
    dut_.rst_ni(rst_n);
    dut_.irq_o(irq);
    bind_lite();
    bind_dma();
    dma_.socket.bind(mem.socket);
  }

  AxiTlmBridge& dma() override { return dma_; }

  void open_trace(const std::string& path) override {
    if constexpr (requires(VTop& t, VerilatedFstSc* f) { t.trace(f, 99); }) {
      auto* fst = new VerilatedFstSc;  // owned by the SystemC kernel's trace list once open; closed below
      dut_.trace(fst, 99);
      fst->open(path.c_str());
      if (!fst->isOpen()) throw std::runtime_error("cannot write the waveform file " + path);
      close_ = [fst] { fst->close(); };
    } else {
      throw std::runtime_error("configuration " + config() +
                               ": this platform's model is built for speed without waveform tracing; trace a test "
                               "configuration (rtl/configs.json role test)");
    }
  }
  void close_trace() override {
    if (close_) close_();
    close_ = nullptr;
  }
  // Only the DMA port's own process writes its pins (a signal has one writer): it takes the
  // reset values at the next edge, as the harness's cleared slave outputs.
  void reset_dma_pins() override { dma_.reset_next_edge(); }

 private:
  // The pins of the DMA port and the bridge that serves them at every rising edge.
  class DmaPort final : public AxiTlmBridge {
   public:
    DmaPort(sc_core::sc_module_name name, const sim::AxiMemoryConfig& cfg, const sc_core::sc_time& period,
            uint32_t granule, VpTop& top)
        : AxiTlmBridge(name, cfg, period, granule), top_(top), bus_(cfg.bus_bytes) {
      SC_HAS_PROCESS(DmaPort);
      SC_METHOD(edge);
      sensitive << top.clk.posedge_event();
      dont_initialize();
    }
    void reset_next_edge() { reset_ = true; }
    void drive(const sim::AxiSlaveSide& s) {
      VpTop& t = top_;
      t.arready_.write(s.arready);
      t.awready_.write(s.awready);
      t.wready_.write(s.wready);
      t.rvalid_.write(s.rvalid);
      if (s.rvalid) {
        t.rid_.write(static_cast<value_of<decltype(t.rid_)>>(s.rid));
        t.rresp_.write(s.rresp);
        t.rlast_.write(s.rlast);
        t.rdata_.write(bytes_to_value<value_of<decltype(t.rdata_)>>(s.rdata.data(), bus_));
      }
      t.bvalid_.write(s.bvalid);
      t.bid_.write(static_cast<value_of<decltype(t.bid_)>>(s.bid));
      t.bresp_.write(s.bresp);
      s_ = s;
    }

   private:
    void edge() {
      VpTop& t = top_;
      // Values read here are the ones from before this edge (signal updates are deferred).
      m_.arvalid = t.arvalid_.read();
      if (m_.arvalid)
        m_.ar = {value_to_u64(t.araddr_.read()), static_cast<uint32_t>(t.arlen_.read()),
                 static_cast<uint32_t>(t.arsize_.read()), static_cast<uint32_t>(t.arburst_.read()),
                 static_cast<uint32_t>(value_to_u64(t.arid_.read()))};
      m_.rready = t.rready_.read();
      m_.awvalid = t.awvalid_.read();
      if (m_.awvalid)
        m_.aw = {value_to_u64(t.awaddr_.read()), static_cast<uint32_t>(t.awlen_.read()),
                 static_cast<uint32_t>(t.awsize_.read()), static_cast<uint32_t>(t.awburst_.read()),
                 static_cast<uint32_t>(value_to_u64(t.awid_.read()))};
      m_.wvalid = t.wvalid_.read();
      if (m_.wvalid) {
        value_to_bytes(t.wdata_.read(), m_.wdata.data(), bus_);
        std::array<uint8_t, sim::kMaxBusBytes / 8> strb{};
        value_to_bytes(t.wstrb_.read(), strb.data(), (bus_ + 7) / 8);
        m_.wstrb = {};
        std::memcpy(m_.wstrb.data(), strb.data(), (bus_ + 7) / 8);
        m_.wlast = t.wlast_.read();
      }
      m_.bready = t.bready_.read();
      if (reset_) {  // the harness clears its slave outputs when it starts a reset: no handshake at this edge
        s_ = sim::AxiSlaveSide{};
        reset_ = false;
      }
      sim::AxiSlaveSide s = s_;
      clock(m_, s);
      drive(s);
    }

    VpTop& top_;
    bool reset_ = false;
    uint32_t bus_;
    sim::AxiMasterSide m_;
    sim::AxiSlaveSide s_;
  };

  void bind_lite() {
    dut_.s_axil_awaddr_i(awaddr_l_);
    dut_.s_axil_awvalid_i(awvalid_l_);
    dut_.s_axil_awready_o(awready_l_);
    dut_.s_axil_wdata_i(wdata_l_);
    dut_.s_axil_wstrb_i(wstrb_l_);
    dut_.s_axil_wvalid_i(wvalid_l_);
    dut_.s_axil_wready_o(wready_l_);
    dut_.s_axil_bresp_o(bresp_l_);
    dut_.s_axil_bvalid_o(bvalid_l_);
    dut_.s_axil_bready_i(bready_l_);
    dut_.s_axil_araddr_i(araddr_l_);
    dut_.s_axil_arvalid_i(arvalid_l_);
    dut_.s_axil_arready_o(arready_l_);
    dut_.s_axil_rdata_o(rdata_l_);
    dut_.s_axil_rresp_o(rresp_l_);
    dut_.s_axil_rvalid_o(rvalid_l_);
    dut_.s_axil_rready_i(rready_l_);
    lite.awaddr(awaddr_l_);
    lite.awvalid(awvalid_l_);
    lite.awready(awready_l_);
    lite.wdata(wdata_l_);
    lite.wstrb(wstrb_l_);
    lite.wvalid(wvalid_l_);
    lite.wready(wready_l_);
    lite.bresp(bresp_l_);
    lite.bvalid(bvalid_l_);
    lite.bready(bready_l_);
    lite.araddr(araddr_l_);
    lite.arvalid(arvalid_l_);
    lite.arready(arready_l_);
    lite.rdata(rdata_l_);
    lite.rresp(rresp_l_);
    lite.rvalid(rvalid_l_);
    lite.rready(rready_l_);
  }

  void bind_dma() {
    dut_.m_axi_arid_o(arid_);
    dut_.m_axi_araddr_o(araddr_);
    dut_.m_axi_arlen_o(arlen_);
    dut_.m_axi_arsize_o(arsize_);
    dut_.m_axi_arburst_o(arburst_);
    dut_.m_axi_arcache_o(arcache_);
    dut_.m_axi_arprot_o(arprot_);
    dut_.m_axi_arvalid_o(arvalid_);
    dut_.m_axi_arready_i(arready_);
    dut_.m_axi_rid_i(rid_);
    dut_.m_axi_rdata_i(rdata_);
    dut_.m_axi_rresp_i(rresp_);
    dut_.m_axi_rlast_i(rlast_);
    dut_.m_axi_rvalid_i(rvalid_);
    dut_.m_axi_rready_o(rready_);
    dut_.m_axi_awid_o(awid_);
    dut_.m_axi_awaddr_o(awaddr_);
    dut_.m_axi_awlen_o(awlen_);
    dut_.m_axi_awsize_o(awsize_);
    dut_.m_axi_awburst_o(awburst_);
    dut_.m_axi_awcache_o(awcache_);
    dut_.m_axi_awprot_o(awprot_);
    dut_.m_axi_awvalid_o(awvalid_);
    dut_.m_axi_awready_i(awready_);
    dut_.m_axi_wdata_o(wdata_);
    dut_.m_axi_wstrb_o(wstrb_);
    dut_.m_axi_wlast_o(wlast_);
    dut_.m_axi_wvalid_o(wvalid_);
    dut_.m_axi_wready_i(wready_);
    dut_.m_axi_bid_i(bid_);
    dut_.m_axi_bresp_i(bresp_);
    dut_.m_axi_bvalid_i(bvalid_);
    dut_.m_axi_bready_o(bready_);
  }

  VTop dut_;
  std::function<void()> close_;
  // AXI4-Lite
  signal_for<decltype(VTop::s_axil_awaddr_i)> awaddr_l_{"s_axil_awaddr"};
  signal_for<decltype(VTop::s_axil_awvalid_i)> awvalid_l_{"s_axil_awvalid"};
  signal_for<decltype(VTop::s_axil_awready_o)> awready_l_{"s_axil_awready"};
  signal_for<decltype(VTop::s_axil_wdata_i)> wdata_l_{"s_axil_wdata"};
  signal_for<decltype(VTop::s_axil_wstrb_i)> wstrb_l_{"s_axil_wstrb"};
  signal_for<decltype(VTop::s_axil_wvalid_i)> wvalid_l_{"s_axil_wvalid"};
  signal_for<decltype(VTop::s_axil_wready_o)> wready_l_{"s_axil_wready"};
  signal_for<decltype(VTop::s_axil_bresp_o)> bresp_l_{"s_axil_bresp"};
  signal_for<decltype(VTop::s_axil_bvalid_o)> bvalid_l_{"s_axil_bvalid"};
  signal_for<decltype(VTop::s_axil_bready_i)> bready_l_{"s_axil_bready"};
  signal_for<decltype(VTop::s_axil_araddr_i)> araddr_l_{"s_axil_araddr"};
  signal_for<decltype(VTop::s_axil_arvalid_i)> arvalid_l_{"s_axil_arvalid"};
  signal_for<decltype(VTop::s_axil_arready_o)> arready_l_{"s_axil_arready"};
  signal_for<decltype(VTop::s_axil_rdata_o)> rdata_l_{"s_axil_rdata"};
  signal_for<decltype(VTop::s_axil_rresp_o)> rresp_l_{"s_axil_rresp"};
  signal_for<decltype(VTop::s_axil_rvalid_o)> rvalid_l_{"s_axil_rvalid"};
  signal_for<decltype(VTop::s_axil_rready_i)> rready_l_{"s_axil_rready"};
  // AXI4 DMA
  signal_for<decltype(VTop::m_axi_arid_o)> arid_{"m_axi_arid"};
  signal_for<decltype(VTop::m_axi_araddr_o)> araddr_{"m_axi_araddr"};
  signal_for<decltype(VTop::m_axi_arlen_o)> arlen_{"m_axi_arlen"};
  signal_for<decltype(VTop::m_axi_arsize_o)> arsize_{"m_axi_arsize"};
  signal_for<decltype(VTop::m_axi_arburst_o)> arburst_{"m_axi_arburst"};
  signal_for<decltype(VTop::m_axi_arcache_o)> arcache_{"m_axi_arcache"};
  signal_for<decltype(VTop::m_axi_arprot_o)> arprot_{"m_axi_arprot"};
  signal_for<decltype(VTop::m_axi_arvalid_o)> arvalid_{"m_axi_arvalid"};
  signal_for<decltype(VTop::m_axi_arready_i)> arready_{"m_axi_arready"};
  signal_for<decltype(VTop::m_axi_rid_i)> rid_{"m_axi_rid"};
  signal_for<decltype(VTop::m_axi_rdata_i)> rdata_{"m_axi_rdata"};
  signal_for<decltype(VTop::m_axi_rresp_i)> rresp_{"m_axi_rresp"};
  signal_for<decltype(VTop::m_axi_rlast_i)> rlast_{"m_axi_rlast"};
  signal_for<decltype(VTop::m_axi_rvalid_i)> rvalid_{"m_axi_rvalid"};
  signal_for<decltype(VTop::m_axi_rready_o)> rready_{"m_axi_rready"};
  signal_for<decltype(VTop::m_axi_awid_o)> awid_{"m_axi_awid"};
  signal_for<decltype(VTop::m_axi_awaddr_o)> awaddr_{"m_axi_awaddr"};
  signal_for<decltype(VTop::m_axi_awlen_o)> awlen_{"m_axi_awlen"};
  signal_for<decltype(VTop::m_axi_awsize_o)> awsize_{"m_axi_awsize"};
  signal_for<decltype(VTop::m_axi_awburst_o)> awburst_{"m_axi_awburst"};
  signal_for<decltype(VTop::m_axi_awcache_o)> awcache_{"m_axi_awcache"};
  signal_for<decltype(VTop::m_axi_awprot_o)> awprot_{"m_axi_awprot"};
  signal_for<decltype(VTop::m_axi_awvalid_o)> awvalid_{"m_axi_awvalid"};
  signal_for<decltype(VTop::m_axi_awready_i)> awready_{"m_axi_awready"};
  signal_for<decltype(VTop::m_axi_wdata_o)> wdata_{"m_axi_wdata"};
  signal_for<decltype(VTop::m_axi_wstrb_o)> wstrb_{"m_axi_wstrb"};
  signal_for<decltype(VTop::m_axi_wlast_o)> wlast_{"m_axi_wlast"};
  signal_for<decltype(VTop::m_axi_wvalid_o)> wvalid_{"m_axi_wvalid"};
  signal_for<decltype(VTop::m_axi_wready_i)> wready_{"m_axi_wready"};
  signal_for<decltype(VTop::m_axi_bid_i)> bid_{"m_axi_bid"};
  signal_for<decltype(VTop::m_axi_bresp_i)> bresp_{"m_axi_bresp"};
  signal_for<decltype(VTop::m_axi_bvalid_i)> bvalid_{"m_axi_bvalid"};
  signal_for<decltype(VTop::m_axi_bready_o)> bready_{"m_axi_bready"};
  DmaPort dma_;
};

}  // namespace trit::vp
