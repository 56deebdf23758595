#include "axilite_bridge.hpp"

#include <cstring>

namespace trit::vp {

AxiLiteBridge::AxiLiteBridge(sc_core::sc_module_name name, uint32_t timeout_cycles)
    : sc_module(name), socket("socket"), timeout_cycles_(timeout_cycles) {
  socket.register_b_transport(this, &AxiLiteBridge::b_transport);
}

void AxiLiteBridge::idle() {
  awvalid.write(false);
  wvalid.write(false);
  bready.write(false);
  arvalid.write(false);
  rready.write(false);
}

void AxiLiteBridge::b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
  timed_out_ = false;
  if (t.get_data_length() != 4 || t.get_streaming_width() < 4 || (t.get_byte_enable_ptr() && t.get_byte_enable_length() < 4)) {
    t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (t.get_address() % 4 || t.get_address() >= 4096) {
    t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  // Loosely timed initiators may run ahead: catch up before touching the pins.
  if (delay > sc_core::SC_ZERO_TIME) {
    wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  const uint32_t offset = static_cast<uint32_t>(t.get_address());
  // Pins written here take effect at the next clock edge; after waking on an edge, the values
  // read are the ones from before it (signal updates are deferred), i.e. what that edge sampled.
  uint32_t resp = 0;
  bool done = false;
  if (t.is_read()) {
    araddr.write(offset);
    arvalid.write(true);
    rready.write(true);
    for (uint32_t i = 0; i < timeout_cycles_ && !done; ++i) {
      wait(clk.posedge_event());
      if (arvalid.read() && arready.read()) arvalid.write(false);
      if (rvalid.read() && rready.read()) {
        const uint32_t v = rdata.read();
        std::memcpy(t.get_data_ptr(), &v, 4);
        resp = rresp.read();
        rready.write(false);
        done = true;
      }
    }
  } else if (t.is_write()) {
    uint32_t v = 0, strb = 0xf;
    std::memcpy(&v, t.get_data_ptr(), 4);
    if (const uint8_t* be = t.get_byte_enable_ptr()) {
      strb = 0;
      for (int i = 0; i < 4; ++i) strb |= (be[i] ? 1u : 0u) << i;
    }
    awaddr.write(offset);
    awvalid.write(true);
    wdata.write(v);
    wstrb.write(strb);
    wvalid.write(true);
    bready.write(true);
    for (uint32_t i = 0; i < timeout_cycles_ && !done; ++i) {
      wait(clk.posedge_event());
      if (awvalid.read() && awready.read()) awvalid.write(false);
      if (wvalid.read() && wready.read()) wvalid.write(false);
      if (bvalid.read() && bready.read()) {
        resp = bresp.read();
        bready.write(false);
        done = true;
      }
    }
  } else {
    t.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  if (!done) {
    idle();
    timed_out_ = true;
    t.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  t.set_response_status(resp == 0 ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
}

}  // namespace trit::vp
