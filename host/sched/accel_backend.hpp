// The accelerator BitLinear device: every offloadable BitLinear weight is uploaded once, at load,
// in the accelerator's layout through the driver (the one packing routine), and each BitLinear
// becomes one GEMM descriptor: the int8 activations go to device memory, the device computes
// Y = X * W^T in int32 and the result comes back for the CPU to rescale. The device is any
// driver backend: the reference model ("ref"), the Verilated RTL ("sim", "sim:<config>") or a
// board ("fpga"); the integer result is bit-identical to the CPU device's on all of them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "sched/bitlinear_backend.hpp"
#include "trit/driver/device.hpp"

namespace trit::sched {

struct AccelOptions {
  driver::WeightFormat format = driver::WeightFormat::T5;  // 1.6-bit weights in device memory
  uint32_t memory_latency = 100;                            // simulators: memory latency in cycles
  uint64_t device_memory = 1ull << 30;                      // simulators/ref: bytes of device memory
};

// What the device did, accumulated since construction (for the CLI's report).
struct AccelStats {
  uint64_t gemms = 0;
  uint64_t weight_bytes_uploaded = 0;
  driver::Counters counters;  // sum of the per-GEMM counter deltas
  double wall_s = 0;          // host time spent in the device calls (simulation time on simulators)
};

class AccelBackend final : public BitLinearBackend {
 public:
  AccelBackend(std::unique_ptr<driver::Device> device, const AccelOptions& opt);
  std::string_view name() const override { return name_; }
  bool supports(const model::Matrix& w) const override;
  void prepare(const model::Matrix& w) override;
  void gemm(const model::Matrix& w, const int8_t* X, int64_t M, int32_t* Y) override;

  const AccelStats& stats() const { return stats_; }
  const driver::ArrayConfig& config() const { return device_->config(); }
  driver::WeightFormat format() const { return opt_.format; }
  uint32_t clock_khz() const { return clock_khz_; }  // the build's nominal clock, 0 if unknown
  driver::Device& device() { return *device_; }
  // Device clock cycles (simulators) or 0.
  uint64_t cycles() { return device_->backend().cycles(); }

 private:
  void reserve_io(int64_t M, int64_t K, int64_t N);

  std::unique_ptr<driver::Device> device_;
  AccelOptions opt_;
  std::string name_;
  uint32_t clock_khz_ = 0;
  std::unordered_map<const model::Matrix*, driver::Weights> weights_;
  driver::Buffer x_buf_{}, y_buf_{};  // activation and output staging, grown as needed
  std::vector<uint8_t> staging_;      // host copy of X with device row strides
  AccelStats stats_;
};

// Opens `device` ("ref", "sim", "sim:<config>", "fpga[:uio]") for BitLinear offload.
std::unique_ptr<AccelBackend> make_accel_backend(const std::string& device, const AccelOptions& opt);

}  // namespace trit::sched
