// The accelerator BitLinear device: every ternary BitLinear weight (any K) is uploaded once, at
// load, in the accelerator's layout through the driver (the one packing routine; K beyond the
// device's k_max in segments, driver::plan_k_segments), and each group of BitLinears that read the
// same activations is one submission (driver::GemmGroup): activations staged once, every
// descriptor queued together, one wait, one read of all results, then the CPU rescales with
// kernels::rescale_i32. The device is any driver backend: the reference model ("ref"), the
// Verilated RTL ("sim", "sim:<config>") or a board ("fpga"); the integer result is bit-identical
// to the CPU device's on all of them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sched/bitlinear_backend.hpp"
#include "trit/driver/device.hpp"
#include "trit/driver/gemm_group.hpp"

namespace trit::sched {

struct AccelOptions {
  driver::WeightFormat format = driver::WeightFormat::T5;  // 1.6-bit weights in device memory
  uint32_t memory_latency = 100;                            // simulators: memory latency in cycles
  uint64_t device_memory = 1ull << 30;                      // simulators/ref: bytes of device memory
  std::map<std::string, std::string> params;                // backend parameters (driver::OpenOptions)
  std::string trace_path;                                   // sim, vp: FST waveform file (empty: none)
};

// What the device did since construction (for the CLI's report).
struct AccelStats {
  uint64_t submissions = 0;  // one per BitLinear group
  uint64_t gemms = 0;        // descriptors (one per K segment of each matrix)
  uint64_t weight_bytes_uploaded = 0;
  uint64_t split_matrices = 0;     // matrices with K > k_max, run in K segments
  driver::Counters counters;       // the device's counters over the same span
  uint64_t cycles = 0;             // simulators: device clock cycles over the same span, else 0
  double wall_s = 0;               // host time in the device calls (simulation time on simulators)
  driver::GemmGroup::Stats transfers;
};

// One submission as the device ran it (AccelBackend::set_recording): which matrices, the shape,
// and the device's counters and cycles over it, for per-layer and per-token reports.
struct SubmissionRecord {
  std::vector<std::string> weights;  // tensor names, in descriptor order ("blk.3.attn_q.weight")
  std::vector<std::pair<uint32_t, uint32_t>> shapes;  // (N, K) of each matrix
  std::vector<uint64_t> weight_bytes;  // bytes each matrix streamed (its packed size x passes)
  uint32_t m = 0;                    // rows of X (tokens)
  uint64_t descriptors = 0;          // K segments included
  uint64_t cycles = 0;               // device clock cycles from before the submission to after the results
  driver::Counters counters;         // the device's counters over the same span
  double wall_s = 0;
};

class AccelBackend final : public BitLinearBackend {
 public:
  AccelBackend(std::unique_ptr<driver::Device> device, const AccelOptions& opt);
  std::string_view name() const override { return name_; }
  std::string unsupported(const model::Matrix& w) const override;
  void prepare(const model::Matrix& w) override;
  void run(std::span<const Job> jobs, const int8_t* X, const float* x_scale, int64_t M) override;
  void gemm(const model::Matrix& w, const int8_t* X, int64_t M, int32_t* Y) override;

  // Reads the device's counters (the only register traffic of a report; none per token).
  AccelStats stats();
  // Records every submission from now on with its counters: two counter snapshots per
  // submission (register reads), so off unless a per-layer report is wanted.
  void set_recording(bool on);
  const std::vector<SubmissionRecord>& records() const { return records_; }
  const driver::ArrayConfig& config() const { return device_->config(); }
  driver::WeightFormat format() const { return opt_.format; }
  uint32_t clock_khz() const { return clock_khz_; }  // the build's nominal clock, 0 if unknown
  driver::Device& device() { return *device_; }
  // The device matrix of a prepared weight (tests: its K segments), or null.
  const driver::MatrixWeights* device_matrix(const model::Matrix& w) const;

 private:
  const driver::MatrixWeights& matrix(const model::Matrix& w) const;

  std::unique_ptr<driver::Device> device_;
  AccelOptions opt_;
  std::string name_;
  uint32_t clock_khz_ = 0;
  std::unordered_map<const model::Matrix*, driver::MatrixWeights> weights_;
  driver::GemmGroup group_;
  driver::Counters counters0_;
  uint64_t cycles0_ = 0;
  bool recording_ = false;
  std::vector<SubmissionRecord> records_;
  AccelStats stats_;
  std::vector<int32_t> acc_;  // [sum over jobs of M x N] integer results before the rescale
};

// Opens `device` ("ref", "sim", "sim:<config>", "fpga[:uio]") for BitLinear offload.
std::unique_ptr<AccelBackend> make_accel_backend(const std::string& device, const AccelOptions& opt);

}  // namespace trit::sched
