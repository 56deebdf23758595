#pragma once
// The Trit driver API: one class over every backend (reference model, Verilated RTL, virtual
// platform, FPGA). It owns the command ring, device memory allocation, weight packing, job
// tracking, timing and error decoding; the backend only moves registers and bytes.
//
//   auto dev = trit::driver::open_device("sim");                       // trit/driver/open.hpp
//   auto w = dev->upload_weights(w_int8, n, k, WeightFormat::T5);     // once, reused per token
//   auto x = dev->alloc(...), y = dev->alloc(...);
//   dev->write(x, 0, activations);
//   auto job = dev->submit({dev->gemm(1, x, stride, w, y, stride)});
//   dev->wait(job);  dev->read(y, 0, out);
//
// Errors are exceptions (trit/driver/errors.hpp): host-side checks throw before anything reaches
// the device; a device that halts gives DeviceError with the decoded cause; every wait has a
// deadline in device time and gives TimeoutError with the device state.
//
// Thread safety: every public member locks one mutex, so threads sharing a device are
// serialised. wait() holds it while it runs or waits for the backend: a simulator only advances
// inside a call, and one waiter at a time keeps the interrupt hand-shake simple.

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
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

// Weights uploaded in device layout; reusable by every GEMM that multiplies by them. K is at most
// the device's k_max (one descriptor's worth).
struct Weights {
  Buffer buf;
  WeightLayout layout;
};

// Columns [k0, k0 + k) of a K-wide product: the part of it one descriptor computes.
struct KSegment {
  uint32_t k0 = 0, k = 0;
  friend bool operator==(const KSegment&, const KSegment&) = default;
};

// How the driver splits K beyond the activation buffer (docs/architecture.md, "K beyond k_max"):
// one segment when K <= k_max, else the fewest segments that fit, of equal length rounded up to
// the bus width (so each segment's activations start on a beat of the same X row), the last
// one shorter. Every segment is one descriptor writing int32 partial sums; the host adds them.
std::vector<KSegment> plan_k_segments(const ArrayConfig& cfg, uint32_t k);

// A ternary matrix of any K in device memory: one packed blob per K segment.
struct MatrixWeights {
  uint32_t n = 0, k = 0;
  WeightFormat format = WeightFormat::T5;
  struct Part {
    KSegment seg;
    Weights w;  // W[:, seg.k0 .. seg.k0 + seg.k), packed for this device
  };
  std::vector<Part> parts;
  uint64_t device_bytes() const;  // packed bytes of every part (what one pass streams)
};

// The 64-bit performance counters, indexed like regs::kCounters.
struct Counters {
  std::array<uint64_t, regs::kNumCounters> value{};
  uint64_t operator[](regs::Counter c) const { return value[static_cast<unsigned>(c)]; }
  Counters operator-(const Counters& earlier) const;
  // "CNT_CYCLES=123 CNT_BUSY=100 ..." for logs and messages.
  std::string to_string() const;
};

// What the device said about itself when it was opened (ID/VERSION/CFG_* registers) and what the
// driver made of it.
struct DeviceInfo {
  std::string backend;            // Backend::name()
  uint32_t version_major = 0, version_minor = 0;
  ArrayConfig config;             // CFG_ROWS .. CFG_MAX_BURST
  uint32_t formats = 0;           // CFG_FORMATS: bit i = WeightFormat i supported
  uint32_t clock_khz = 0;         // CFG_CLOCK_KHZ; 0 = unknown
  Backend::Region memory;         // the device memory the driver allocates from
  uint32_t ring_entries = 0;
  bool counts_cycles = false;     // device time comes from backend cycles (simulators), else wall time
  bool supports(WeightFormat f) const { return (formats >> static_cast<unsigned>(f)) & 1u; }
};

// The error registers, decoded.
struct ErrorStatus {
  bool halted = false;
  regs::ErrCode code = regs::ErrCode::NONE;
  uint32_t ring_index = 0;
  uint64_t address = 0;      // AXI errors only
  std::string message;       // "ZERO_DIM (M, N or K is zero) on descriptor 2 (GEMM m=...)"; empty if not halted
};

struct DeviceOptions {
  // When set, opening fails unless the device's CFG_* registers describe exactly this array.
  std::optional<ArrayConfig> expect;
  // Weight formats the host needs (bit i = WeightFormat i); opening fails if the device lacks one.
  uint32_t require_formats = 0;
  uint32_t ring_log2 = 8;  // 256 descriptors
  // Deadlines in device time for the waits the driver does on its own.
  std::chrono::nanoseconds reset_timeout = std::chrono::milliseconds(10);
  std::chrono::nanoseconds ring_timeout = std::chrono::seconds(10);  // waiting for ring space
};

struct SubmitOptions {
  // Snapshot the counters at submission and at completion, for profile(). Costs 2 x 28 register
  // reads, so it is off by default (the per-token decode path should not pay it).
  bool profile = false;
};

// Counters over one job: from its submission to the moment wait() saw it complete.
struct JobProfile {
  Counters counters;
  // True if no other job was in flight at any time in that interval, i.e. the counters are this
  // job's alone; otherwise they include the overlapping jobs' work.
  bool exclusive = false;
  std::chrono::nanoseconds wall{0};  // host time from submit to observed completion
};

// A job is one submit() call; its id is the running count of descriptors queued through this
// Device (never reused, not even after a soft reset).
using JobId = uint64_t;

// out[m][n] = sum over parts s of the int32 at parts + s * part_stride + m * y_stride + 4n, for
// m < rows, n < cols (out rows ld_out apart). Exact: |Y| <= 128 K < 2^31 for every K the
// descriptor holds.
void sum_partials(const uint8_t* parts, size_t n_parts, uint64_t part_stride, uint32_t y_stride, uint32_t rows,
                  uint32_t cols, int32_t* out, size_t ld_out);

class Device {
 public:
  explicit Device(std::unique_ptr<Backend> backend, const DeviceOptions& opt = {});
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const ArrayConfig& config() const { return info_.config; }
  const DeviceInfo& info() const { return info_; }
  std::string name() const;
  // The backend, for bring-up and tests (raw registers, simulator controls). Going around the
  // Device while jobs are in flight confuses its bookkeeping.
  Backend& backend() { return *backend_; }

  // ---- memory ------------------------------------------------------------------------------
  // Aligned to the bus width (at least 64 bytes) unless `align` (a power of two) asks for more.
  Buffer alloc(uint64_t bytes, uint64_t align = 0);
  void free(const Buffer& b);
  // Host <-> device copies inside an allocated buffer (MemoryError otherwise).
  void write(const Buffer& b, uint64_t offset, std::span<const uint8_t> data);
  void read(const Buffer& b, uint64_t offset, std::span<uint8_t> out);
  uint64_t bytes_free() const;

  // ---- weights -----------------------------------------------------------------------------
  // w: [n][k] row-major, values -1/0/+1.
  Weights upload_weights(std::span<const int8_t> w, uint32_t n, uint32_t k, WeightFormat format);
  void free(const Weights& w) { free(w.buf); }
  // Any K (plan_k_segments): the matrix's K segments, each packed and uploaded like
  // upload_weights. On failure nothing stays allocated.
  MatrixWeights upload_matrix(std::span<const int8_t> w, uint32_t n, uint32_t k, WeightFormat format);
  void free(const MatrixWeights& w);

  // ---- GEMMs -------------------------------------------------------------------------------
  // Builds the descriptor for Y[m][n] = X[m][k] * W^T with X rows x_stride bytes apart in `x`
  // and Y rows y_stride bytes apart in `y`, checking every size and alignment (typed errors).
  GemmDesc gemm(uint32_t m, const Buffer& x, uint32_t x_stride, const Weights& w,
                const Buffer& y, uint32_t y_stride) const;
  // Y = X * W^T for a matrix of any K: one descriptor per K segment. Segment s reads the columns
  // [k0, k0 + k) of the same X rows (x.addr + k0) and writes its int32 partial sums as rows
  // y_stride apart at y.addr + s * part_stride; the result is the sum over segments
  // (sum_partials). With one segment this is gemm() above and part_stride is not used.
  std::vector<GemmDesc> gemm(uint32_t m, const Buffer& x, uint32_t x_stride, const MatrixWeights& w,
                             const Buffer& y, uint32_t y_stride, uint64_t part_stride) const;
  // Queues the descriptors in order (waiting for ring space if needed) and starts the device.
  // Every descriptor is checked first exactly as the device will check it.
  JobId submit(std::span<const GemmDesc> ops, const SubmitOptions& opt = {});
  // The same without the host-side check: for bring-up and error-path tests.
  JobId submit_unchecked(std::span<const regs::Descriptor> raw, const SubmitOptions& opt = {});
  // Waits until the job completed. Throws DeviceError if the device halted before it completed,
  // TimeoutError (with the device state) if `timeout` of device time passes first, DriverError if
  // a soft reset aborted it.
  void wait(JobId job, std::chrono::nanoseconds timeout = std::chrono::seconds(10));
  // Polls without blocking: true once the job completed (or was aborted by a soft reset).
  bool done(JobId job);
  // The counters of a job submitted with SubmitOptions::profile, once wait() saw it complete.
  JobProfile profile(JobId job);

  // ---- status ------------------------------------------------------------------------------
  // Cumulative counters since the device's last reset or CTRL.CNT_CLEAR.
  Counters counters();
  // CTRL.SOFT_RESET: aborts everything queued or running; the device is usable afterwards.
  void soft_reset();
  // The error registers, decoded (does not throw for a halted device).
  ErrorStatus error_status();
  // The device state in one line: STATUS, ERR, HEAD/TAIL, counters (used in error messages).
  std::string state();

 private:
  class DeviceTime;
  void open(const DeviceOptions& opt);
  JobId enqueue(std::span<const regs::Descriptor> raw, const SubmitOptions& opt);
  void refresh_completed();
  bool retired(JobId job) const { return job <= completed_; }
  bool aborted(JobId job) const;
  ErrorStatus error_status_locked();
  [[noreturn]] void throw_halted();
  std::string state_locked();
  void soft_reset_locked();
  uint64_t read_counter(uint32_t lo_offset);
  Counters counters_locked();
  void finish_profiles();
  void check_owned(const Buffer& b, uint64_t offset, uint64_t len, const char* what) const;

  std::unique_ptr<Backend> backend_;
  DeviceInfo info_;
  std::chrono::nanoseconds reset_timeout_, ring_timeout_;
  mutable std::mutex mu_;
  // memory: free and allocated blocks [addr] -> size
  std::map<uint64_t, uint64_t> free_;
  std::map<uint64_t, uint64_t> used_;
  Buffer ring_;
  uint32_t ring_log2_ = 0;
  uint32_t tail_ = 0;
  uint64_t submitted_ = 0;  // descriptors queued since open (monotonic; JobIds are these counts)
  uint64_t completed_ = 0;  // descriptors retired: completed by the device or aborted by a reset
  uint32_t last_done_count_ = 0;
  bool reset_unfinished_ = false;  // a soft reset timed out: the device may still empty the ring
  // Jobs (first, last descriptor) that a soft reset aborted; the most recent few.
  std::deque<std::pair<JobId, JobId>> aborted_;
  struct Profiling {
    JobId first = 0;  // first descriptor of the job
    Counters start;
    std::chrono::steady_clock::time_point wall_start;
    bool exclusive = true;
    std::optional<JobProfile> result;
  };
  std::map<JobId, Profiling> profiles_;
};

}  // namespace trit::driver
