#pragma once
// The configurations this trit-vp was built with (sim/vp/CMakeLists.txt generates the list) and
// the memory timing models it can be given.

#include <memory>
#include <string>
#include <string_view>

#include "platform.hpp"
#include "trit/driver/config.hpp"

namespace trit::vp {

struct VpConfig {
  const char* name;
  driver::ArrayConfig config;
  std::unique_ptr<Platform> (*make)(const PlatformOptions&);
};

// The named configuration, or the first one built for an empty name; null if not built.
const VpConfig* find_config(std::string_view name);
std::string config_names();

// The DRAM model of a preset (a name of sim/vp/presets or a JSON file) as the memory target's
// timing, at the platform's clock `period`.
std::shared_ptr<MemoryTiming> make_dram_timing(const std::string& preset, const sc_core::sc_time& period);

}  // namespace trit::vp
