#pragma once
// AXI4 -> TLM-2.0 bridge: the accelerator's DMA master port onto the platform's memory.
//
// The pins are served by the harness's AXI4 slave model (sim/harness/axi_memory.hpp) in its
// burst-responder mode: handshakes, outstanding-burst limits, beat order, the per-cycle protocol
// checks and the response timing at the pins are the harness's, cycle for cycle. What the
// responder gets, this bridge turns into TLM: each burst is cut into transactions of at most
// `granule` bytes at granule-aligned addresses (64 bytes: one DDR4 x64 BL8 or LPDDR4 x32 BL16
// access) and sent with the approximately-timed base protocol (nb_transport_fw, BEGIN_REQ). A
// target may complete early (TLM_COMPLETED with an annotated delay: the memory target does) or
// answer later on the backward path (BEGIN_RESP); either way a read beat is presented from the
// first clock edge at or after its transaction's response, a write's B from the first edge at
// or after the last of its transactions' responses. Error responses become SLVERR
// (TLM_ADDRESS_ERROR_RESPONSE: DECERR) on the beats they cover.

#include <cstdint>
#include <map>
#include <memory>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "axi_memory.hpp"

namespace trit::vp {

class AxiTlmBridge : public sc_core::sc_module, public sim::BurstResponder {
 public:
  tlm_utils::simple_initiator_socket<AxiTlmBridge> socket;

  AxiTlmBridge(sc_core::sc_module_name name, const sim::AxiMemoryConfig& cfg, const sc_core::sc_time& period,
               uint32_t granule_bytes = 64);

  sim::AxiMemory& axi() { return axi_; }
  // Clock edges seen (the platform's cycle count).
  uint64_t cycles() const { return cycles_; }

 protected:
  // One rising edge: `m` the master's outputs before it; returns the slave outputs for the next
  // cycle in `s` (VpTop moves them between the pins and these structs).
  void clock(const sim::AxiMasterSide& m, sim::AxiSlaveSide& s);

 private:
  void read(const std::shared_ptr<sim::Burst>& burst, uint64_t cycle) override;
  void write(const std::shared_ptr<sim::Burst>& burst, uint64_t cycle) override;
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& phase, sc_core::sc_time& delay);

  struct Pending {
    std::shared_ptr<sim::Burst> burst;
    uint32_t first_beat, beats;  // reads: the beats this transaction covers
    std::unique_ptr<tlm::tlm_generic_payload> payload;
  };
  void send(const std::shared_ptr<sim::Burst>& burst, bool write);
  void answered(Pending& p, const sc_core::sc_time& at);
  uint64_t cycle_at(const sc_core::sc_time& at) const;

  sim::AxiMemory axi_;
  sc_core::sc_time period_;
  uint32_t granule_;
  uint64_t cycles_ = 0;           // edges seen
  sc_core::sc_time last_edge_;    // time of the latest edge (cycle cycles_ - 1 ... see cycle_at)
  uint64_t edge_cycle_ = 0;       // AxiMemory's cycle number at the latest edge
  std::map<tlm::tlm_generic_payload*, Pending> pending_;
  struct OpenWrite {
    uint32_t left;    // transactions not yet answered
    uint64_t latest;  // the latest ready cycle among those answered
  };
  std::map<sim::Burst*, OpenWrite> open_writes_;
};

}  // namespace trit::vp
