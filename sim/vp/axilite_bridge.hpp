#pragma once
// TLM-2.0 -> AXI4-Lite bridge: the platform's register port. A blocking transport of one 32-bit
// word (offset = the address) becomes one AXI4-Lite read (AR, then R) or write (AW and W
// together, then B) on the accelerator's pins, one handshake per clock edge, exactly as the
// Verilator harness drives them (sim/harness/verilated_backend.hpp), so register accesses take
// the same cycles in `vp` and `sim`. Responses: OKAY -> TLM_OK_RESPONSE, SLVERR/DECERR ->
// TLM_GENERIC_ERROR_RESPONSE; a transaction that is not one aligned 32-bit word ->
// TLM_BURST_ERROR_RESPONSE / TLM_ADDRESS_ERROR_RESPONSE without touching the pins. An access not
// answered within `timeout_cycles` ends with TLM_GENERIC_ERROR_RESPONSE and timed_out() set.
//
// b_transport waits on the clock, so it is called from an SC_THREAD (the host link).

#include <cstdint>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace trit::vp {

class AxiLiteBridge final : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<AxiLiteBridge> socket;
  sc_core::sc_in<bool> clk;

  sc_core::sc_out<uint32_t> awaddr;
  sc_core::sc_out<bool> awvalid;
  sc_core::sc_in<bool> awready;
  sc_core::sc_out<uint32_t> wdata;
  sc_core::sc_out<uint32_t> wstrb;
  sc_core::sc_out<bool> wvalid;
  sc_core::sc_in<bool> wready;
  sc_core::sc_in<uint32_t> bresp;
  sc_core::sc_in<bool> bvalid;
  sc_core::sc_out<bool> bready;
  sc_core::sc_out<uint32_t> araddr;
  sc_core::sc_out<bool> arvalid;
  sc_core::sc_in<bool> arready;
  sc_core::sc_in<uint32_t> rdata;
  sc_core::sc_in<uint32_t> rresp;
  sc_core::sc_in<bool> rvalid;
  sc_core::sc_out<bool> rready;

  AxiLiteBridge(sc_core::sc_module_name name, uint32_t timeout_cycles);

  // Every valid and ready this bridge drives low (reset).
  void idle();
  bool timed_out() const { return timed_out_; }

 private:
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay);
  uint32_t timeout_cycles_;
  bool timed_out_ = false;
};

}  // namespace trit::vp
