#include "memory_target.hpp"

#include <cstring>

namespace trit::vp {

using sc_core::sc_time;

MemoryTarget::MemoryTarget(sc_core::sc_module_name name, uint8_t* bytes, uint64_t base, uint64_t size,
                           std::shared_ptr<MemoryTiming> timing)
    : sc_module(name), socket("socket"), bytes_(bytes), base_(base), size_(size), timing_(std::move(timing)) {
  socket.register_b_transport(this, &MemoryTarget::b_transport);
  socket.register_nb_transport_fw(this, &MemoryTarget::nb_transport_fw);
}

void MemoryTarget::inject_error(uint64_t lo, uint64_t hi, bool on_read, bool on_write,
                                tlm::tlm_response_status status) {
  errors_.push_back({lo, hi, on_read, on_write, status});
}

sc_time MemoryTarget::serve(tlm::tlm_generic_payload& t, const sc_time& arrival) {
  const uint64_t addr = t.get_address();
  const uint32_t len = t.get_data_length();
  const bool write = t.is_write();
  const sc_time done = timing_->access(addr, len, write, arrival);
  for (const ErrorRange& e : errors_)
    if ((write ? e.write : e.read) && addr < e.hi && addr + len > e.lo) {
      ++error_responses_;
      t.set_response_status(e.status);
      return done;
    }
  if (addr < base_ || len > size_ || addr - base_ > size_ - len) {
    ++error_responses_;
    t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return done;
  }
  if (t.get_streaming_width() < len) {
    t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);  // only incrementing bursts
    return done;
  }
  uint8_t* mem = bytes_ + (addr - base_);
  const uint8_t* be = t.get_byte_enable_ptr();
  const uint32_t be_len = t.get_byte_enable_length();
  if (write) {
    if (!be) {
      std::memcpy(mem, t.get_data_ptr(), len);
      write_bytes_ += len;
    } else {
      for (uint32_t i = 0; i < len; ++i)
        if (be[i % be_len]) {
          mem[i] = t.get_data_ptr()[i];
          ++write_bytes_;
        }
    }
    ++writes_;
  } else if (t.is_read()) {
    std::memcpy(t.get_data_ptr(), mem, len);
    read_bytes_ += len;
    ++reads_;
  }
  t.set_response_status(tlm::TLM_OK_RESPONSE);
  return done;
}

void MemoryTarget::b_transport(tlm::tlm_generic_payload& t, sc_time& delay) {
  const sc_time arrival = sc_core::sc_time_stamp() + delay;
  delay = serve(t, arrival) - sc_core::sc_time_stamp();
}

tlm::tlm_sync_enum MemoryTarget::nb_transport_fw(tlm::tlm_generic_payload& t, tlm::tlm_phase& phase, sc_time& delay) {
  if (phase != tlm::BEGIN_REQ) return tlm::TLM_COMPLETED;  // END_RESP of an early completion: nothing to do
  const sc_time arrival = sc_core::sc_time_stamp() + delay;
  delay = serve(t, arrival) - sc_core::sc_time_stamp();
  phase = tlm::BEGIN_RESP;
  return tlm::TLM_COMPLETED;
}

nlohmann::json MemoryTarget::stats() const {
  return {{"reads", reads_},
          {"writes", writes_},
          {"read_bytes", read_bytes_},
          {"write_bytes", write_bytes_},
          {"error_responses", error_responses_},
          {"timing", timing_->stats()}};
}

}  // namespace trit::vp
