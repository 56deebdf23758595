#pragma once
// The reference model: a functional C++ model of the accelerator's observable behaviour behind
// the Backend boundary. It walks the same descriptor ring with the same register semantics and
// error priorities as the RTL and computes every GEMM exactly from the device-layout weights, so
// it is the oracle for the RTL and a complete backend for everything above the boundary.
//
// It has no clock. Work runs to completion when the ring is kicked (CTRL or RING_TAIL write);
// the time counters (CNT_CYCLES, CNT_BUSY) hold an analytic estimate, clearly not a measurement:
// per pass max(weight beats, issued chunks) plus activation beats and one memory latency. Device
// time is wall time: a wait_irq that cannot make progress sleeps for its timeout.
//
// Fault injection mirrors the simulator's memory model (sim::AxiMemory) so that every error path
// of the driver can be tested without the RTL: error responses on address ranges, and a frozen
// memory under which queued work stays pending (STATUS.BUSY) and a soft reset cannot finish
// (STATUS.RESETTING) until it thaws, as in the RTL where the reset waits for outstanding bursts.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "trit/driver/backend.hpp"
#include "trit/driver/config.hpp"
#include "trit/driver/descriptor.hpp"
#include "trit/driver/memory.hpp"
#include "trit/regs.hpp"

namespace trit::driver {

class RefBackend final : public Backend {
 public:
  struct Options {
    uint64_t mem_base = 0x10000000;
    uint64_t mem_size = 64ull << 20;
    uint32_t latency_cycles = 100;  // used only by the cycle estimate
    uint32_t clock_khz = 0;         // CFG_CLOCK_KHZ
    // Device memory: empty = owned by the model; otherwise a view of this storage (not owned),
    // e.g. a file mapping that a stand-in board shares with the host side.
    std::span<uint8_t> storage{};
  };
  explicit RefBackend(const ArrayConfig& cfg);
  RefBackend(const ArrayConfig& cfg, const Options& opt);

  std::string name() const override { return "ref"; }
  uint32_t read_reg(uint32_t offset) override;
  void write_reg(uint32_t offset, uint32_t value) override;
  Region memory() const override { return {mem_.base(), mem_.size()}; }
  void write_mem(uint64_t addr, std::span<const uint8_t> data) override { mem_.write(addr, data); }
  void read_mem(uint64_t addr, std::span<uint8_t> out) override { mem_.read(addr, out); }
  bool wait_irq(std::chrono::nanoseconds timeout) override;
  void hard_reset() override;

  const ArrayConfig& config() const { return cfg_; }

  // ---- fault injection (same meaning as sim::AxiMemory's) ---------------------------------
  // Accesses touching [lo, hi) fail: the device halts with AXI_READ / AXI_WRITE.
  void inject_error(uint64_t lo, uint64_t hi, bool on_read, bool on_write);
  void clear_errors() { errors_.clear(); }
  void freeze(bool on);

 private:
  void run();
  // Executes one GEMM; returns the AXI error (code and address) if an access left memory.
  std::optional<std::pair<regs::ErrCode, uint64_t>> execute(const GemmDesc& d);
  void halt(regs::ErrCode code, uint32_t index, uint64_t addr = 0);
  // AXI bursts the DMA cuts a request of `beats` beats at the beat-aligned `addr` into: at most
  // CFG_MAX_BURST beats each, none crossing a 4 KiB boundary (trit_burst_len).
  uint64_t bursts(uint64_t addr, uint64_t beats) const;
  // The first bus beat of [addr, addr + len) that is outside memory or in an injected error
  // range, if any.
  std::optional<uint64_t> failing_beat(uint64_t addr, uint64_t len, bool read) const;
  bool has_work() const { return (ctrl_ & regs::ctrl::ENABLE) && !halted_ && head_ != tail_; }
  void finish_reset();
  bool irq_line() const { return (irq_status_ & irq_enable_) != 0; }
  uint32_t ring_size() const { return 1u << ring_size_log2_; }

  ArrayConfig cfg_;
  Options opt_;
  DeviceMemory mem_;
  // registers
  uint32_t scratch_ = 0, ctrl_ = 0, irq_status_ = 0, irq_enable_ = 0;
  uint32_t err_code_ = 0, err_index_ = 0;
  uint64_t err_addr_ = 0, ring_base_ = 0;
  uint32_t ring_size_log2_ = 0, head_ = 0, tail_ = 0, done_count_ = 0, last_tag_ = 0;
  bool halted_ = false;
  bool frozen_ = false, reset_pending_ = false;
  struct ErrorRange {
    uint64_t lo, hi;
    bool read, write;
  };
  std::vector<ErrorRange> errors_;
  std::array<uint64_t, regs::kNumCounters> counters_{};
  uint64_t& counter(regs::Counter c) { return counters_[static_cast<unsigned>(c)]; }
  uint64_t snapshot_ = 0;  // upper half of the counter whose LO was read last
};

}  // namespace trit::driver
