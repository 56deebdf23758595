#pragma once
// The Trit driver API: one class over every backend (reference model, Verilated RTL, virtual
// platform, FPGA). It owns the command ring, device memory allocation, weight packing, job
// tracking and error decoding; the backend only moves registers and bytes.
//
//   auto dev = trit::driver::Device(std::make_unique<RefBackend>(cfg));
//   auto w = dev.upload_weights(w_int8, n, k, WeightFormat::T5);   // once, reused per token
//   auto x = dev.alloc(...), y = dev.alloc(...);
//   dev.write(x, 0, activations);
//   auto job = dev.submit({dev.gemm(1, x, stride, w, y, stride)});
//   dev.wait(job);  dev.read(y, 0, out);
//
// Thread safety: every public member locks one mutex, so threads sharing a device are
// serialised; a wait() holds the lock only while it runs the backend.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "trit/driver/backend.hpp"
#include "trit/driver/config.hpp"
#include "trit/driver/descriptor.hpp"
#include "trit/driver/errors.hpp"
#include "trit/driver/weights.hpp"
#include "trit/regs.hpp"

namespace trit::driver {

// A range of device memory owned by the caller until freed.
struct Buffer {
  uint64_t addr = 0;
  uint64_t size = 0;
};

// Weights uploaded in device layout; reusable by every GEMM that multiplies by them.
struct Weights {
  Buffer buf;
  WeightLayout layout;
};

struct Counters {
  std::array<uint64_t, regs::kNumCounters> value{};
  uint64_t operator[](regs::Counter c) const { return value[static_cast<unsigned>(c)]; }
  Counters operator-(const Counters& earlier) const;
};

struct DeviceOptions {
  // When set, opening fails unless the device's CFG_* registers describe exactly this array.
  std::optional<ArrayConfig> expect;
  uint32_t ring_log2 = 8;  // 256 descriptors
  std::chrono::nanoseconds reset_timeout = std::chrono::milliseconds(10);
};

using JobId = uint64_t;

class Device {
 public:
  explicit Device(std::unique_ptr<Backend> backend, const DeviceOptions& opt = {});
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const ArrayConfig& config() const { return cfg_; }
  std::string name() const;
  Backend& backend() { return *backend_; }

  // ---- memory ------------------------------------------------------------------------------
  // Aligned to the bus width (at least 64 bytes) unless `align` asks for more.
  Buffer alloc(uint64_t bytes, uint64_t align = 0);
  void free(const Buffer& b);
  void write(const Buffer& b, uint64_t offset, std::span<const uint8_t> data);
  void read(const Buffer& b, uint64_t offset, std::span<uint8_t> out);
  uint64_t bytes_free() const;

  // ---- weights -----------------------------------------------------------------------------
  // w: [n][k] row-major, values -1/0/+1.
  Weights upload_weights(std::span<const int8_t> w, uint32_t n, uint32_t k, WeightFormat format);
  void free(const Weights& w) { free(w.buf); }

  // ---- GEMMs -------------------------------------------------------------------------------
  // Builds the descriptor for Y[m][n] = X[m][k] * W^T with X rows x_stride bytes apart in `x`
  // and Y rows y_stride bytes apart in `y`, checking every size and alignment (typed errors).
  GemmDesc gemm(uint32_t m, const Buffer& x, uint32_t x_stride, const Weights& w,
                const Buffer& y, uint32_t y_stride) const;
  // Queues the descriptors in order (waiting for ring space if needed) and starts the device.
  // Every descriptor is checked first exactly as the device will check it.
  JobId submit(std::span<const GemmDesc> ops);
  // The same without the host-side check: for bring-up and error-path tests.
  JobId submit_unchecked(std::span<const regs::Descriptor> raw);
  // Waits until the job completed. Throws DeviceError if the device halted and TimeoutError
  // (with the device state) if `timeout` of device time passes first.
  void wait(JobId job, std::chrono::nanoseconds timeout = std::chrono::seconds(10));
  bool done(JobId job);

  // ---- status ------------------------------------------------------------------------------
  Counters counters();
  // CTRL.SOFT_RESET: aborts everything queued or running; the device is usable afterwards.
  void soft_reset();
  // The device state in one line: STATUS, ERR, HEAD/TAIL, counters (used in error messages).
  std::string state();

 private:
  void open(const DeviceOptions& opt);
  JobId enqueue(std::span<const regs::Descriptor> raw);
  void refresh_completed();
  [[noreturn]] void throw_halted();
  std::string state_locked();
  void soft_reset_locked();
  uint64_t read_counter(uint32_t lo_offset);

  std::unique_ptr<Backend> backend_;
  ArrayConfig cfg_;
  mutable std::mutex mu_;
  // memory: free blocks [addr] -> size, within [heap_base_, heap_end_)
  std::map<uint64_t, uint64_t> free_;
  std::map<uint64_t, uint64_t> used_;
  Buffer ring_;
  uint32_t ring_entries_ = 0;
  uint32_t tail_ = 0;
  uint64_t submitted_ = 0;  // descriptors written to the ring since open (monotonic)
  uint64_t completed_ = 0;  // descriptors the device completed (monotonic, from DONE_COUNT)
  uint32_t last_done_count_ = 0;
  std::chrono::nanoseconds reset_timeout_;
};

}  // namespace trit::driver
