#include "trit/energy/counts.hpp"

#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "json_file.hpp"
#include "trit/energy/errors.hpp"

namespace trit::energy {

namespace {
using E = EventCounts;
constexpr EventCounts::Field kFields[] = {
    {"cycles", &E::cycles},
    {"busy", &E::busy},
    {"issue", &E::issue},
    {"stall_weight", &E::stall_weight},
    {"stall_act", &E::stall_act},
    {"stall_drain", &E::stall_drain},
    {"stall_write", &E::stall_write},
    {"weight_bytes", &E::weight_bytes},
    {"act_bytes", &E::act_bytes},
    {"out_bytes", &E::out_bytes},
    {"desc_bytes", &E::desc_bytes},
    {"lane_ops", &E::lane_ops},
    {"zero_skips", &E::zero_skips},
    {"descs", &E::descs},
    {"act_read_bytes", &E::act_read_bytes},
    {"wfifo_writes", &E::wfifo_writes},
    {"wfifo_reads", &E::wfifo_reads},
    {"wreg_loads", &E::wreg_loads},
    {"acc_updates", &E::acc_updates},
    {"shadow_updates", &E::shadow_updates},
    {"drain_reads", &E::drain_reads},
    {"write_beats", &E::write_beats},
    {"read_bursts", &E::read_bursts},
    {"write_bursts", &E::write_bursts},
};
// A new field that is not listed above would be silently dropped by every generic loop.
static_assert(sizeof(EventCounts) == std::size(kFields) * sizeof(uint64_t),
              "every EventCounts field must be listed in kFields");
}  // namespace

std::span<const EventCounts::Field> EventCounts::fields() { return kFields; }

EventCounts& EventCounts::operator+=(const EventCounts& o) {
  for (const Field& f : kFields) {
    const uint64_t a = this->*f.member, b = o.*f.member;
    if (a > std::numeric_limits<uint64_t>::max() - b)
      throw std::overflow_error(fmt::format("EventCounts: {} overflows ({} + {})", f.name, a, b));
    this->*f.member = a + b;
  }
  return *this;
}

EventCounts& EventCounts::operator-=(const EventCounts& o) {
  for (const Field& f : kFields)
    if (o.*f.member > this->*f.member)
      throw std::invalid_argument(fmt::format(
          "EventCounts: {} would go negative ({} - {}): snapshots in the wrong order, or the counters "
          "were cleared in between", f.name, this->*f.member, o.*f.member));
  for (const Field& f : kFields) this->*f.member -= o.*f.member;
  return *this;
}

EventCounts& EventCounts::operator*=(uint64_t n) {
  for (const Field& f : kFields) {
    const uint64_t a = this->*f.member;
    if (n != 0 && a > std::numeric_limits<uint64_t>::max() / n)
      throw std::overflow_error(fmt::format("EventCounts: {} overflows ({} x {})", f.name, a, n));
    this->*f.member = a * n;
  }
  return *this;
}

nlohmann::json to_json(const EventCounts& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& f : EventCounts::fields()) j[std::string(f.name)] = c.*f.member;
  return j;
}

EventCounts counts_from_json(const nlohmann::json& j, std::string_view origin) {
  if (!j.is_object())
    throw EnergyError(fmt::format("{}: event counts must be a JSON object of counter names, not {}", origin,
                                  j.type_name()));
  EventCounts c;
  for (const auto& [key, value] : j.items()) {
    if (!key.empty() && key[0] == '_') continue;  // comments
    const EventCounts::Field* field = nullptr;
    for (const auto& f : EventCounts::fields())
      if (f.name == key) field = &f;
    if (!field) {
      std::string known;
      for (const auto& f : EventCounts::fields()) known += fmt::format("{}{}", known.empty() ? "" : ", ", f.name);
      throw EnergyError(fmt::format("{}: unknown counter '{}' (counters: {})", origin, key, known));
    }
    if (value.is_number_unsigned()) {
      c.*field->member = value.get<uint64_t>();
    } else if (value.is_number_integer() && value.get<int64_t>() >= 0) {
      c.*field->member = static_cast<uint64_t>(value.get<int64_t>());
    } else {
      throw EnergyError(fmt::format("{}: counter '{}' must be a non-negative integer, not {}", origin, key,
                                    value.dump()));
    }
  }
  return c;
}

EventCounts load_counts(const std::string& path) { return counts_from_json(read_json_file(path, "counts file"), path); }

}  // namespace trit::energy
