#pragma once
// Running a group of GEMMs that read the same activations (a transformer layer's q/k/v or
// gate/up) the way the device is built to be used: the activations go to device memory once,
// every descriptor of the group (every K segment of every matrix) is queued in one submission,
// the caller waits once, and all results come back in one transfer.
//
//   GemmGroup g(dev);
//   const GemmGroup::Output outs[] = {{&wq, yq}, {&wk, yk}, {&wv, yv}};
//   g.run(outs, x, m, k);                  // y*: int32 [m][n of that matrix]
//
// Memory hazards (docs/architecture.md): within the submission no descriptor reads what another
// writes (X and W are only read, every part has its own Y region), and run() returns only after
// the device completed, so the next group may reuse the staging buffers.

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "trit/driver/device.hpp"

namespace trit::driver {

class GemmGroup {
 public:
  explicit GemmGroup(Device& dev) : dev_(dev) {}
  ~GemmGroup();
  GemmGroup(const GemmGroup&) = delete;
  GemmGroup& operator=(const GemmGroup&) = delete;

  struct Output {
    const MatrixWeights* w;
    int32_t* y;  // [m][w->n], rows w->n apart
  };
  // X: int8 [m][k] with rows ldx bytes apart (ldx >= k); every matrix must have K = k.
  // Throws the driver's typed errors (ShapeError, DeviceError, TimeoutError, ...); after a
  // DeviceError or TimeoutError the device needs soft_reset() before the next run.
  void run(std::span<const Output> outs, const int8_t* x, uint32_t m, uint32_t k, uint32_t ldx,
           std::chrono::nanoseconds timeout = std::chrono::seconds(30));
  void run(std::span<const Output> outs, const int8_t* x, uint32_t m, uint32_t k) { run(outs, x, m, k, k); }

  // What crossed between host and device memory, accumulated over every run().
  struct Stats {
    uint64_t runs = 0;          // submissions
    uint64_t descriptors = 0;
    uint64_t bytes_written = 0;  // activations staged into device memory
    uint64_t bytes_read = 0;     // result transfers (partial sums included)
  };
  const Stats& stats() const { return stats_; }

 private:
  void reserve(Buffer& b, uint64_t bytes);

  Device& dev_;
  Buffer x_{}, y_{};                // device staging, grown as needed
  std::vector<uint8_t> x_host_;     // [m][x_stride]: X with the device's row stride
  std::vector<uint8_t> y_host_;     // every part's rows, as read back in one transfer
  std::vector<GemmDesc> descs_;
  Stats stats_;
};

}  // namespace trit::driver
