#pragma once
// The "vp" backend: the SystemC/TLM-2.0 virtual platform (sim/vp) in its own process, trit-vp,
// started here and reached through Boost.Interprocess (vp_link.hpp). SystemC elaborates once
// per process and cannot restart after sc_stop, and a crash inside a model must not take the
// host down: so every VpBackend owns one trit-vp process, and a process that dies or stops
// answering becomes a DeviceError or TimeoutError naming it, after which a new open_device("vp")
// starts a fresh one.

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "trit/driver/backend.hpp"
#include "trit/driver/memory.hpp"
#include "vp_link.hpp"

namespace trit::driver {

struct VpOptions {
  std::string config;                 // rtl/configs.json name; empty: trit-vp's default
  std::string executable;             // trit-vp; empty: found beside the program or in the build tree
  uint64_t mem_base = 0x10000000;     // device memory window
  uint64_t mem_size = 64ull << 20;
  std::string memory_model = "simple";  // simple | dram
  std::string dram_preset;            // dram: a preset name (sim/vp/presets) or a JSON file
  uint32_t read_latency = 100;        // simple: cycles from AR to the first R beat
  uint32_t write_latency = 100;       // simple: cycles from the last W beat to B
  uint32_t max_reads = 16;            // bursts the DMA bridge accepts and has not answered
  uint32_t max_writes = 16;
  uint32_t reg_timeout_cycles = 10000;
  std::string trace_path;             // FST waveform of the platform
  double start_timeout_s = 120;       // elaboration (wall seconds)
  double request_timeout_s = 600;     // any one request (wall seconds): a platform that takes longer is hung
};

class VpBackend final : public Backend {
 public:
  explicit VpBackend(const VpOptions& opt);
  ~VpBackend() override;

  std::string name() const override;
  uint32_t read_reg(uint32_t offset) override;
  void write_reg(uint32_t offset, uint32_t value) override;
  Region memory() const override { return {mem_->base(), mem_->size()}; }
  void write_mem(uint64_t addr, std::span<const uint8_t> data) override;
  void read_mem(uint64_t addr, std::span<uint8_t> out) override;
  bool wait_irq(std::chrono::nanoseconds timeout) override;
  void hard_reset() override;
  uint64_t cycles() const override { return cycles_; }

  // ---- platform controls (tests, tools) ---------------------------------------------------
  pid_t pid() const { return pid_; }
  void run(uint64_t cycles);
  // The memory target answers accesses touching [lo, hi) with `resp` (2 SLVERR, 3 DECERR).
  void inject_error(uint64_t lo, uint64_t hi, bool on_read, bool on_write, uint32_t resp = 2);
  void clear_errors();
  // While frozen the DMA bridge presents no new read beat or write response (a stalled memory).
  void freeze(bool on);
  // The memory target's statistics (JSON text): accesses, DRAM row hits/misses, refreshes, ...
  std::string memory_stats();
  // Fault injection: the platform stops answering (as a hung process would); the next request
  // ends in a TimeoutError after request_timeout_s and the process is killed.
  void inject_hang();

 private:
  vp_link::Response call(vp_link::Op op, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0);
  vp_link::Response receive(const char* what, double timeout_s, uint64_t seq);
  [[noreturn]] void fail_dead(const char* what);
  void mark_dead(const std::string& why);
  void stop_process();

  struct Ipc;  // Boost.Interprocess objects (kept out of this header)
  VpOptions opt_;
  std::string prefix_;
  std::unique_ptr<Ipc> ipc_;
  std::unique_ptr<DeviceMemory> mem_;
  pid_t pid_ = -1;
  bool dead_ = false;
  std::string death_;  // why the process is gone, once it is
  uint64_t seq_ = 0;
  uint64_t cycles_ = 0;
  uint32_t clock_khz_ = 0;
  std::string config_name_;
};

}  // namespace trit::driver
