#include "trit/driver/device.hpp"

#include <algorithm>
#include <bit>
#include <thread>

#include <fmt/format.h>

namespace trit::driver {

namespace r = regs;
using std::chrono::nanoseconds;

Counters Counters::operator-(const Counters& earlier) const {
  Counters d;
  for (unsigned i = 0; i < r::kNumCounters; ++i) d.value[i] = value[i] - earlier.value[i];
  return d;
}

Device::Device(std::unique_ptr<Backend> backend, const DeviceOptions& opt)
    : backend_(std::move(backend)), reset_timeout_(opt.reset_timeout) {
  if (!backend_) throw DriverError("Device: no backend");
  open(opt);
}

Device::~Device() {
  // Stop the device fetching from a ring whose memory is going away.
  try {
    backend_->write_reg(r::CTRL, 0);
  } catch (...) {
  }
}

std::string Device::name() const { return fmt::format("{} ({})", backend_->name(), cfg_.name()); }

void Device::open(const DeviceOptions& opt) {
  std::lock_guard lock(mu_);
  const uint32_t id = backend_->read_reg(r::ID);
  if (id != r::kIdMagic)
    throw ConfigError(fmt::format("{}: not a Trit device: ID register reads 0x{:08x}, expected 0x{:08x}",
                                  backend_->name(), id, r::kIdMagic));
  const uint32_t version = backend_->read_reg(r::VERSION);
  if ((version >> 16) != r::kVersionMajor)
    throw ConfigError(fmt::format("{}: register map version {}.{}, this driver speaks {}.x",
                                  backend_->name(), version >> 16, version & 0xffff,
                                  r::kVersionMajor));
  cfg_.rows = backend_->read_reg(r::CFG_ROWS);
  cfg_.cols = backend_->read_reg(r::CFG_COLS);
  cfg_.lanes = backend_->read_reg(r::CFG_LANES);
  cfg_.bus_bytes = backend_->read_reg(r::CFG_BUS_BYTES);
  cfg_.k_max = backend_->read_reg(r::CFG_K_MAX);
  cfg_.addr_bits = backend_->read_reg(r::CFG_ADDR_BITS);
  cfg_.max_burst = backend_->read_reg(r::CFG_MAX_BURST);
  cfg_.validate();
  const uint32_t formats = backend_->read_reg(r::CFG_FORMATS);
  if ((formats & 0x3u) != 0x3u)
    throw ConfigError(fmt::format("{}: device supports weight formats 0x{:x}; T2 and T5 are required",
                                  backend_->name(), formats));
  if (opt.expect && !(*opt.expect == cfg_))
    throw ConfigError(fmt::format(
        "{}: device is {} (k_max {}, {} address bits, bursts {}), expected {} (k_max {}, {} "
        "address bits, bursts {}): host and device builds disagree",
        backend_->name(), cfg_.name(), cfg_.k_max, cfg_.addr_bits, cfg_.max_burst,
        opt.expect->name(), opt.expect->k_max, opt.expect->addr_bits, opt.expect->max_burst));
  if (opt.ring_log2 < 1 || opt.ring_log2 > 16)
    throw ConfigError(fmt::format("ring of 2^{} descriptors: must be 2^1..2^16", opt.ring_log2));

  // Memory: the ring first, then the heap.
  const Backend::Region region = backend_->memory();
  const uint64_t align = std::max<uint64_t>(cfg_.bus_bytes, r::kDescriptorBytes);
  const uint64_t base = (region.base + align - 1) / align * align;
  ring_entries_ = 1u << opt.ring_log2;
  const uint64_t ring_bytes = uint64_t{ring_entries_} * r::kDescriptorBytes;
  if (base + ring_bytes > region.base + region.size)
    throw MemoryError(fmt::format("{}: device memory of {} bytes cannot hold a {}-entry ring",
                                  backend_->name(), region.size, ring_entries_));
  ring_ = {base, ring_bytes};
  free_.clear();
  free_[base + ring_bytes] = region.base + region.size - (base + ring_bytes);

  soft_reset_locked();
  backend_->write_reg(r::RING_BASE_LO, static_cast<uint32_t>(ring_.addr));
  backend_->write_reg(r::RING_BASE_HI, static_cast<uint32_t>(ring_.addr >> 32));
  backend_->write_reg(r::RING_SIZE_LOG2, opt.ring_log2);
  backend_->write_reg(r::IRQ_ENABLE, r::irq_status::DONE | r::irq_status::ERROR | r::irq_status::RESET_DONE);
  backend_->write_reg(r::CTRL, r::ctrl::ENABLE);
}

// ---- memory ------------------------------------------------------------------------------------

Buffer Device::alloc(uint64_t bytes, uint64_t align) {
  std::lock_guard lock(mu_);
  if (bytes == 0) throw MemoryError("alloc of 0 bytes");
  align = std::max<uint64_t>({align, cfg_.bus_bytes, 64});
  if (!std::has_single_bit(align)) throw AlignmentError(fmt::format("alignment {} is not a power of two", align));
  const uint64_t size = (bytes + cfg_.bus_bytes - 1) / cfg_.bus_bytes * cfg_.bus_bytes;
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
  throw MemoryError(fmt::format("{}: out of device memory: {} bytes requested, {} free in total",
                                backend_->name(), bytes, [&] {
                                  uint64_t f = 0;
                                  for (auto& [a, s] : free_) f += s;
                                  return f;
                                }()));
}

void Device::free(const Buffer& b) {
  std::lock_guard lock(mu_);
  auto it = used_.find(b.addr);
  if (it == used_.end()) throw MemoryError(fmt::format("free of 0x{:x}: not an allocated buffer", b.addr));
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

void Device::write(const Buffer& b, uint64_t offset, std::span<const uint8_t> data) {
  if (offset > b.size || data.size() > b.size - offset)
    throw MemoryError(fmt::format("write of {} bytes at offset {} overruns a {}-byte buffer",
                                  data.size(), offset, b.size));
  std::lock_guard lock(mu_);
  backend_->write_mem(b.addr + offset, data);
}

void Device::read(const Buffer& b, uint64_t offset, std::span<uint8_t> out) {
  if (offset > b.size || out.size() > b.size - offset)
    throw MemoryError(fmt::format("read of {} bytes at offset {} overruns a {}-byte buffer",
                                  out.size(), offset, b.size));
  std::lock_guard lock(mu_);
  backend_->read_mem(b.addr + offset, out);
}

// ---- weights and GEMMs ---------------------------------------------------------------------------

Weights Device::upload_weights(std::span<const int8_t> w, uint32_t n, uint32_t k, WeightFormat format) {
  const WeightLayout layout = WeightLayout::of(cfg_, n, k, format);
  const std::vector<uint8_t> blob = pack_weights(layout, w);
  Weights out{alloc(blob.size()), layout};
  write(out.buf, 0, blob);
  return out;
}

GemmDesc Device::gemm(uint32_t m, const Buffer& x, uint32_t x_stride, const Weights& w,
                      const Buffer& y, uint32_t y_stride) const {
  const WeightLayout& l = w.layout;
  if (m == 0) throw ShapeError("GEMM with m = 0 rows");
  if (l.cols != cfg_.cols || l.lanes != cfg_.lanes)
    throw ShapeError(fmt::format("weights were packed for C={} V={}, device is {}", l.cols, l.lanes, cfg_.name()));
  if (l.k > cfg_.k_max)
    throw ShapeError(fmt::format("K = {} exceeds the device's k_max = {}", l.k, cfg_.k_max));
  const uint64_t bus = cfg_.bus_bytes;
  if (x.addr % bus || y.addr % bus || w.buf.addr % bus)
    throw AlignmentError(fmt::format("GEMM buffers must be {}-byte aligned (x=0x{:x} w=0x{:x} y=0x{:x})",
                                     bus, x.addr, w.buf.addr, y.addr));
  if (x_stride % bus || y_stride % bus)
    throw AlignmentError(fmt::format("GEMM strides must be multiples of {} bytes (x_stride={} y_stride={})",
                                     bus, x_stride, y_stride));
  const uint64_t x_row = (uint64_t{l.k} + bus - 1) / bus * bus;
  if (m > 1 && x_stride < l.k) throw ShapeError(fmt::format("x_stride {} < K {}", x_stride, l.k));
  if (m > 1 && y_stride < uint64_t{l.n} * 4) throw ShapeError(fmt::format("y_stride {} < 4N = {}", y_stride, uint64_t{l.n} * 4));
  if (uint64_t{m - 1} * x_stride + x_row > x.size)
    throw ShapeError(fmt::format("X buffer of {} bytes is too small for {} rows of K={} (stride {}, rows read in {}-byte beats)",
                                 x.size, m, l.k, x_stride, bus));
  if (uint64_t{m - 1} * y_stride + uint64_t{l.n} * 4 > y.size)
    throw ShapeError(fmt::format("Y buffer of {} bytes is too small for {} rows of N={} int32 (stride {})",
                                 y.size, m, l.n, y_stride));
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

JobId Device::submit(std::span<const GemmDesc> ops) {
  std::vector<r::Descriptor> raw;
  raw.reserve(ops.size());
  for (const GemmDesc& d : ops) {
    raw.push_back(encode(d));
    const r::ErrCode e = check(raw.back(), cfg_);
    if (e != r::ErrCode::NONE)
      throw ShapeError(fmt::format("{}: the device would reject it: {} ({})", describe(d),
                                   r::to_string(e), r::describe(e)));
  }
  return submit_unchecked(raw);
}

JobId Device::submit_unchecked(std::span<const r::Descriptor> raw) {
  if (raw.empty()) throw ShapeError("submit of an empty batch");
  std::lock_guard lock(mu_);
  return enqueue(raw);
}

JobId Device::enqueue(std::span<const r::Descriptor> raw) {
  for (size_t i = 0; i < raw.size(); ++i) {
    // Keep one slot free: HEAD == TAIL means empty.
    while (submitted_ - completed_ >= ring_entries_ - 1) {
      backend_->write_reg(r::RING_TAIL, tail_);  // make sure what is queued runs
      refresh_completed();
      if (submitted_ - completed_ < ring_entries_ - 1) break;
      if (backend_->read_reg(r::STATUS) & r::status::HALTED) throw_halted();
      backend_->wait_irq(std::chrono::microseconds(1));
    }
    r::Descriptor d = raw[i];
    if (i + 1 == raw.size()) d.ctrl |= r::DESC_CTRL_IRQ;  // wake the waiter at the batch's end
    backend_->write_mem(ring_.addr + uint64_t{tail_} * r::kDescriptorBytes,
                        {reinterpret_cast<const uint8_t*>(&d), sizeof d});
    tail_ = (tail_ + 1) & (ring_entries_ - 1);
    ++submitted_;
  }
  backend_->write_reg(r::RING_TAIL, tail_);
  return submitted_;
}

void Device::refresh_completed() {
  const uint32_t dc = backend_->read_reg(r::DONE_COUNT);
  completed_ += static_cast<uint32_t>(dc - last_done_count_);  // DONE_COUNT wraps at 2^32
  last_done_count_ = dc;
}

bool Device::done(JobId job) {
  std::lock_guard lock(mu_);
  refresh_completed();
  return completed_ >= job;
}

void Device::wait(JobId job, nanoseconds timeout) {
  std::lock_guard lock(mu_);
  if (job > submitted_) throw DriverError(fmt::format("wait for job {}: only {} descriptors were submitted", job, submitted_));
  const auto wall_start = std::chrono::steady_clock::now();
  const uint64_t cycles_start = backend_->cycles();
  nanoseconds remaining = timeout;
  for (;;) {
    refresh_completed();
    if (completed_ >= job) return;
    const uint32_t status = backend_->read_reg(r::STATUS);
    if (status & r::status::HALTED) throw_halted();
    if (remaining <= nanoseconds::zero())
      throw TimeoutError(fmt::format("{}: job {} not complete after {} us of device time; {}",
                                     backend_->name(), job, timeout.count() / 1000, state_locked()));
    const bool irq = backend_->wait_irq(remaining);
    if (irq) backend_->write_reg(r::IRQ_STATUS, r::irq_status::DONE);  // acknowledge
    // Device time spent: simulators count cycles, hardware counts wall time.
    const uint64_t cycles = backend_->cycles();
    const uint32_t khz = backend_->read_reg(r::CFG_CLOCK_KHZ);
    nanoseconds spent;
    if (cycles > cycles_start && khz != 0)
      spent = nanoseconds((cycles - cycles_start) * 1000000ull / khz);
    else if (cycles > cycles_start)
      spent = nanoseconds((cycles - cycles_start) * 4);  // nominal 250 MHz when unknown
    else
      spent = std::chrono::duration_cast<nanoseconds>(std::chrono::steady_clock::now() - wall_start);
    remaining = timeout - spent;
    if (!irq && remaining > nanoseconds::zero() && backend_->cycles() == cycles_start &&
        spent == nanoseconds::zero())
      remaining = nanoseconds::zero();  // a backend that neither ran nor waited: give up now
  }
}

[[noreturn]] void Device::throw_halted() {
  const auto code = static_cast<r::ErrCode>(backend_->read_reg(r::ERR_CODE));
  const uint32_t index = backend_->read_reg(r::ERR_INDEX);
  const uint64_t addr = backend_->read_reg(r::ERR_ADDR_LO) |
                        (uint64_t{backend_->read_reg(r::ERR_ADDR_HI)} << 32);
  std::string what = fmt::format("{}: device halted on descriptor {} of the ring: {} ({})",
                                 backend_->name(), index, r::to_string(code), r::describe(code));
  if (code == r::ErrCode::AXI_READ || code == r::ErrCode::AXI_WRITE)
    what += fmt::format(" at address 0x{:x}", addr);
  what += "; soft_reset() recovers the device";
  throw DeviceError(code, index, addr, what);
}

// ---- status ------------------------------------------------------------------------------------

uint64_t Device::read_counter(uint32_t lo) {
  const uint64_t low = backend_->read_reg(lo);  // snapshots the upper half
  return low | (uint64_t{backend_->read_reg(lo + 4)} << 32);
}

Counters Device::counters() {
  std::lock_guard lock(mu_);
  Counters c;
  for (unsigned i = 0; i < r::kNumCounters; ++i) c.value[i] = read_counter(r::kCounters[i].offset);
  return c;
}

std::string Device::state() {
  std::lock_guard lock(mu_);
  return state_locked();
}

std::string Device::state_locked() {
  const uint32_t status = backend_->read_reg(r::STATUS);
  const auto code = static_cast<r::ErrCode>(backend_->read_reg(r::ERR_CODE));
  std::string s = fmt::format("STATUS=0x{:x} ({}{}{}) ERR={} HEAD={} TAIL={} DONE_COUNT={}", status,
                              status & r::status::BUSY ? "busy" : "idle",
                              status & r::status::HALTED ? ",halted" : "",
                              status & r::status::RESETTING ? ",resetting" : "", r::to_string(code),
                              backend_->read_reg(r::RING_HEAD), backend_->read_reg(r::RING_TAIL),
                              backend_->read_reg(r::DONE_COUNT));
  for (unsigned i = 0; i < r::kNumCounters; ++i)
    s += fmt::format(" {}={}", r::kCounters[i].name, read_counter(r::kCounters[i].offset));
  return s;
}

void Device::soft_reset() {
  std::lock_guard lock(mu_);
  soft_reset_locked();
}

void Device::soft_reset_locked() {
  const uint32_t ctrl = backend_->read_reg(r::CTRL) & r::ctrl::ENABLE;
  const uint32_t irq_enable = backend_->read_reg(r::IRQ_ENABLE);
  backend_->write_reg(r::IRQ_STATUS, r::irq_status::RESET_DONE);
  backend_->write_reg(r::IRQ_ENABLE, irq_enable | r::irq_status::RESET_DONE);
  backend_->write_reg(r::CTRL, ctrl | r::ctrl::SOFT_RESET);
  nanoseconds remaining = reset_timeout_;
  const nanoseconds step = std::chrono::microseconds(1);
  while (!(backend_->read_reg(r::IRQ_STATUS) & r::irq_status::RESET_DONE)) {
    if (remaining <= nanoseconds::zero())
      throw TimeoutError(fmt::format("{}: soft reset did not finish within {} us (outstanding AXI "
                                     "transactions never completed?); {}",
                                     backend_->name(), reset_timeout_.count() / 1000, state_locked()));
    backend_->wait_irq(step);
    remaining -= step;
  }
  backend_->write_reg(r::IRQ_STATUS, r::irq_status::RESET_DONE);
  backend_->write_reg(r::IRQ_ENABLE, irq_enable);
  // Everything queued is gone: the ring restarts at slot 0.
  tail_ = 0;
  refresh_completed();
  submitted_ = completed_;
}

}  // namespace trit::driver
