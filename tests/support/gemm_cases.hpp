#pragma once
// Random and edge-case GEMMs for the accelerator tests, the expected result computed directly
// from the int8 matrices (not through the weight packer or any model), and a runner that puts a
// batch of them through a Device and checks every output byte, including the bytes a GEMM must
// not touch.

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "trit/driver/device.hpp"

namespace trit::testing {

struct GemmCase {
  std::string label;
  uint32_t m = 1, n = 1, k = 1;
  driver::WeightFormat format = driver::WeightFormat::T5;
  uint32_t x_stride = 0, y_stride = 0;  // bytes; multiples of the bus width
  std::vector<int8_t> x;                // [m][k]
  std::vector<int8_t> w;                // [n][k], ternary
};

// A random case sized for `cfg`, covering decode (M = 1), M > R, K and N not multiples of V and C,
// K = k_max and K beyond it (run in K segments), all-zero / all-one weights and extreme
// activations. `max_k` bounds K within k_max and how far beyond it K goes; `max_n`, `max_m` bound
// the simulation cost.
GemmCase random_case(std::mt19937_64& rng, const driver::ArrayConfig& cfg, uint32_t max_k, uint32_t max_n,
                     uint32_t max_m);
// Fills strides (with random padding) and data for an explicit shape.
GemmCase make_case(std::mt19937_64& rng, const driver::ArrayConfig& cfg, uint32_t m, uint32_t n, uint32_t k,
                   driver::WeightFormat format, const std::string& label);

// Y = X * W^T computed directly; [m][n].
std::vector<int32_t> expected_y(const GemmCase& c);

struct BatchResult {
  std::vector<std::vector<int32_t>> y;  // per case, [m][n]
  driver::Counters counters;            // counter deltas over the batch
  uint64_t cycles = 0;                  // backend cycles over the batch (simulators)
  uint64_t descriptors = 0;             // one per K segment of each case
  std::vector<std::string> problems;    // mismatches, bytes written outside Y, ...
};

// Uploads (any K: driver::Device::upload_matrix), runs every case as one submission, reads back,
// adds the K segments' partial sums and checks against expected_y(), the untouched padding of
// every Y row and guard bytes before and after Y. Buffers are freed afterwards.
BatchResult run_batch(driver::Device& dev, const std::vector<GemmCase>& cases,
                      std::chrono::nanoseconds timeout = std::chrono::seconds(5));

std::string describe(const GemmCase& c);

// Counters whose values are fixed by the work itself (not by timing): every device and the
// reference model must agree on them.
inline constexpr regs::Counter kExactCounters[] = {
    regs::Counter::ISSUE,          regs::Counter::WEIGHT_BYTES,   regs::Counter::ACT_BYTES,
    regs::Counter::OUT_BYTES,      regs::Counter::DESC_BYTES,     regs::Counter::LANE_OPS,
    regs::Counter::ZERO_SKIPS,     regs::Counter::DESCS,          regs::Counter::ACT_READ_BYTES,
    regs::Counter::WFIFO_WRITES,   regs::Counter::WFIFO_READS,    regs::Counter::WREG_LOADS,
    regs::Counter::ACC_UPDATES,    regs::Counter::SHADOW_UPDATES, regs::Counter::DRAIN_READS,
    regs::Counter::WRITE_BEATS,    regs::Counter::READ_BURSTS,    regs::Counter::WRITE_BURSTS};

// One T2 GEMM of this shape staged on `dev` (weights uploaded, X and Y allocated, the descriptor
// built) but not submitted: for the error, reset and timeout tests.
struct StagedGemm {
  driver::Weights w;
  driver::Buffer x, y;
  driver::GemmDesc desc;
};
StagedGemm stage_gemm(driver::Device& dev, std::mt19937_64& rng, uint32_t m, uint32_t n, uint32_t k);

// A small GEMM (M = R + 1, N = C + 1, K = 3V + 1, T5) run and checked on `dev`: the problems, if
// any (the device still computes correctly after a fault).
std::vector<std::string> check_still_works(driver::Device& dev, std::mt19937_64& rng,
                                           std::chrono::nanoseconds timeout);

}  // namespace trit::testing
