#include "axi_tlm_bridge.hpp"

#include <algorithm>

namespace trit::vp {

using sc_core::sc_time;

AxiTlmBridge::AxiTlmBridge(sc_core::sc_module_name name, const sim::AxiMemoryConfig& cfg, const sc_time& period,
                           uint32_t granule_bytes)
    : sc_module(name), socket("socket"), axi_(*this, cfg), period_(period), granule_(granule_bytes) {
  socket.register_nb_transport_bw(this, &AxiTlmBridge::nb_transport_bw);
}

void AxiTlmBridge::clock(const sim::AxiMasterSide& m, sim::AxiSlaveSide& s) {
  // AxiMemory numbers its edges from 0 and calls the responder with the number of the edge that
  // accepted the burst; a beat is presented from the edge whose number is >= its ready cycle.
  edge_cycle_ = cycles_;
  last_edge_ = sc_core::sc_time_stamp();
  axi_.clock(m, s);
  ++cycles_;
}

// The AxiMemory cycle from which something answered at `at` may be presented: the edge at or
// after `at`, counted from the current edge.
uint64_t AxiTlmBridge::cycle_at(const sc_time& at) const {
  if (at <= last_edge_) return edge_cycle_;
  const sc_time ahead = at - last_edge_;
  const uint64_t whole = static_cast<uint64_t>(ahead / period_);
  return edge_cycle_ + whole + (whole * period_ < ahead ? 1 : 0);
}

void AxiTlmBridge::send(const std::shared_ptr<sim::Burst>& burst, bool write) {
  const uint32_t bus = burst->bus_bytes;
  const uint64_t start = burst->req.addr;
  const uint64_t end = start + uint64_t{burst->beats()} * bus;
  uint32_t parts = 0;
  std::vector<std::pair<uint64_t, uint64_t>> pieces;
  for (uint64_t a = start; a < end;) {
    const uint64_t next = std::min<uint64_t>(end, (a / granule_ + 1) * granule_);
    // A piece never splits a beat: with a bus wider than the granule a piece is one beat.
    const uint64_t piece_end = std::max<uint64_t>(next, a + bus);
    pieces.emplace_back(a, std::min(piece_end, end));
    a = std::min(piece_end, end);
    ++parts;
  }
  if (write) open_writes_[burst.get()] = {parts, 0};
  for (const auto& [lo, hi] : pieces) {
    auto payload = std::make_unique<tlm::tlm_generic_payload>();
    const size_t off = lo - start;
    payload->set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    payload->set_address(lo);
    payload->set_data_ptr(burst->data.data() + off);
    payload->set_data_length(static_cast<unsigned>(hi - lo));
    payload->set_streaming_width(static_cast<unsigned>(hi - lo));
    if (write) {
      payload->set_byte_enable_ptr(burst->strobes.data() + off);
      payload->set_byte_enable_length(static_cast<unsigned>(hi - lo));
    }
    payload->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    tlm::tlm_generic_payload* key = payload.get();
    Pending& p = pending_[key];
    p.burst = burst;
    p.first_beat = static_cast<uint32_t>(off / bus);
    p.beats = static_cast<uint32_t>((hi - lo + bus - 1) / bus);
    p.payload = std::move(payload);
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_time delay = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum r = socket->nb_transport_fw(*key, phase, delay);
    if (r == tlm::TLM_COMPLETED || (r == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP)) {
      answered(pending_.at(key), sc_core::sc_time_stamp() + delay);
      if (r == tlm::TLM_UPDATED) {  // finish the base protocol's four phases
        tlm::tlm_phase end_resp = tlm::END_RESP;
        sc_time d = sc_core::SC_ZERO_TIME;
        socket->nb_transport_fw(*key, end_resp, d);
      }
      pending_.erase(key);
    }
    // TLM_ACCEPTED / END_REQ: the response comes on the backward path.
  }
}

void AxiTlmBridge::answered(Pending& p, const sc_time& at) {
  sim::Burst& b = *p.burst;
  const tlm::tlm_response_status st = p.payload->get_response_status();
  const uint32_t resp = st == tlm::TLM_OK_RESPONSE              ? sim::kOkay
                        : st == tlm::TLM_ADDRESS_ERROR_RESPONSE ? sim::kDecErr
                                                                : sim::kSlvErr;
  const uint64_t ready = cycle_at(at);
  if (p.payload->is_read()) {
    for (uint32_t i = p.first_beat; i < p.first_beat + p.beats && i < b.beats(); ++i) {
      b.resp[i] = std::max(b.resp[i], resp);
      b.ready_cycle[i] = ready;
    }
  } else {
    b.resp[0] = std::max(b.resp[0], resp);
    // B waits for the last of the burst's transactions.
    auto it = open_writes_.find(&b);
    it->second.latest = std::max(it->second.latest, ready);
    if (--it->second.left == 0) {
      b.ready_cycle[0] = it->second.latest;
      open_writes_.erase(it);
    }
  }
}

void AxiTlmBridge::read(const std::shared_ptr<sim::Burst>& burst, uint64_t) { send(burst, false); }

void AxiTlmBridge::write(const std::shared_ptr<sim::Burst>& burst, uint64_t) { send(burst, true); }

tlm::tlm_sync_enum AxiTlmBridge::nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& phase, sc_time& delay) {
  if (phase == tlm::END_REQ) return tlm::TLM_ACCEPTED;
  if (phase != tlm::BEGIN_RESP) return tlm::TLM_ACCEPTED;
  auto it = pending_.find(&t);
  if (it == pending_.end()) return tlm::TLM_COMPLETED;
  answered(it->second, sc_core::sc_time_stamp() + delay);
  pending_.erase(it);
  return tlm::TLM_COMPLETED;
}

}  // namespace trit::vp
