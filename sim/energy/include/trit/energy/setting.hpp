#pragma once
// Named settings: a table, a configuration and a clock that belong together, so that "the KV260"
// or "a 7 nm ASIC" is one word on a command line (sim/energy/settings.json, docs/energy.md).

#include <string>
#include <vector>

#include "trit/energy/accelerator.hpp"
#include "trit/energy/table.hpp"

namespace trit::energy {

struct Setting {
  std::string name;         // "kv260"
  std::string description;
  std::string table;        // a table name or path (find_table)
  std::string config;       // a configuration or shape name (accelerator_from_name)
  double clock_hz = 0;

  Accelerator accelerator() const;  // the configuration at this setting's clock
  Table load_table() const { return find_table(table); }
};

// The settings file shipped in the source tree (sim/energy/settings.json).
std::string default_settings_path();
// {"<name>": {"description": .., "table": .., "config": .., "clock_mhz": ..}, ...}; errors name
// the file and the key.
std::vector<Setting> load_settings(const std::string& path = default_settings_path());
// Throws EnergyError listing the settings that exist.
Setting find_setting(const std::string& name, const std::string& path = default_settings_path());

}  // namespace trit::energy
