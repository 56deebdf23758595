#pragma once
// AXI4 slave memory model for the cycle-accurate simulation: the DRAM side of the accelerator's
// DMA port. Configurable read/write latency, outstanding-burst limits, shared bandwidth, random
// back-pressure, error-response injection and a "freeze" that stops all responses (to provoke
// timeouts). It also checks the master side of the protocol on every cycle (valid held until
// ready, payload stable, INCR full-width aligned bursts, burst length limit, no 4 KiB crossing,
// WLAST on the last beat) and records violations instead of hiding them.
//
// The model knows nothing about Verilator: each clock edge it is given the master's outputs as
// they were before the edge and returns its own outputs for the next cycle.

#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "trit/driver/memory.hpp"

namespace trit::sim {

struct AxiMemoryConfig {
  uint32_t bus_bytes = 8;
  uint32_t read_latency = 100;   // cycles from AR handshake to the first R beat
  uint32_t write_latency = 100;  // cycles from the last W beat to B
  uint32_t max_reads = 16;       // read bursts accepted and not yet answered
  uint32_t max_writes = 16;      // write bursts accepted and not yet answered
  double bytes_per_cycle = 0;    // shared R+W bandwidth cap; 0: one beat per cycle per channel
  double ready_probability = 1;  // < 1: random back-pressure on every ready and response valid
  uint32_t max_burst_beats = 256;  // protocol check: longest burst the master may issue
  uint64_t seed = 1;
};

struct AxiAddr {
  uint64_t addr = 0;
  uint32_t len = 0;    // beats - 1
  uint32_t size = 0;   // log2(bytes per beat)
  uint32_t burst = 1;  // 1 = INCR
  uint32_t id = 0;
  bool operator==(const AxiAddr&) const = default;
};

// Widest bus trit_top allows (AxiDataWidth <= 1024). The beat payloads below are fixed arrays of
// this size (only the first bus_bytes are used; the rest stays zero) so that sampling the bus,
// keeping the previous cycle's copy and returning read data never allocate.
inline constexpr uint32_t kMaxBusBytes = 128;

// Master outputs, sampled before a clock edge.
struct AxiMasterSide {
  bool arvalid = false;
  AxiAddr ar;
  bool rready = false;
  bool awvalid = false;
  AxiAddr aw;
  bool wvalid = false;
  bool wlast = false;
  std::array<uint8_t, kMaxBusBytes> wdata{};        // bytes 0 .. bus_bytes-1
  std::array<uint64_t, kMaxBusBytes / 64> wstrb{};  // bit i of the array = strobe of byte i
  bool bready = false;
  bool strobe(uint32_t i) const { return (wstrb[i / 64] >> (i % 64)) & 1u; }
};

// Slave outputs, held for the cycle after an edge.
struct AxiSlaveSide {
  bool arready = false;
  bool rvalid = false;
  uint32_t rid = 0;
  std::array<uint8_t, kMaxBusBytes> rdata{};  // bytes 0 .. bus_bytes-1
  uint32_t rresp = 0;
  bool rlast = false;
  bool awready = false;
  bool wready = false;
  bool bvalid = false;
  uint32_t bid = 0;
  uint32_t bresp = 0;
};

enum AxiResp : uint32_t { kOkay = 0, kSlvErr = 2, kDecErr = 3 };

// A burst answered by a BurstResponder: the data, per-beat responses and the cycles from which
// each beat (reads) or the B response (writes) may be presented. A responder may fill the times
// later than the call that hands it the burst (a TLM target that answers on the backward path);
// until then they are kNotYet.
struct Burst {
  static constexpr uint64_t kNotYet = std::numeric_limits<uint64_t>::max();
  AxiAddr req;
  uint32_t bus_bytes = 0;
  std::vector<uint8_t> data;         // (len + 1) x bus_bytes
  std::vector<uint8_t> strobes;      // writes: 0xff / 0x00 per byte (TLM byte-enable form)
  std::vector<uint32_t> resp;        // per beat (reads) or [0] for the whole burst (writes)
  std::vector<uint64_t> ready_cycle; // reads: per beat; writes: [0] = B
  uint32_t beats() const { return req.len + 1; }
};

// Who answers bursts instead of the model's own fixed-latency memory: the virtual platform's
// AXI4-to-TLM bridge (sim/vp). The model keeps the pins (handshakes, outstanding limits, beat
// order, protocol checks); the responder moves the bytes and says when each beat is ready.
class BurstResponder {
 public:
  virtual ~BurstResponder() = default;
  // A read burst accepted at the clock edge `cycle`: fill data, resp and ready_cycle (now or
  // later; a beat is presented from the first edge whose count is >= its ready cycle).
  virtual void read(const std::shared_ptr<Burst>& burst, uint64_t cycle) = 0;
  // A write burst whose last W beat was accepted at `cycle` (data and strobes are complete):
  // write it and fill resp[0] and ready_cycle[0] (now or later).
  virtual void write(const std::shared_ptr<Burst>& burst, uint64_t cycle) = 0;
};

struct AxiStats {
  uint64_t cycles = 0;
  uint64_t read_bursts = 0, read_beats = 0;
  uint64_t write_bursts = 0, write_beats = 0, write_bytes = 0;
  uint32_t max_reads_outstanding = 0;
};

class AxiMemory {
 public:
  AxiMemory(driver::DeviceMemory& mem, const AxiMemoryConfig& cfg);
  // Bursts answered by `responder` (not owned), which holds the memory.
  AxiMemory(BurstResponder& responder, const AxiMemoryConfig& cfg);

  // One rising clock edge. `m` are the master's outputs before the edge, `s` holds this model's
  // outputs before the edge on entry (they decide which handshakes happen) and the outputs for
  // the next cycle on return.
  void clock(const AxiMasterSide& m, AxiSlaveSide& s);

  // Responses with `resp` for every beat touching [lo, hi).
  void inject_error(uint64_t lo, uint64_t hi, bool on_read, bool on_write, uint32_t resp = kSlvErr);
  void clear_errors() { errors_.clear(); }
  // While frozen no new R beat or B response is presented (handshakes already offered finish).
  void freeze(bool on) { frozen_ = on; }
  void set_config(const AxiMemoryConfig& cfg);
  const AxiMemoryConfig& config() const { return cfg_; }

  bool idle() const { return reads_.empty() && writes_.empty(); }
  const AxiStats& stats() const { return stats_; }
  const std::vector<std::string>& violations() const { return violations_; }

 private:
  struct ReadBurst {
    AxiAddr req;
    uint64_t ready_cycle;
    uint32_t beat = 0;
    std::shared_ptr<Burst> answered;  // with a responder
  };
  struct WriteBurst {
    AxiAddr req;
    uint32_t beats = 0;
    uint32_t resp = kOkay;
    uint64_t done_cycle = 0;
    bool data_done = false;
    std::shared_ptr<Burst> answered;  // with a responder
  };
  bool read_ready(const ReadBurst& rb) const;
  bool write_ready(const WriteBurst& wb) const;
  void check_request(const char* ch, const AxiAddr& a);
  uint32_t resp_for(uint64_t addr, bool read) const;
  bool chance();
  void violation(std::string what);

  driver::DeviceMemory* mem_ = nullptr;     // the built-in memory, or
  BurstResponder* responder_ = nullptr;     // who answers instead (error injection and the
  AxiMemoryConfig cfg_;                     // bandwidth cap are then the responder's)
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uni_{0.0, 1.0};
  struct ErrorRange {
    uint64_t lo, hi;
    bool read, write;
    uint32_t resp;
  };
  std::vector<ErrorRange> errors_;
  std::deque<ReadBurst> reads_;
  std::deque<WriteBurst> writes_;  // in AW order; W beats fill the oldest without all data
  double tokens_ = 0;
  bool frozen_ = false;
  uint64_t now_ = 0;
  AxiMasterSide prev_m_;
  AxiSlaveSide prev_s_;
  AxiStats stats_;
  std::vector<std::string> violations_;
};

}  // namespace trit::sim
