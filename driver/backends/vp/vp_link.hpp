#pragma once
// The link between the `vp` driver backend and the trit-vp process (sim/vp): what crosses the
// process boundary and how it is named. Both sides include this header; nothing else is shared.
//
//   device memory   a Boost.Interprocess shared-memory object "<prefix>-mem" of mem_size bytes,
//                   created by the backend; the platform's TLM memory target serves the DMA from
//                   it and the backend reads and writes it directly. Both happen only while the
//                   other side waits (the platform's clock runs only inside a request), so no
//                   lock is needed.
//   requests        message queue "<prefix>-req": backend -> platform, one Request at a time
//   responses       message queue "<prefix>-resp": platform -> backend, one Response per Request,
//                   plus the Hello the platform sends once it has elaborated
//
// Every request is answered with the platform's clock count after it, the interrupt line and, on
// failure, a message. The backend never blocks on a queue without a deadline: it polls in short
// slices and checks that the process is still alive between them (vp_backend.cpp).

#include <cstdint>
#include <cstring>
#include <string>

namespace trit::vp_link {

inline constexpr uint32_t kMagic = 0x54564c31;  // "TVL1": bump with any change to these structs

enum class Op : uint32_t {
  kReadReg = 1,     // a = offset -> value
  kWriteReg = 2,    // a = offset, b = value
  kWaitIrq = 3,     // a = cycle budget -> irq (the clock runs until the line is high or the budget ends)
  kRun = 4,         // a = cycles
  kHardReset = 5,   // rst_ni low, then high (the harness's sequence)
  kInjectError = 6, // a = lo, b = hi, c = bit 0 reads, bit 1 writes, bits 8.. the AXI response
  kClearErrors = 7,
  kStats = 8,       // the memory target's statistics in the message, as JSON
  kStop = 9,        // end sc_main cleanly; the process exits 0
  kHang = 10,       // fault injection: never answer this or any later request (a hung platform)
  kFreeze = 11,     // a = 1: the DMA bridge presents no new R beat or B response; a = 0: it does again
};

struct Request {
  uint32_t magic = kMagic;
  Op op = Op::kRun;
  uint64_t seq = 0;
  uint64_t a = 0, b = 0, c = 0;
};

enum class Status : uint32_t { kOk = 0, kTimeout = 1, kError = 2, kHello = 3 };

struct Response {
  uint32_t magic = kMagic;
  Status status = Status::kOk;
  uint64_t seq = 0;
  uint64_t value = 0;
  uint64_t cycles = 0;  // platform clock cycles since the process started
  uint32_t irq = 0;
  char message[4096] = {};

  void set_message(const std::string& m) {
    const size_t n = std::min(m.size(), sizeof(message) - 1);
    std::memcpy(message, m.data(), n);
    message[n] = 0;
  }
};

inline std::string mem_name(const std::string& prefix) { return prefix + "-mem"; }
inline std::string req_name(const std::string& prefix) { return prefix + "-req"; }
inline std::string resp_name(const std::string& prefix) { return prefix + "-resp"; }

}  // namespace trit::vp_link
