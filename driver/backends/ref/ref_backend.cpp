#include "ref_backend.hpp"

#include <algorithm>
#include <thread>
#include <vector>

#include "trit/driver/weights.hpp"

namespace trit::driver {

using regs::ErrCode;

RefBackend::RefBackend(const ArrayConfig& cfg) : RefBackend(cfg, Options{}) {}

RefBackend::RefBackend(const ArrayConfig& cfg, const Options& opt)
    : cfg_(cfg),
      opt_(opt),
      mem_(opt.storage.empty() ? DeviceMemory(opt.mem_base, opt.mem_size) : DeviceMemory(opt.mem_base, opt.storage)) {
  cfg_.validate();
}

void RefBackend::hard_reset() {
  scratch_ = ctrl_ = irq_status_ = irq_enable_ = 0;
  err_code_ = err_index_ = 0;
  err_addr_ = ring_base_ = 0;
  ring_size_log2_ = head_ = tail_ = done_count_ = last_tag_ = 0;
  halted_ = reset_pending_ = false;
  counters_.fill(0);
  snapshot_ = 0;
}

void RefBackend::inject_error(uint64_t lo, uint64_t hi, bool on_read, bool on_write) {
  errors_.push_back({lo, hi, on_read, on_write});
}

void RefBackend::freeze(bool on) {
  frozen_ = on;
  run();
}

uint32_t RefBackend::read_reg(uint32_t off) {
  namespace r = regs;
  for (unsigned i = 0; i < r::kNumCounters; ++i) {
    if (off == r::kCounters[i].offset) {
      snapshot_ = counters_[i] >> 32;
      return static_cast<uint32_t>(counters_[i]);
    }
    if (off == r::kCounters[i].offset + 4) return static_cast<uint32_t>(snapshot_);
  }
  switch (off) {
    case r::ID: return r::kIdMagic;
    case r::VERSION: return (r::kVersionMajor << 16) | r::kVersionMinor;
    case r::CFG_ROWS: return cfg_.rows;
    case r::CFG_COLS: return cfg_.cols;
    case r::CFG_LANES: return cfg_.lanes;
    case r::CFG_BUS_BYTES: return cfg_.bus_bytes;
    case r::CFG_K_MAX: return cfg_.k_max;
    case r::CFG_ADDR_BITS: return cfg_.addr_bits;
    case r::CFG_FORMATS: return 0x3;
    case r::CFG_CLOCK_KHZ: return opt_.clock_khz;
    case r::CFG_MAX_BURST: return cfg_.max_burst;
    case r::SCRATCH: return scratch_;
    case r::CTRL: return (ctrl_ & r::ctrl::ENABLE) | (reset_pending_ ? r::ctrl::SOFT_RESET : 0u);
    case r::STATUS:
      // Work the frozen memory holds up is in flight, as a fetched descriptor would be in the RTL.
      return (halted_ ? r::status::HALTED : 0u) | (reset_pending_ ? r::status::RESETTING : 0u) |
             (has_work() || reset_pending_ ? r::status::BUSY : 0u);
    case r::ERR_CODE: return err_code_;
    case r::ERR_INDEX: return err_index_;
    case r::ERR_ADDR_LO: return static_cast<uint32_t>(err_addr_);
    case r::ERR_ADDR_HI: return static_cast<uint32_t>(err_addr_ >> 32);
    case r::IRQ_STATUS: return irq_status_;
    case r::IRQ_ENABLE: return irq_enable_;
    case r::RING_BASE_LO: return static_cast<uint32_t>(ring_base_);
    case r::RING_BASE_HI: return static_cast<uint32_t>(ring_base_ >> 32);
    case r::RING_SIZE_LOG2: return ring_size_log2_;
    case r::RING_HEAD: return head_;
    case r::RING_TAIL: return tail_;
    case r::DONE_COUNT: return done_count_;
    case r::LAST_TAG: return last_tag_;
    default: return 0;  // unmapped offsets read as zero, like the RTL
  }
}

void RefBackend::write_reg(uint32_t off, uint32_t v) {
  namespace r = regs;
  switch (off) {
    case r::SCRATCH: scratch_ = v; break;
    case r::CTRL:
      ctrl_ = v & r::ctrl::ENABLE;
      if (v & r::ctrl::CNT_CLEAR) counters_.fill(0);
      if (v & r::ctrl::SOFT_RESET) {
        // The drain is immediate unless a frozen memory holds up queued work (finish_reset()).
        reset_pending_ = true;
      }
      run();
      break;
    case r::IRQ_STATUS: irq_status_ &= ~v; break;
    case r::IRQ_ENABLE: irq_enable_ = v & 0x7u; break;
    case r::RING_BASE_LO: ring_base_ = (ring_base_ & ~0xffffffffull) | v; break;
    case r::RING_BASE_HI: ring_base_ = (ring_base_ & 0xffffffffull) | (uint64_t{v} << 32); break;
    case r::RING_SIZE_LOG2: ring_size_log2_ = v; break;
    case r::RING_TAIL:
      tail_ = v;
      run();
      break;
    default: break;  // read-only or unmapped: ignored, like the RTL
  }
}

bool RefBackend::wait_irq(std::chrono::nanoseconds timeout) {
  run();
  // Nothing will change by itself: an idle or frozen model just lets the time pass.
  if (!irq_line() && timeout > std::chrono::nanoseconds::zero()) std::this_thread::sleep_for(timeout);
  return irq_line();
}

void RefBackend::finish_reset() {
  reset_pending_ = false;
  head_ = tail_ = 0;
  halted_ = false;
  err_code_ = err_index_ = 0;
  err_addr_ = 0;
  irq_status_ |= regs::irq_status::RESET_DONE;
}

std::optional<uint64_t> RefBackend::failing_beat(uint64_t addr, uint64_t len, bool read) const {
  const uint64_t bus = cfg_.bus_bytes;
  if (!mem_.contains(addr, len)) {
    // The first beat outside memory.
    const uint64_t first = addr < mem_.base() ? addr : std::max(addr, mem_.base() + mem_.size());
    return first / bus * bus;
  }
  std::optional<uint64_t> first;
  for (const ErrorRange& e : errors_)
    if ((read ? e.read : e.write) && addr < e.hi && addr + len > e.lo) {
      const uint64_t a = std::max(addr, e.lo) / bus * bus;
      first = first ? std::min(*first, a) : a;
    }
  return first;
}

void RefBackend::halt(ErrCode code, uint32_t index, uint64_t addr) {
  halted_ = true;
  err_code_ = static_cast<uint32_t>(code);
  err_index_ = index;
  err_addr_ = addr;
  irq_status_ |= regs::irq_status::ERROR;
}

void RefBackend::run() {
  if (reset_pending_ && !(frozen_ && has_work())) finish_reset();
  if (reset_pending_ || frozen_) return;
  while (has_work()) {
    if (ring_size_log2_ < 1 || ring_size_log2_ > 16 || ring_base_ % regs::kDescriptorBytes != 0 ||
        tail_ >= ring_size()) {
      halt(ErrCode::BAD_RING, head_);
      return;
    }
    const uint64_t slot = ring_base_ + uint64_t{head_} * regs::kDescriptorBytes;
    if (auto bad = failing_beat(slot, regs::kDescriptorBytes, true)) {
      halt(ErrCode::AXI_READ, head_, *bad);
      return;
    }
    regs::Descriptor raw;
    mem_.read(slot, {reinterpret_cast<uint8_t*>(&raw), sizeof raw});
    counter(regs::Counter::DESC_BYTES) += sizeof raw;
    // The fetch is one request: 64/B beats, or the one beat holding the slot on a wider bus.
    const uint64_t bus = cfg_.bus_bytes;
    counter(regs::Counter::READ_BURSTS) +=
        bursts(slot / bus * bus, std::max<uint64_t>(1, regs::kDescriptorBytes / bus));
    if (const ErrCode e = check(raw, cfg_); e != ErrCode::NONE) {
      halt(e, head_);
      return;
    }
    const GemmDesc d = decode(raw);
    if (auto axi_error = execute(d)) {
      halt(axi_error->first, head_, axi_error->second);
      return;
    }
    last_tag_ = d.tag;
    ++done_count_;
    ++counter(regs::Counter::DESCS);
    if (d.irq) irq_status_ |= regs::irq_status::DONE;
    head_ = (head_ + 1) & (ring_size() - 1);
  }
}

uint64_t RefBackend::bursts(uint64_t addr, uint64_t beats) const {
  const uint64_t bus = cfg_.bus_bytes;
  uint64_t n = 0;
  while (beats > 0) {
    const uint64_t len = std::min<uint64_t>({beats, cfg_.max_burst, (4096 - addr % 4096) / bus});
    addr += len * bus;
    beats -= len;
    ++n;
  }
  return n;
}

std::optional<std::pair<ErrCode, uint64_t>> RefBackend::execute(const GemmDesc& d) {
  const WeightLayout wl = WeightLayout::of(cfg_, d.n, d.k, d.format);
  const uint64_t bus = cfg_.bus_bytes;
  const uint64_t x_row_bytes = (uint64_t{d.k} + bus - 1) / bus * bus;  // read in whole beats
  // Every read is checked before any write, as the device reads a pass before writing it.
  if (auto bad = failing_beat(d.w_addr, wl.total_bytes, true)) return {{ErrCode::AXI_READ, *bad}};
  for (uint32_t m = 0; m < d.m; ++m)
    if (auto bad = failing_beat(d.x_addr + uint64_t{m} * d.x_stride, x_row_bytes, true))
      return {{ErrCode::AXI_READ, *bad}};
  for (uint32_t m = 0; m < d.m; ++m)
    if (auto bad = failing_beat(d.y_addr + uint64_t{m} * d.y_stride, uint64_t{d.n} * 4, false))
      return {{ErrCode::AXI_WRITE, *bad}};

  const std::vector<int8_t> w =
      unpack_weights(wl, {mem_.at(d.w_addr), static_cast<size_t>(wl.total_bytes)});  // [n][k]
  std::vector<int32_t> y(d.n);                                                       // [n]
  for (uint32_t m = 0; m < d.m; ++m) {
    const auto* x = reinterpret_cast<const int8_t*>(mem_.at(d.x_addr + uint64_t{m} * d.x_stride));
    for (uint32_t n = 0; n < d.n; ++n) {
      int32_t acc = 0;
      const int8_t* wr = &w[uint64_t{n} * d.k];
      for (uint32_t k = 0; k < d.k; ++k) acc += wr[k] == 0 ? 0 : (wr[k] > 0 ? x[k] : -x[k]);
      y[n] = acc;
    }
    mem_.write(d.y_addr + uint64_t{m} * d.y_stride,
               {reinterpret_cast<const uint8_t*>(y.data()), y.size() * 4});
  }

  // Event counts are exact; time is the analytic estimate described in the header.
  const uint64_t passes = (d.m + cfg_.rows - 1) / cfg_.rows;
  const uint64_t nnz = static_cast<uint64_t>(std::count_if(w.begin(), w.end(), [](int8_t v) { return v != 0; }));
  const uint64_t slots = uint64_t{wl.n_tiles} * wl.n_chunks * cfg_.cols * cfg_.lanes;
  const uint64_t issue = passes * wl.n_tiles * wl.n_chunks;
  const uint64_t weight_beats = passes * (wl.total_bytes / bus);
  const uint64_t act_beats = uint64_t{d.m} * (x_row_bytes / bus);
  const uint64_t est = std::max(issue, weight_beats) + act_beats + opt_.latency_cycles;
  counter(regs::Counter::CYCLES) += est;
  counter(regs::Counter::BUSY) += est;
  counter(regs::Counter::ISSUE) += issue;
  counter(regs::Counter::WEIGHT_BYTES) += passes * wl.total_bytes;
  counter(regs::Counter::ACT_BYTES) += uint64_t{d.m} * x_row_bytes;
  counter(regs::Counter::OUT_BYTES) += uint64_t{d.m} * d.n * 4;
  counter(regs::Counter::LANE_OPS) += uint64_t{d.m} * nnz;  // every active row meets every nonzero once
  counter(regs::Counter::ZERO_SKIPS) += uint64_t{d.m} * (slots - nnz);

  // Energy-model events (docs/architecture.md, "Performance counters"). An issued chunk reads the
  // activation buffer rows of its pass's active rows only and goes down to the pass's last active
  // row only (row-mask gating), so per chunk and active row (the passes' rows add up to M): one
  // row read of V bytes, one row of weight registers, C accumulator updates; per tile and active
  // row, C shadow updates and C shadow reads by the drain.
  const uint64_t tiles = wl.n_tiles, chunks = wl.n_chunks, cols = cfg_.cols;
  counter(regs::Counter::ACT_READ_BYTES) += tiles * chunks * d.m * cfg_.lanes;
  counter(regs::Counter::WFIFO_WRITES) += weight_beats;
  counter(regs::Counter::WFIFO_READS) += weight_beats;
  counter(regs::Counter::WREG_LOADS) += tiles * chunks * d.m;
  counter(regs::Counter::ACC_UPDATES) += tiles * chunks * cols * d.m;
  counter(regs::Counter::SHADOW_UPDATES) += tiles * cols * d.m;
  counter(regs::Counter::DRAIN_READS) += tiles * cols * d.m;
  // Bus transactions. Reads: per pass one request per row of X (whole beats) and one per weight
  // tile. Writes: one request per active row and tile, from the beat holding Y[m][n0] to the one
  // holding Y[m][n0 + cols - 1], with strobes.
  const uint64_t tile_beats = wl.tile_bytes / bus;
  for (uint64_t m = 0; m < d.m; ++m)
    counter(regs::Counter::READ_BURSTS) += bursts(d.x_addr + m * d.x_stride, x_row_bytes / bus);
  for (uint64_t t = 0; t < tiles; ++t)
    counter(regs::Counter::READ_BURSTS) += passes * bursts(d.w_addr + t * wl.tile_bytes, tile_beats);
  for (uint64_t m = 0; m < d.m; ++m)
    for (uint64_t t = 0; t < tiles; ++t) {
      const uint64_t first = d.y_addr + m * d.y_stride + 4 * t * cols;  // Y[m][n0]
      const uint64_t bytes = 4 * std::min<uint64_t>(cols, d.n - t * cols);
      const uint64_t beats = (first % bus + bytes + bus - 1) / bus;
      counter(regs::Counter::WRITE_BEATS) += beats;
      counter(regs::Counter::WRITE_BURSTS) += bursts(first / bus * bus, beats);
    }
  return std::nullopt;
}

}  // namespace trit::driver
