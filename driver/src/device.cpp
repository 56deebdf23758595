#include "trit/driver/device.hpp"

#include <algorithm>
#include <bit>

#include <fmt/format.h>

namespace trit::driver {

namespace r = regs;
using std::chrono::nanoseconds;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint32_t kAllIrqs = r::irq_status::DONE | r::irq_status::ERROR | r::irq_status::RESET_DONE;
constexpr size_t kAbortedRangesKept = 64;
constexpr size_t kProfilesKept = 1024;

}  // namespace

// ---- device time -------------------------------------------------------------------------------

// Elapsed device time since construction: simulators count cycles at the nominal clock (the
// same conversion their wait_irq uses; 250 MHz when the build does not say), everything else
// (reference model, hardware) runs in wall time. Every wait in the driver has a deadline in it.
class Device::DeviceTime {
 public:
  DeviceTime(Backend& backend, const DeviceInfo& info)
      : backend_(backend), info_(info), wall0_(Clock::now()), cycles0_(backend.cycles()) {}
  nanoseconds elapsed() const {
    if (info_.counts_cycles) {
      const uint64_t khz = info_.clock_khz ? info_.clock_khz : 250000;
      return nanoseconds((backend_.cycles() - cycles0_) * 1000000ull / khz);
    }
    return std::chrono::duration_cast<nanoseconds>(Clock::now() - wall0_);
  }

 private:
  Backend& backend_;
  const DeviceInfo& info_;
  Clock::time_point wall0_;
  uint64_t cycles0_;
};

// ---- counters ----------------------------------------------------------------------------------

Counters Counters::operator-(const Counters& earlier) const {
  Counters d;
  for (unsigned i = 0; i < r::kNumCounters; ++i) d.value[i] = value[i] - earlier.value[i];
  return d;
}

std::string Counters::to_string() const {
  std::string s;
  for (unsigned i = 0; i < r::kNumCounters; ++i)
    s += fmt::format("{}{}={}", i ? " " : "", r::kCounters[i].name, value[i]);
  return s;
}

// ---- open / close ------------------------------------------------------------------------------

Device::Device(std::unique_ptr<Backend> backend, const DeviceOptions& opt)
    : backend_(std::move(backend)), reset_timeout_(opt.reset_timeout), ring_timeout_(opt.ring_timeout) {
  if (!backend_) throw DriverError("Device: no backend");
  open(opt);
}

Device::~Device() {
  // Stop the device fetching from a ring whose memory is going away, and abort whatever is still
  // running so that it cannot write into buffers the next user of this memory owns.
  try {
    std::lock_guard lock(mu_);
    backend_->write_reg(r::CTRL, 0);
    refresh_completed();
    if (submitted_ > completed_) soft_reset_locked();
  } catch (...) {
  }
}

std::string Device::name() const { return fmt::format("{} ({})", info_.backend, info_.config.name()); }

void Device::open(const DeviceOptions& opt) {
  std::lock_guard lock(mu_);
  DeviceInfo& in = info_;
  in.backend = backend_->name();
  const uint32_t id = backend_->read_reg(r::ID);
  if (id != r::kIdMagic)
    throw ConfigError(fmt::format("{}: not a Trit device: ID register reads 0x{:08x}, expected 0x{:08x}",
                                  in.backend, id, r::kIdMagic));
  const uint32_t version = backend_->read_reg(r::VERSION);
  in.version_major = (version & r::version::MAJOR) >> r::version::MAJOR_SHIFT;
  in.version_minor = (version & r::version::MINOR) >> r::version::MINOR_SHIFT;
  if (in.version_major != r::kVersionMajor)
    throw ConfigError(fmt::format("{}: register map version {}.{}, this driver speaks {}.x", in.backend,
                                  in.version_major, in.version_minor, r::kVersionMajor));
  ArrayConfig& c = in.config;
  c.rows = backend_->read_reg(r::CFG_ROWS);
  c.cols = backend_->read_reg(r::CFG_COLS);
  c.lanes = backend_->read_reg(r::CFG_LANES);
  c.bus_bytes = backend_->read_reg(r::CFG_BUS_BYTES);
  c.k_max = backend_->read_reg(r::CFG_K_MAX);
  c.addr_bits = backend_->read_reg(r::CFG_ADDR_BITS);
  c.max_burst = backend_->read_reg(r::CFG_MAX_BURST);
  c.validate();
  in.formats = backend_->read_reg(r::CFG_FORMATS);
  in.clock_khz = backend_->read_reg(r::CFG_CLOCK_KHZ);
  if ((in.formats & 0x3u) == 0)
    throw ConfigError(fmt::format("{}: CFG_FORMATS = 0x{:x}: the device supports no weight format this "
                                  "driver knows (T2 = bit 0, T5 = bit 1)", in.backend, in.formats));
  if (opt.expect && !(*opt.expect == c))
    throw ConfigError(fmt::format(
        "{}: device is {} (k_max {}, {} address bits, bursts {}), expected {} (k_max {}, {} "
        "address bits, bursts {}): host and device builds disagree",
        in.backend, c.name(), c.k_max, c.addr_bits, c.max_burst, opt.expect->name(), opt.expect->k_max,
        opt.expect->addr_bits, opt.expect->max_burst));
  if ((opt.require_formats & ~in.formats) != 0)
    throw ConfigError(fmt::format("{}: device supports weight formats 0x{:x} (CFG_FORMATS), the host needs 0x{:x}",
                                  in.backend, in.formats, opt.require_formats));
  if (opt.ring_log2 < 1 || opt.ring_log2 > 16)
    throw ConfigError(fmt::format("ring of 2^{} descriptors: must be 2^1..2^16", opt.ring_log2));

  // Memory: the ring first, then the heap. All of it must be reachable by the DMA.
  in.memory = backend_->memory();
  const Backend::Region region = in.memory;
  if (c.addr_bits < 64 && (region.base >> c.addr_bits != 0 || region.size > (uint64_t{1} << c.addr_bits) - region.base))
    throw ConfigError(fmt::format("{}: device memory [0x{:x}, 0x{:x}) lies beyond the device's {} address bits",
                                  in.backend, region.base, region.base + region.size, c.addr_bits));
  const uint64_t align = std::max<uint64_t>(c.bus_bytes, r::kDescriptorBytes);
  const uint64_t base = (region.base + align - 1) / align * align;
  in.ring_entries = 1u << opt.ring_log2;
  const uint64_t ring_bytes = uint64_t{in.ring_entries} * r::kDescriptorBytes;
  if (base + ring_bytes > region.base + region.size)
    throw MemoryError(fmt::format("{}: device memory of {} bytes cannot hold a {}-entry ring", in.backend,
                                  region.size, in.ring_entries));
  ring_ = {base, ring_bytes};
  free_.clear();
  used_.clear();
  if (region.base + region.size > base + ring_bytes)
    free_[base + ring_bytes] = region.base + region.size - (base + ring_bytes);

  // A simulator has counted cycles by the time it answers registers; hardware and the reference
  // model report none.
  in.counts_cycles = backend_->cycles() != 0;

  // Whatever a previous user left running or halted is aborted before the ring is reprogrammed.
  ring_log2_ = opt.ring_log2;
  backend_->write_reg(r::IRQ_ENABLE, kAllIrqs);
  soft_reset_locked();  // also programs the ring
  backend_->write_reg(r::CTRL, r::ctrl::ENABLE);
}

// ---- memory ------------------------------------------------------------------------------------

Buffer Device::alloc(uint64_t bytes, uint64_t align) {
  std::lock_guard lock(mu_);
  if (bytes == 0) throw MemoryError("alloc of 0 bytes");
  if (align != 0 && !std::has_single_bit(align))
    throw AlignmentError(fmt::format("alloc of {} bytes: alignment {} is not a power of two", bytes, align));
  const uint64_t bus = info_.config.bus_bytes;
  align = std::max<uint64_t>({align, bus, 64});
  if (bytes > info_.memory.size)
    throw MemoryError(fmt::format("{}: out of device memory: {} bytes requested, the device has {} in all",
                                  info_.backend, bytes, info_.memory.size));
  const uint64_t size = (bytes + bus - 1) / bus * bus;
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const uint64_t start = (it->first + align - 1) & ~(align - 1);
    const uint64_t end = it->first + it->second;
    if (start > end || end - start < size) continue;
    const uint64_t blk = it->first, blk_size = it->second;
    free_.erase(it);
    if (start > blk) free_[blk] = start - blk;
    if (start + size < blk + blk_size) free_[start + size] = blk + blk_size - (start + size);
    used_[start] = size;
    return {start, bytes};
  }
  uint64_t total_free = 0, largest = 0;
  for (auto& [a, s] : free_) {
    total_free += s;
    largest = std::max(largest, s);
  }
  throw MemoryError(fmt::format("{}: out of device memory: {} bytes requested ({}-byte aligned), {} free in "
                                "total, largest free block {}",
                                info_.backend, bytes, align, total_free, largest));
}

void Device::free(const Buffer& b) {
  std::lock_guard lock(mu_);
  auto it = used_.find(b.addr);
  if (it == used_.end())
    throw MemoryError(fmt::format("free of 0x{:x}: not an allocated buffer (double free?)", b.addr));
  uint64_t addr = it->first, size = it->second;
  used_.erase(it);
  // Merge with the neighbours so the heap does not fragment.
  auto next = free_.lower_bound(addr);
  if (next != free_.end() && addr + size == next->first) {
    size += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == addr) {
      prev->second += size;
      return;
    }
  }
  free_[addr] = size;
}

uint64_t Device::bytes_free() const {
  std::lock_guard lock(mu_);
  uint64_t f = 0;
  for (auto& [a, s] : free_) f += s;
  return f;
}

void Device::check_owned(const Buffer& b, uint64_t offset, uint64_t len, const char* what) const {
  if (offset > b.size || len > b.size - offset)
    throw MemoryError(fmt::format("{} of {} bytes at offset {} overruns a {}-byte buffer", what, len, offset, b.size));
  // The buffer must be (inside) a live allocation: a freed or made-up one would let the host
  // scribble over memory the device or another buffer owns.
  auto it = used_.upper_bound(b.addr);
  if (it == used_.begin() || std::prev(it)->first + std::prev(it)->second < b.addr + b.size)
    throw MemoryError(fmt::format("{} through buffer [0x{:x}, +{}): not inside an allocated buffer (freed?)", what,
                                  b.addr, b.size));
}

void Device::write(const Buffer& b, uint64_t offset, std::span<const uint8_t> data) {
  std::lock_guard lock(mu_);
  check_owned(b, offset, data.size(), "write");
  backend_->write_mem(b.addr + offset, data);
}

void Device::read(const Buffer& b, uint64_t offset, std::span<uint8_t> out) {
  std::lock_guard lock(mu_);
  check_owned(b, offset, out.size(), "read");
  backend_->read_mem(b.addr + offset, out);
}

// ---- weights and GEMMs ---------------------------------------------------------------------------

Weights Device::upload_weights(std::span<const int8_t> w, uint32_t n, uint32_t k, WeightFormat format) {
  const WeightLayout layout = WeightLayout::of(info_.config, n, k, format);
  if (!info_.supports(format))
    throw ConfigError(fmt::format("{}: weight format {} is not supported by this device (CFG_FORMATS = 0x{:x})",
                                  info_.backend, r::to_string(format), info_.formats));
  const std::vector<uint8_t> blob = pack_weights(layout, w);
  Weights out{alloc(blob.size()), layout};
  try {
    write(out.buf, 0, blob);
  } catch (...) {
    free(out.buf);
    throw;
  }
  return out;
}

GemmDesc Device::gemm(uint32_t m, const Buffer& x, uint32_t x_stride, const Weights& w,
                      const Buffer& y, uint32_t y_stride) const {
  const ArrayConfig& cfg = info_.config;
  const WeightLayout& l = w.layout;
  if (m == 0) throw ShapeError("GEMM with m = 0 rows");
  if (l.cols != cfg.cols || l.lanes != cfg.lanes)
    throw ShapeError(fmt::format("weights were packed for C={} V={}, device is {}", l.cols, l.lanes, cfg.name()));
  if (l.k > cfg.k_max)
    throw ShapeError(fmt::format("K = {} exceeds the device's k_max = {}", l.k, cfg.k_max));
  const uint64_t bus = cfg.bus_bytes;
  if (x.addr % bus || y.addr % bus || w.buf.addr % bus)
    throw AlignmentError(fmt::format("GEMM buffers must be {}-byte aligned (x=0x{:x} w=0x{:x} y=0x{:x})",
                                     bus, x.addr, w.buf.addr, y.addr));
  if (x_stride % bus || y_stride % bus)
    throw AlignmentError(fmt::format("GEMM strides must be multiples of {} bytes (x_stride={} y_stride={})",
                                     bus, x_stride, y_stride));
  const uint64_t x_row = (uint64_t{l.k} + bus - 1) / bus * bus;
  if (m > 1 && x_stride < l.k) throw ShapeError(fmt::format("x_stride {} < K {}", x_stride, l.k));
  if (m > 1 && y_stride < uint64_t{l.n} * 4)
    throw ShapeError(fmt::format("y_stride {} < 4N = {}", y_stride, uint64_t{l.n} * 4));
  if (uint64_t{m - 1} * x_stride + x_row > x.size)
    throw ShapeError(fmt::format("X buffer of {} bytes is too small for {} rows of K={} (stride {}, rows read in {}-byte beats)",
                                 x.size, m, l.k, x_stride, bus));
  if (uint64_t{m - 1} * y_stride + uint64_t{l.n} * 4 > y.size)
    throw ShapeError(fmt::format("Y buffer of {} bytes is too small for {} rows of N={} int32 (stride {})",
                                 y.size, m, l.n, y_stride));
  if (w.buf.size < l.total_bytes)
    throw ShapeError(fmt::format("weight buffer of {} bytes is smaller than its layout ({} bytes)", w.buf.size,
                                 l.total_bytes));
  GemmDesc d;
  d.m = m;
  d.n = l.n;
  d.k = l.k;
  d.x_addr = x.addr;
  d.w_addr = w.buf.addr;
  d.y_addr = y.addr;
  d.x_stride = x_stride;
  d.y_stride = y_stride;
  d.format = l.format;
  return d;
}

JobId Device::submit(std::span<const GemmDesc> ops, const SubmitOptions& opt) {
  std::vector<r::Descriptor> raw;
  raw.reserve(ops.size());
  const uint32_t bus = info_.config.bus_bytes;
  for (const GemmDesc& d : ops) {
    raw.push_back(encode(d));
    const r::ErrCode e = check(raw.back(), info_.config);
    const std::string why = e == r::ErrCode::NONE ? std::string()
                                                  : fmt::format("{}: the device would reject it: {} ({})", describe(d),
                                                                r::to_string(e), r::describe(e));
    // Alignment problems and shape problems are different mistakes with different fixes.
    if (e == r::ErrCode::MISALIGNED || (e == r::ErrCode::BAD_STRIDE && (d.x_stride % bus || d.y_stride % bus)))
      throw AlignmentError(why);
    if (e != r::ErrCode::NONE) throw ShapeError(why);
    if (!info_.supports(d.format))
      throw ShapeError(fmt::format("{}: weight format {} is not supported by this device (CFG_FORMATS = 0x{:x})",
                                   describe(d), r::to_string(d.format), info_.formats));
  }
  return submit_unchecked(raw, opt);
}

JobId Device::submit_unchecked(std::span<const r::Descriptor> raw, const SubmitOptions& opt) {
  if (raw.empty()) throw ShapeError("submit of an empty batch");
  std::lock_guard lock(mu_);
  return enqueue(raw, opt);
}

JobId Device::enqueue(std::span<const r::Descriptor> raw, const SubmitOptions& opt) {
  if (reset_unfinished_)
    throw DriverError(fmt::format("{}: the last soft reset did not finish; call soft_reset() before submitting",
                                  info_.backend));
  Profiling prof;
  if (opt.profile) {
    refresh_completed();
    prof.start = counters_locked();
    prof.wall_start = Clock::now();
    prof.exclusive = submitted_ == completed_;
  }
  // Jobs still running share the device with this one from now on.
  for (auto& [id, p] : profiles_)
    if (!p.result && !retired(id)) p.exclusive = false;
  prof.first = submitted_ + 1;

  const uint32_t usable = info_.ring_entries - 1;  // one slot stays free: HEAD == TAIL means empty
  DeviceTime time(*backend_, info_);
  for (size_t i = 0; i < raw.size(); ++i) {
    bool published = false;
    while (submitted_ - completed_ >= usable) {
      if (!published) backend_->write_reg(r::RING_TAIL, tail_);  // what is queued must run to make room
      published = true;
      refresh_completed();
      if (submitted_ - completed_ < usable) break;
      if (backend_->read_reg(r::STATUS) & r::status::HALTED) throw_halted();
      const nanoseconds spent = time.elapsed();
      if (spent >= ring_timeout_)
        throw TimeoutError(fmt::format("{}: the ring stayed full for {} us of device time while queueing "
                                       "descriptor {} of {}; {}",
                                       info_.backend, ring_timeout_.count() / 1000, i + 1, raw.size(), state_locked()));
      if (backend_->wait_irq(ring_timeout_ - spent)) backend_->write_reg(r::IRQ_STATUS, r::irq_status::DONE);
    }
    r::Descriptor d = raw[i];
    // Interrupt at the batch's end (the waiter), and on the descriptor that fills the ring when
    // more of the batch must wait for room (the loop above).
    const bool fills_ring = submitted_ - completed_ + 1 == usable;
    if (i + 1 == raw.size() || fills_ring) d.ctrl |= r::DESC_CTRL_IRQ;
    backend_->write_mem(ring_.addr + uint64_t{tail_} * r::kDescriptorBytes,
                        {reinterpret_cast<const uint8_t*>(&d), sizeof d});
    tail_ = (tail_ + 1) & (info_.ring_entries - 1);
    ++submitted_;
  }
  backend_->write_reg(r::RING_TAIL, tail_);
  if (opt.profile) {
    profiles_[submitted_] = prof;
    while (profiles_.size() > kProfilesKept) profiles_.erase(profiles_.begin());
  }
  return submitted_;
}

void Device::refresh_completed() {
  const uint32_t dc = backend_->read_reg(r::DONE_COUNT);
  const uint32_t delta = dc - last_done_count_;  // DONE_COUNT wraps at 2^32
  last_done_count_ = dc;
  // Never more than was queued (a device shared behind our back would say otherwise).
  completed_ = std::min(completed_ + delta, submitted_);
  if (delta != 0) finish_profiles();
}

bool Device::aborted(JobId job) const {
  return std::any_of(aborted_.begin(), aborted_.end(),
                     [&](const auto& range) { return job >= range.first && job <= range.second; });
}

void Device::finish_profiles() {
  bool any = false;
  for (auto& [id, p] : profiles_) any |= !p.result && retired(id) && !aborted(id);
  if (!any) return;
  const Counters now = counters_locked();
  const auto wall_now = Clock::now();
  for (auto& [id, p] : profiles_)
    if (!p.result && retired(id) && !aborted(id))
      p.result = JobProfile{now - p.start, p.exclusive,
                            std::chrono::duration_cast<nanoseconds>(wall_now - p.wall_start)};
}

bool Device::done(JobId job) {
  std::lock_guard lock(mu_);
  refresh_completed();
  return retired(job);
}

void Device::wait(JobId job, nanoseconds timeout) {
  std::lock_guard lock(mu_);
  if (job == 0 || job > submitted_)
    throw DriverError(fmt::format("wait for job {}: no such job ({} descriptors submitted so far)", job, submitted_));
  DeviceTime time(*backend_, info_);
  for (;;) {
    refresh_completed();
    if (retired(job)) {
      if (aborted(job))
        throw DriverError(fmt::format("{}: job {} was aborted by a soft reset before it completed", info_.backend, job));
      return;
    }
    if (backend_->read_reg(r::STATUS) & r::status::HALTED) throw_halted();
    const nanoseconds spent = time.elapsed();
    if (spent >= timeout)
      throw TimeoutError(fmt::format("{}: job {} not complete after {} us of device time ({} descriptors up to "
                                     "and including it still queued or running); {}",
                                     info_.backend, job, timeout.count() / 1000, job - completed_, state_locked()));
    if (backend_->wait_irq(timeout - spent)) backend_->write_reg(r::IRQ_STATUS, r::irq_status::DONE);  // acknowledge
  }
}

JobProfile Device::profile(JobId job) {
  std::lock_guard lock(mu_);
  refresh_completed();
  auto it = profiles_.find(job);
  if (it == profiles_.end())
    throw DriverError(fmt::format("profile of job {}: it was not submitted with SubmitOptions::profile (or is "
                                  "too old)", job));
  if (aborted(job)) throw DriverError(fmt::format("profile of job {}: it was aborted by a soft reset", job));
  if (!it->second.result) throw DriverError(fmt::format("profile of job {}: it has not completed; wait() for it first", job));
  return *it->second.result;
}

// ---- status ------------------------------------------------------------------------------------

ErrorStatus Device::error_status() {
  std::lock_guard lock(mu_);
  return error_status_locked();
}

ErrorStatus Device::error_status_locked() {
  ErrorStatus e;
  e.halted = (backend_->read_reg(r::STATUS) & r::status::HALTED) != 0;
  if (!e.halted) return e;
  e.code = static_cast<r::ErrCode>(backend_->read_reg(r::ERR_CODE));
  e.ring_index = backend_->read_reg(r::ERR_INDEX);
  e.address = backend_->read_reg(r::ERR_ADDR_LO) | (uint64_t{backend_->read_reg(r::ERR_ADDR_HI)} << 32);
  // The offending descriptor, as the host queued it, so the message names the GEMM.
  std::string which;
  if (e.code != r::ErrCode::BAD_RING && e.ring_index < info_.ring_entries) {
    r::Descriptor raw{};
    backend_->read_mem(ring_.addr + uint64_t{e.ring_index} * r::kDescriptorBytes,
                       {reinterpret_cast<uint8_t*>(&raw), sizeof raw});
    const uint32_t opcode = (raw.ctrl & r::DESC_CTRL_OPCODE) >> r::DESC_CTRL_OPCODE_SHIFT;
    which = opcode == static_cast<uint32_t>(r::Opcode::GEMM) ? fmt::format(" ({}, tag {})", describe(decode(raw)), raw.tag)
                                                             : fmt::format(" (opcode 0x{:02x})", opcode);
  }
  e.message = fmt::format("{} ({}) on descriptor {} of the ring{}", r::to_string(e.code), r::describe(e.code),
                          e.ring_index, which);
  if (e.code == r::ErrCode::AXI_READ || e.code == r::ErrCode::AXI_WRITE)
    e.message += fmt::format(", failing burst at address 0x{:x}", e.address);
  return e;
}

[[noreturn]] void Device::throw_halted() {
  const ErrorStatus e = error_status_locked();
  throw DeviceError(e.code, e.ring_index, e.address,
                    fmt::format("{}: device halted: {}; soft_reset() recovers the device", info_.backend, e.message));
}

uint64_t Device::read_counter(uint32_t lo) {
  const uint64_t low = backend_->read_reg(lo);  // snapshots the upper half
  return low | (uint64_t{backend_->read_reg(lo + 4)} << 32);
}

Counters Device::counters_locked() {
  Counters c;
  for (unsigned i = 0; i < r::kNumCounters; ++i) c.value[i] = read_counter(r::kCounters[i].offset);
  return c;
}

Counters Device::counters() {
  std::lock_guard lock(mu_);
  return counters_locked();
}

std::string Device::state() {
  std::lock_guard lock(mu_);
  return state_locked();
}

std::string Device::state_locked() {
  const uint32_t status = backend_->read_reg(r::STATUS);
  const auto code = static_cast<r::ErrCode>(backend_->read_reg(r::ERR_CODE));
  return fmt::format("STATUS=0x{:x} ({}{}{}) ERR={} HEAD={} TAIL={} DONE_COUNT={} IRQ_STATUS=0x{:x} {}", status,
                     status & r::status::BUSY ? "busy" : "idle", status & r::status::HALTED ? ",halted" : "",
                     status & r::status::RESETTING ? ",resetting" : "", r::to_string(code),
                     backend_->read_reg(r::RING_HEAD), backend_->read_reg(r::RING_TAIL),
                     backend_->read_reg(r::DONE_COUNT), backend_->read_reg(r::IRQ_STATUS),
                     counters_locked().to_string());
}

void Device::soft_reset() {
  std::lock_guard lock(mu_);
  soft_reset_locked();
}

void Device::soft_reset_locked() {
  // Completions seen before the reset count; everything else queued is aborted by it.
  refresh_completed();
  if (submitted_ > completed_) {
    aborted_.emplace_back(completed_ + 1, submitted_);
    if (aborted_.size() > kAbortedRangesKept) aborted_.pop_front();
    completed_ = submitted_;
  }
  std::erase_if(profiles_, [&](const auto& p) { return !p.second.result; });
  tail_ = 0;  // the device empties the ring: HEAD = TAIL = 0

  const uint32_t ctrl = backend_->read_reg(r::CTRL) & r::ctrl::ENABLE;
  const uint32_t irq_enable = backend_->read_reg(r::IRQ_ENABLE);
  // Stale causes (the ERROR that brought us here, an unacknowledged DONE) would hold the
  // interrupt line high and turn every wait below into a spin.
  backend_->write_reg(r::IRQ_STATUS, kAllIrqs);
  backend_->write_reg(r::IRQ_ENABLE, irq_enable | r::irq_status::RESET_DONE);
  backend_->write_reg(r::CTRL, ctrl | r::ctrl::SOFT_RESET);
  reset_unfinished_ = true;
  DeviceTime time(*backend_, info_);
  while (!(backend_->read_reg(r::IRQ_STATUS) & r::irq_status::RESET_DONE)) {
    const nanoseconds spent = time.elapsed();
    if (spent >= reset_timeout_)
      throw TimeoutError(fmt::format("{}: soft reset did not finish within {} us of device time (outstanding AXI "
                                     "transactions never completed?); call soft_reset() again once the bus "
                                     "answers; {}",
                                     info_.backend, reset_timeout_.count() / 1000, state_locked()));
    backend_->wait_irq(reset_timeout_ - spent);
  }
  reset_unfinished_ = false;
  backend_->write_reg(r::IRQ_STATUS, kAllIrqs);
  backend_->write_reg(r::IRQ_ENABLE, irq_enable);
  // The reset keeps the ring registers; programming them again undoes whatever else wrote them.
  backend_->write_reg(r::RING_BASE_LO, static_cast<uint32_t>(ring_.addr));
  backend_->write_reg(r::RING_BASE_HI, static_cast<uint32_t>(ring_.addr >> 32));
  backend_->write_reg(r::RING_SIZE_LOG2, ring_log2_);
  // DONE_COUNT may or may not restart at a reset; either way completions count from here.
  last_done_count_ = backend_->read_reg(r::DONE_COUNT);
}

}  // namespace trit::driver
