#include "axi_memory.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace trit::sim {

AxiMemory::AxiMemory(driver::DeviceMemory& mem, const AxiMemoryConfig& cfg) : mem_(&mem), rng_(cfg.seed) {
  set_config(cfg);
}

AxiMemory::AxiMemory(BurstResponder& responder, const AxiMemoryConfig& cfg) : responder_(&responder), rng_(cfg.seed) {
  set_config(cfg);
}

void AxiMemory::set_config(const AxiMemoryConfig& cfg) {
  if (cfg.bus_bytes == 0 || cfg.bus_bytes > kMaxBusBytes)
    throw std::invalid_argument(fmt::format("AxiMemory: bus of {} bytes (1..{})", cfg.bus_bytes, kMaxBusBytes));
  if (responder_ && (cfg.bytes_per_cycle > 0 || cfg.ready_probability < 1))
    throw std::invalid_argument("AxiMemory: with a burst responder the bandwidth cap and random back-pressure are the "
                                "responder's (bytes_per_cycle must be 0 and ready_probability 1)");
  cfg_ = cfg;
  rng_.seed(cfg.seed);
}

bool AxiMemory::read_ready(const ReadBurst& rb) const {
  return rb.answered ? now_ >= rb.answered->ready_cycle[rb.beat] : now_ >= rb.ready_cycle;
}

bool AxiMemory::write_ready(const WriteBurst& wb) const {
  return wb.answered ? now_ >= wb.answered->ready_cycle[0] : now_ >= wb.done_cycle;
}

void AxiMemory::inject_error(uint64_t lo, uint64_t hi, bool on_read, bool on_write, uint32_t resp) {
  errors_.push_back({lo, hi, on_read, on_write, resp});
}

bool AxiMemory::chance() { return cfg_.ready_probability >= 1.0 || uni_(rng_) < cfg_.ready_probability; }

void AxiMemory::violation(std::string what) {
  if (violations_.size() < 100) violations_.push_back(fmt::format("cycle {}: {}", now_, what));
}

uint32_t AxiMemory::resp_for(uint64_t addr, bool read) const {
  for (const ErrorRange& e : errors_)
    if ((read ? e.read : e.write) && addr < e.hi && addr + cfg_.bus_bytes > e.lo) return e.resp;
  return mem_->contains(addr, cfg_.bus_bytes) ? kOkay : kDecErr;
}

void AxiMemory::check_request(const char* ch, const AxiAddr& a) {
  const uint64_t bytes = uint64_t{a.len + 1} * cfg_.bus_bytes;
  if (a.burst != 1) violation(fmt::format("{} burst type {} (only INCR is used)", ch, a.burst));
  if ((1u << a.size) != cfg_.bus_bytes)
    violation(fmt::format("{} size {} is not the full bus width of {} bytes", ch, a.size, cfg_.bus_bytes));
  if (a.addr % cfg_.bus_bytes)
    violation(fmt::format("{} address 0x{:x} not aligned to the bus width", ch, a.addr));
  if (a.len + 1 > cfg_.max_burst_beats)
    violation(fmt::format("{} burst of {} beats exceeds the limit of {}", ch, a.len + 1, cfg_.max_burst_beats));
  if ((a.addr & 0xfff) + bytes > 4096)
    violation(fmt::format("{} burst at 0x{:x} of {} bytes crosses a 4 KiB boundary", ch, a.addr, bytes));
}

void AxiMemory::clock(const AxiMasterSide& m, AxiSlaveSide& s) {
  // ---- master-side stability: a valid not yet accepted must stay, with the same payload.
  if (prev_m_.arvalid && !prev_s_.arready) {
    if (!m.arvalid) violation("ARVALID dropped before ARREADY");
    else if (!(m.ar == prev_m_.ar)) violation("AR payload changed while ARVALID waited");
  }
  if (prev_m_.awvalid && !prev_s_.awready) {
    if (!m.awvalid) violation("AWVALID dropped before AWREADY");
    else if (!(m.aw == prev_m_.aw)) violation("AW payload changed while AWVALID waited");
  }
  if (prev_m_.wvalid && !prev_s_.wready) {
    if (!m.wvalid) violation("WVALID dropped before WREADY");
    else if (m.wdata != prev_m_.wdata || m.wstrb != prev_m_.wstrb || m.wlast != prev_m_.wlast)
      violation("W payload changed while WVALID waited");
  }

  // ---- handshakes at this edge
  const bool ar_fire = m.arvalid && s.arready;
  const bool r_fire = s.rvalid && m.rready;
  const bool aw_fire = m.awvalid && s.awready;
  const bool w_fire = m.wvalid && s.wready;
  const bool b_fire = s.bvalid && m.bready;
  const bool limited = cfg_.bytes_per_cycle > 0;

  if (r_fire) {
    ReadBurst& rb = reads_.front();
    ++stats_.read_beats;
    if (++rb.beat > rb.req.len) reads_.pop_front();
  }
  if (ar_fire) {
    check_request("AR", m.ar);
    reads_.push_back({m.ar, now_ + cfg_.read_latency, 0, nullptr});
    if (responder_) {
      auto b = std::make_shared<Burst>();
      b->req = m.ar;
      b->bus_bytes = cfg_.bus_bytes;
      b->data.assign(size_t{b->beats()} * cfg_.bus_bytes, 0);
      b->resp.assign(b->beats(), kOkay);
      b->ready_cycle.assign(b->beats(), Burst::kNotYet);
      reads_.back().answered = b;
      responder_->read(b, now_);
    }
    ++stats_.read_bursts;
    stats_.max_reads_outstanding = std::max<uint32_t>(stats_.max_reads_outstanding, reads_.size());
  }
  if (w_fire) {
    auto wb = std::find_if(writes_.begin(), writes_.end(), [](const WriteBurst& w) { return !w.data_done; });
    if (wb == writes_.end()) {
      violation("W beat accepted with no write burst open");
    } else {
      const uint64_t addr = wb->req.addr + uint64_t{wb->beats} * cfg_.bus_bytes;
      if (wb->answered) {
        const size_t at = size_t{wb->beats} * cfg_.bus_bytes;
        std::memcpy(wb->answered->data.data() + at, m.wdata.data(), cfg_.bus_bytes);
        for (uint32_t i = 0; i < cfg_.bus_bytes; ++i) {
          wb->answered->strobes[at + i] = m.strobe(i) ? 0xff : 0x00;
          stats_.write_bytes += m.strobe(i);
        }
      } else {
        const uint32_t resp = resp_for(addr, false);
        if (resp == kOkay) {
          uint8_t* p = mem_->at(addr);
          for (uint32_t i = 0; i < cfg_.bus_bytes; ++i)
            if (m.strobe(i)) {
              p[i] = m.wdata[i];
              ++stats_.write_bytes;
            }
        }
        wb->resp = std::max(wb->resp, resp);
      }
      const bool last = wb->beats == wb->req.len;
      if (m.wlast != last)
        violation(fmt::format("WLAST={} on beat {} of a {}-beat burst at 0x{:x}", m.wlast, wb->beats,
                              wb->req.len + 1, wb->req.addr));
      ++stats_.write_beats;
      if (++wb->beats > wb->req.len) {
        wb->data_done = true;
        wb->done_cycle = now_ + cfg_.write_latency;
        if (wb->answered) responder_->write(wb->answered, now_);
      }
    }
    if (limited) tokens_ -= cfg_.bus_bytes;
  }
  if (aw_fire) {
    check_request("AW", m.aw);
    writes_.push_back({m.aw, 0, kOkay, 0, false, nullptr});
    if (responder_) {
      auto b = std::make_shared<Burst>();
      b->req = m.aw;
      b->bus_bytes = cfg_.bus_bytes;
      b->data.assign(size_t{b->beats()} * cfg_.bus_bytes, 0);
      b->strobes.assign(b->data.size(), 0);
      b->resp.assign(1, kOkay);
      b->ready_cycle.assign(1, Burst::kNotYet);
      writes_.back().answered = b;
    }
    ++stats_.write_bursts;
  }
  if (b_fire) writes_.pop_front();

  prev_m_ = m;
  prev_s_ = s;
  ++now_;
  ++stats_.cycles;
  if (limited) tokens_ = std::min(tokens_ + cfg_.bytes_per_cycle, 2.0 * cfg_.bus_bytes + cfg_.bytes_per_cycle);

  // ---- outputs for the next cycle
  s.arready = reads_.size() < cfg_.max_reads && chance();
  const uint32_t open_writes = static_cast<uint32_t>(writes_.size());
  s.awready = open_writes < cfg_.max_writes && chance();
  const bool w_open = std::any_of(writes_.begin(), writes_.end(), [](const WriteBurst& w) { return !w.data_done; });
  s.wready = w_open && (!limited || tokens_ >= cfg_.bus_bytes) && chance();

  if (!(s.rvalid && !r_fire)) {  // not holding an unaccepted beat: maybe present the next one
    s.rvalid = false;
    if (!reads_.empty() && !frozen_ && read_ready(reads_.front()) && (!limited || tokens_ >= cfg_.bus_bytes) &&
        chance()) {
      const ReadBurst& rb = reads_.front();
      const uint64_t addr = rb.req.addr + uint64_t{rb.beat} * cfg_.bus_bytes;
      s.rvalid = true;
      s.rid = rb.req.id;
      s.rlast = rb.beat == rb.req.len;
      if (rb.answered) {
        s.rresp = rb.answered->resp[rb.beat];
        std::memcpy(s.rdata.data(), rb.answered->data.data() + size_t{rb.beat} * cfg_.bus_bytes, cfg_.bus_bytes);
      } else {
        s.rresp = resp_for(addr, true);
        if (s.rresp == kOkay) std::memcpy(s.rdata.data(), mem_->at(addr), cfg_.bus_bytes);
        else std::memset(s.rdata.data(), 0, cfg_.bus_bytes);
      }
      if (limited) tokens_ -= cfg_.bus_bytes;
    }
  }
  if (!(s.bvalid && !b_fire)) {
    s.bvalid = false;
    if (!writes_.empty() && writes_.front().data_done && !frozen_ && write_ready(writes_.front()) && chance()) {
      const WriteBurst& wb = writes_.front();
      s.bvalid = true;
      s.bid = wb.req.id;
      s.bresp = wb.answered ? wb.answered->resp[0] : wb.resp;
    }
  }
}

}  // namespace trit::sim
