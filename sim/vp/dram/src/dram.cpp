// The DRAM timing model: the rules are stated in include/trit/vp/dram.hpp and docs/dram.md.
//
// Each column access is planned (plan(): the earliest PRE / ACT / CAS its constraints allow,
// nothing changed) and then committed (commit(): the bank, the rank-wide "earliest next" times and
// the counts move on). Every constraint is kept as the earliest time the next command of its kind
// may be issued, so a fresh model (all zero) constrains nothing.

#include "trit/vp/dram.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace trit::vp {

DramModel::DramModel(const DramTiming& timing) : t_(timing) {
  t_.validate();
  banks_.resize(t_.banks());
  act_ready_bg_ps_.assign(t_.bank_groups, 0);
  cas_ready_bg_ps_.assign(t_.bank_groups, 0);
  read_ready_bg_ps_.assign(t_.bank_groups, 0);
  next_refresh_ps_ = ps(t_.tREFI);
}

// ---- address mapping -------------------------------------------------------------------------
// The burst index (address / burst bytes) is a number whose digits are the fields; each mapping is
// an order of the fields below the row, least significant first.

namespace {

enum class Field { bank_group, bank, column };

std::array<Field, 3> field_order(AddressMapping m) {
  switch (m) {
    case AddressMapping::row_bank_column:
      return {Field::column, Field::bank_group, Field::bank};
    case AddressMapping::row_bank_column_bg:
      return {Field::bank_group, Field::column, Field::bank};
    case AddressMapping::row_column_bank:
      break;
  }
  return {Field::bank_group, Field::bank, Field::column};
}

uint32_t radix(const DramTiming& t, Field f) {
  return f == Field::bank_group ? t.bank_groups : f == Field::bank ? t.banks_per_group : t.row_bytes / t.burst_bytes();
}

uint32_t& digit(DramAddress& a, Field f) {
  return f == Field::bank_group ? a.bank_group : f == Field::bank ? a.bank : a.column;
}

}  // namespace

DramAddress DramModel::decode(uint64_t addr) const {
  uint64_t u = addr / t_.burst_bytes();
  DramAddress a;
  for (Field f : field_order(t_.address_mapping)) {
    digit(a, f) = static_cast<uint32_t>(u % radix(t_, f));
    u /= radix(t_, f);
  }
  a.row = static_cast<uint32_t>(u % t_.rows);
  return a;
}

uint64_t DramModel::address_of(const DramAddress& a) const {
  DramAddress fields = a;
  uint64_t u = a.row % t_.rows;
  const auto order = field_order(t_.address_mapping);
  for (auto f = order.rbegin(); f != order.rend(); ++f) u = u * radix(t_, *f) + digit(fields, *f) % radix(t_, *f);
  return u * t_.burst_bytes();
}

// ---- scheduling --------------------------------------------------------------------------------

DramModel::Plan DramModel::plan(const DramAddress& a, bool write, uint64_t arrival_ps) const {
  const Bank& b = bank(a);
  Plan p;
  uint64_t cas = arrival_ps;
  if (b.open && b.row == a.row) {
    p.row_case = RowCase::hit;
    cas = std::max(cas, b.cas_ready_ps);
  } else {
    uint64_t act = std::max({arrival_ps, b.act_ready_ps, act_ready_ps_, act_ready_bg_ps_[a.bank_group],
                             faw_ps_[faw_next_]});
    if (b.open) {
      p.row_case = RowCase::conflict;
      p.pre_ps = std::max(arrival_ps, b.pre_ready_ps);
      act = std::max(act, p.pre_ps + ps(t_.tRP));
    } else {
      p.row_case = RowCase::miss;
    }
    p.act_ps = act;
    cas = act + ps(t_.tRCD);
  }
  cas = std::max({cas, cas_ready_ps_, cas_ready_bg_ps_[a.bank_group]});
  if (write)
    cas = std::max(cas, write_ready_ps_);
  else
    cas = std::max({cas, read_ready_ps_, read_ready_bg_ps_[a.bank_group]});
  // In-order data: this burst starts on the bus when the previous one has ended.
  const uint64_t latency = ps(write ? t_.tCWL : t_.tCL);
  if (bus_free_ps_ > latency) cas = std::max(cas, bus_free_ps_ - latency);
  p.cas_ps = cas;
  return p;
}

void DramModel::close_bank(Bank& b, uint64_t pre_ps) {
  b.open = false;
  b.auto_precharge = false;
  b.act_ready_ps = std::max(b.act_ready_ps, pre_ps + ps(t_.tRP));
  ++stats_.precharges;
}

uint64_t DramModel::commit(const DramAddress& a, bool write, const Plan& p) {
  Bank& b = bank(a);
  const uint32_t bg = a.bank_group;
  if (p.row_case == RowCase::hit) {
    ++stats_.row_hits;
  } else {
    if (p.row_case == RowCase::conflict) {
      ++stats_.row_conflicts;
      close_bank(b, p.pre_ps);
    } else {
      ++stats_.row_misses;
    }
    ++stats_.activates;
    b.open = true;
    b.row = a.row;
    b.cas_ready_ps = p.act_ps + ps(t_.tRCD);
    b.pre_ready_ps = p.act_ps + ps(t_.tRAS);
    b.act_ready_ps = p.act_ps + ps(t_.tRC);
    act_ready_ps_ = p.act_ps + ps(t_.tRRD_S);
    act_ready_bg_ps_[bg] = p.act_ps + ps(t_.tRRD_L);
    faw_ps_[faw_next_] = p.act_ps + ps(t_.tFAW);
    faw_next_ = (faw_next_ + 1) % 4;
  }

  const uint64_t cas = p.cas_ps;
  cas_ready_ps_ = cas + ps(t_.tCCD_S);
  cas_ready_bg_ps_[bg] = cas + ps(t_.tCCD_L);
  if (last_cas_write_ && *last_cas_write_ != write)
    ++(write ? stats_.read_write_turnarounds : stats_.write_read_turnarounds);
  last_cas_write_ = write;

  const uint64_t burst = ps(t_.burst_length / 2);
  const uint64_t data_end = cas + ps(write ? t_.tCWL : t_.tCL) + burst;
  if (write) {
    ++stats_.writes;
    b.pre_ready_ps = std::max(b.pre_ready_ps, data_end + ps(t_.tWR));
    read_ready_ps_ = std::max(read_ready_ps_, data_end + ps(t_.tWTR_S));
    read_ready_bg_ps_[bg] = std::max(read_ready_bg_ps_[bg], data_end + ps(t_.tWTR_L));
  } else {
    ++stats_.reads;
    b.pre_ready_ps = std::max(b.pre_ready_ps, cas + ps(t_.tRTP));
    write_ready_ps_ = std::max(write_ready_ps_, cas + ps(t_.tRTW));
  }
  if (t_.page_policy == PagePolicy::closed) b.auto_precharge = true;
  bus_free_ps_ = data_end;
  stats_.data_bus_busy_ps += burst;
  return data_end;
}

void DramModel::refresh(uint64_t arrival_ps) {
  // Precharge all: every open bank closes at one PREA, once the last of them allows it and not
  // before the refresh is due.
  uint64_t prea = next_refresh_ps_;
  bool any_open = false;
  for (const Bank& b : banks_)
    if (b.open) {
      any_open = true;
      prea = std::max(prea, b.pre_ready_ps);
    }
  if (any_open)
    for (Bank& b : banks_)
      if (b.open) close_bank(b, prea);
  // REF: every bank idle (tRP after its PRE, tRC after its ACT, the previous refresh over).
  uint64_t ref = next_refresh_ps_;
  for (const Bank& b : banks_) ref = std::max(ref, b.act_ready_ps);
  uint64_t end = ref + ps(t_.tRFC);
  ++stats_.refreshes;
  next_refresh_ps_ += ps(t_.tREFI);
  // An idle rank until the access arrives: the refreshes due meanwhile each start on time, so they
  // are counted in one step instead of one by one.
  if (arrival_ps >= next_refresh_ps_ && end <= next_refresh_ps_) {
    const uint64_t n = (arrival_ps - next_refresh_ps_) / ps(t_.tREFI) + 1;
    end = next_refresh_ps_ + (n - 1) * ps(t_.tREFI) + ps(t_.tRFC);
    stats_.refreshes += n;
    next_refresh_ps_ += n * ps(t_.tREFI);
  }
  for (Bank& b : banks_) b.act_ready_ps = std::max(b.act_ready_ps, end);
}

uint64_t DramModel::access(uint64_t addr, uint32_t bytes, bool write, uint64_t arrival_ps,
                           std::vector<uint64_t>& chunk_done_ps) {
  if (bytes == 0) throw std::invalid_argument("DramModel::access: an access of 0 bytes");
  if (arrival_ps < last_arrival_ps_)
    throw std::logic_error(fmt::format("DramModel::access: arrival at {} ps is before the previous arrival at {} ps "
                                       "(accesses must come in arrival order)",
                                       arrival_ps, last_arrival_ps_));
  last_arrival_ps_ = arrival_ps;
  if (!counting_) {
    counting_ = true;
    stats_.first_arrival_ps = arrival_ps;
  }
  ++stats_.accesses;

  // Commands go out on clock edges: an arrival between two edges is taken at the next one.
  const uint64_t tck = t_.tck_ps;
  const uint64_t start = (arrival_ps + tck - 1) / tck * tck;
  const uint64_t burst_bytes = t_.burst_bytes();
  const uint64_t first = addr / burst_bytes;
  const uint64_t count = (addr % burst_bytes + bytes - 1) / burst_bytes + 1;

  chunk_done_ps.clear();
  chunk_done_ps.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const DramAddress a = decode((first + i) * burst_bytes);
    Plan p = plan(a, write, start);
    while (p.cas_ps >= next_refresh_ps_) {
      refresh(start);
      p = plan(a, write, start);
    }
    chunk_done_ps.push_back(commit(a, write, p) + t_.controller_latency_ps);
  }
  if (t_.page_policy == PagePolicy::closed)
    for (Bank& b : banks_)
      if (b.auto_precharge && b.open) close_bank(b, b.pre_ready_ps);

  // CAS and data go in order, so the last burst is the latest.
  stats_.last_done_ps = std::max(stats_.last_done_ps, chunk_done_ps.back());
  return chunk_done_ps.back();
}

uint64_t DramModel::access(uint64_t addr, uint32_t bytes, bool write, uint64_t arrival_ps) {
  thread_local std::vector<uint64_t> chunks;
  return access(addr, bytes, write, arrival_ps, chunks);
}

void DramModel::reset_stats() {
  stats_ = DramStats{};
  counting_ = false;
}

double DramModel::bus_utilization() const {
  if (!counting_ || stats_.last_done_ps <= stats_.first_arrival_ps) return 0;
  return static_cast<double>(stats_.data_bus_busy_ps) /
         static_cast<double>(stats_.last_done_ps - stats_.first_arrival_ps);
}

double DramModel::peak_bytes_per_second() const {
  // data_bits / 8 bytes per beat, two beats per clock.
  return t_.data_bits / 8.0 * 2.0 / (t_.tck_ps * 1e-12);
}

}  // namespace trit::vp
