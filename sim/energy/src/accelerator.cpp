#include "trit/energy/accelerator.hpp"

#include <bit>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "trit/energy/errors.hpp"

namespace trit::energy {

namespace {
struct NamedAccelerator {
  const char* name;
  Accelerator acc;
};
// Generated from rtl/configs.json by sim/energy/CMakeLists.txt: {"name", {{R, C, V, B, k_max,
// addr_bits, max_burst}, weight_fifo_beats, clock_hz, 0}},
const NamedAccelerator kNamed[] = {
#include "energy_configs.inc"
};
}  // namespace

uint64_t Accelerator::actbuf_row_bytes() const {
  const uint64_t beats = array.k_max / array.bus_bytes;
  return 2 * std::bit_ceil(std::max<uint64_t>(beats, 1)) * array.bus_bytes;
}

void Accelerator::validate() const {
  try {
    array.validate();
  } catch (const std::runtime_error& e) {  // driver::ConfigError: only config.hpp is included here
    throw EnergyError(e.what());
  }
  if (weight_fifo_beats < 1)
    throw EnergyError(fmt::format("{}: weight FIFO depth must be at least one beat", array.name()));
  if (!std::isfinite(clock_hz) || clock_hz < 0)
    throw EnergyError(fmt::format("{}: clock must be finite and >= 0 Hz, not {}", array.name(), clock_hz));
  if (act_read_word_bytes != 0 && (act_read_word_bytes < array.lanes || act_read_word_bytes > array.bus_bytes))
    throw EnergyError(fmt::format("{}: activation read width {} bytes outside V..B ({}..{})", array.name(),
                                  act_read_word_bytes, array.lanes, array.bus_bytes));
}

std::vector<std::string> accelerator_names() {
  std::vector<std::string> names;
  for (const auto& n : kNamed) names.emplace_back(n.name);
  return names;
}

Accelerator named_accelerator(std::string_view name) {
  for (const auto& n : kNamed)
    if (name == n.name) return n.acc;
  std::string names;
  for (const auto& n : kNamed) names += fmt::format("{}{}", names.empty() ? "" : ", ", n.name);
  throw EnergyError(fmt::format("no configuration '{}' in rtl/configs.json (configurations: {})", name, names));
}

Accelerator accelerator_from_name(std::string_view name_or_shape) {
  for (const auto& n : kNamed)
    if (name_or_shape == n.name) return n.acc;
  Accelerator a;
  try {
    a.array = driver::ArrayConfig::from_name(name_or_shape);
  } catch (const std::runtime_error& e) {  // driver::ConfigError
    std::string names;
    for (const auto& n : kNamed) names += fmt::format("{}{}", names.empty() ? "" : ", ", n.name);
    throw EnergyError(fmt::format("{} (named configurations: {})", e.what(), names));
  }
  return a;
}

}  // namespace trit::energy
