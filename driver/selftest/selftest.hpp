#pragma once
// The bring-up self-test: what a person runs first on a new board (and what CI runs on every
// backend). Each check exercises one layer, bottom up, so the first failure says where to look:
//
//   registers        AXI4-Lite read/write: SCRATCH patterns, a read-only register, IRQ_ENABLE
//   identity         ID, VERSION and CFG_* read again and consistent (and as expected, if given)
//   host memory      host writes and reads of device memory (mapping, offsets, sizes)
//   DMA loop-back    the device reads random data and writes it back: Y = X * I (identity
//                    weights), every byte checked, both weight formats
//   GEMM vs reference  a batch of random GEMMs in one submission, every output byte (and the
//                    padding after each row, which must stay untouched) equal to the reference
//                    model's
//   counters         exact event counters equal to the reference model's; BUSY <= CYCLES
//   interrupt        a completion raises the interrupt line
//   error recovery   a bad descriptor halts the device with its code and ring index; a soft
//                    reset recovers it and the next GEMM is right
//   timing           decode- and prefill-shaped GEMMs: wall time, cycles, weight bytes per cycle
//
// The reference is the C++ model of the same array configuration, run in this process.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trit/driver/device.hpp"

namespace trit::driver {

struct SelftestOptions {
  uint64_t seed = 1;
  uint32_t random_gemms = 24;  // GEMMs in the "GEMM vs reference" batch
  std::chrono::nanoseconds timeout = std::chrono::seconds(10);  // per job, device time
  std::string expect_name;  // "identity" fails unless the device is this array, e.g. "r2c4v4b64"
};

struct CheckResult {
  std::string name;
  bool passed = false;
  std::string detail;   // what was checked and measured, or what went wrong
  double seconds = 0;   // wall time of the check
};

struct SelftestReport {
  std::string device;  // Device::name()
  uint64_t seed = 0;
  std::vector<CheckResult> checks;
  bool passed() const;
  // The PASS/FAIL table, one check per line, and a verdict line.
  std::string table() const;
};

// Runs every check in order; a failing check is reported (exceptions included) and the device is
// soft-reset before the next one, so one fault does not hide the rest.
SelftestReport run_selftest(Device& dev, const SelftestOptions& opt = {});

// The trit-selftest command line (driver/tools): parses argv, opens the device by name, runs the
// self-test, prints the table. Returns the process exit code: 0 all passed, 1 a check failed,
// 2 the device could not be opened or the arguments were wrong.
int selftest_main(int argc, char** argv);

}  // namespace trit::driver
