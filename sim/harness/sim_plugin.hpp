#pragma once
// A Verilated configuration as a loadable module (trit-sim-<config>.so), so that a program linked
// with only the test configurations (trit, trit-selftest, ...) can run a bench configuration as
// soon as its model is built, without being rebuilt. The module exports one C symbol,
// trit_sim_plugin(), returning this record. Module and loader come from the same build tree; the
// build id (compiler, register map version, size of the options crossing the boundary) makes a
// module from another build fail loudly instead of misbehaving.

#include <cstdint>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "sim_options.hpp"
#include "trit/driver/backend.hpp"
#include "trit/driver/config.hpp"
#include "trit/regs.hpp"

namespace trit::sim {

inline constexpr const char* kSimPluginSymbol = "trit_sim_plugin";

// Computed on both sides of the boundary from the headers each was compiled with.
inline std::string sim_plugin_build_id() {
  return fmt::format("trit-sim-plugin/1 regmap {}.{} options {} config {} compiler {}", regs::kVersionMajor,
                     regs::kVersionMinor, sizeof(SimOptions), sizeof(driver::ArrayConfig), __VERSION__);
}

struct SimPlugin {
  const char* build_id;  // sim_plugin_build_id() of the module's build
  const char* config;    // "r8c20v16b512"
  driver::ArrayConfig array;
  std::unique_ptr<driver::Backend> (*make)(const SimOptions&);
};

using SimPluginEntry = const SimPlugin* (*)();

}  // namespace trit::sim
