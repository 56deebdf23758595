#pragma once
// The platform's memory: a TLM-2.0 target over the device memory the host shares with the
// platform (vp_link.hpp), with a timing model chosen at start:
//   simple  every access is done `latency` clock cycles after it arrives: the Verilator
//           harness's fixed-latency memory, so that `vp` and `sim` give the same cycles
//   dram    the DRAM timing model (sim/vp/dram, docs/dram.md) with a preset's banks, row policy,
//           refresh and turnarounds
// It answers both b_transport (annotated delay) and nb_transport_fw (early completion: the
// response time is the annotated delay, TLM_COMPLETED), never waits, and can be told to answer
// an address range with an error response (fault injection).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace trit::vp {

class MemoryTiming {
 public:
  virtual ~MemoryTiming() = default;
  // An access arriving at `arrival` (absolute simulation time; non-decreasing across calls):
  // when its data is done (reads: the last byte delivered; writes: written).
  virtual sc_core::sc_time access(uint64_t addr, uint32_t bytes, bool write, const sc_core::sc_time& arrival) = 0;
  virtual nlohmann::json stats() const = 0;
};

// The harness's fixed latency, in clock cycles of `period`.
class SimpleTiming final : public MemoryTiming {
 public:
  SimpleTiming(uint32_t read_latency, uint32_t write_latency, const sc_core::sc_time& period)
      : read_(read_latency * period), write_(write_latency * period) {}
  sc_core::sc_time access(uint64_t, uint32_t, bool write, const sc_core::sc_time& arrival) override {
    return arrival + (write ? write_ : read_);
  }
  nlohmann::json stats() const override { return {{"model", "simple"}}; }

 private:
  sc_core::sc_time read_, write_;
};

class MemoryTarget final : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MemoryTarget> socket;

  // Serves [base, base + size) from `bytes` (not owned).
  MemoryTarget(sc_core::sc_module_name name, uint8_t* bytes, uint64_t base, uint64_t size,
               std::shared_ptr<MemoryTiming> timing);

  // Accesses touching [lo, hi) get `status` (TLM_GENERIC_ERROR_RESPONSE: AXI SLVERR;
  // TLM_ADDRESS_ERROR_RESPONSE: DECERR) and move no data.
  void inject_error(uint64_t lo, uint64_t hi, bool on_read, bool on_write, tlm::tlm_response_status status);
  void clear_errors() { errors_.clear(); }
  nlohmann::json stats() const;

 private:
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& t, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  // Moves the data and sets the response; returns the absolute time the access is done.
  sc_core::sc_time serve(tlm::tlm_generic_payload& t, const sc_core::sc_time& arrival);

  struct ErrorRange {
    uint64_t lo, hi;
    bool read, write;
    tlm::tlm_response_status status;
  };
  uint8_t* bytes_;
  uint64_t base_, size_;
  std::shared_ptr<MemoryTiming> timing_;
  std::vector<ErrorRange> errors_;
  uint64_t reads_ = 0, writes_ = 0, read_bytes_ = 0, write_bytes_ = 0, error_responses_ = 0;
};

}  // namespace trit::vp
