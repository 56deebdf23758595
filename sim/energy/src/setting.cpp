#include "trit/energy/setting.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "json_file.hpp"
#include "trit/energy/errors.hpp"

#ifndef TRIT_ENERGY_SETTINGS
#define TRIT_ENERGY_SETTINGS ""
#endif

namespace trit::energy {

Accelerator Setting::accelerator() const {
  Accelerator a = accelerator_from_name(config);
  a.clock_hz = clock_hz;
  return a;
}

std::string default_settings_path() { return TRIT_ENERGY_SETTINGS; }

std::vector<Setting> load_settings(const std::string& path) {
  const nlohmann::json j = read_json_file(path, "settings file");
  if (!j.is_object()) throw EnergyError(fmt::format("{}: must be an object of settings", path));
  std::vector<Setting> out;
  for (const auto& item : j.items()) {
    // Named locals, not a structured binding: clang 14 cannot capture those in the lambda below.
    const std::string name = item.key();
    const nlohmann::json& v = item.value();
    if (!name.empty() && name[0] == '_') continue;
    auto need_string = [&](const char* key) {
      if (!v.is_object() || !v.contains(key) || !v[key].is_string() || v[key].get<std::string>().empty())
        throw EnergyError(fmt::format("{}: {}.{}: missing or not a non-empty string", path, name, key));
      return v[key].get<std::string>();
    };
    Setting s;
    s.name = name;
    s.table = need_string("table");
    s.config = need_string("config");
    if (v.contains("description") && v["description"].is_string()) s.description = v["description"].get<std::string>();
    if (!v.contains("clock_mhz") || !v["clock_mhz"].is_number() || !(v["clock_mhz"].get<double>() > 0) ||
        !std::isfinite(v["clock_mhz"].get<double>()))
      throw EnergyError(fmt::format("{}: {}.clock_mhz: missing or not a positive number", path, name));
    s.clock_hz = v["clock_mhz"].get<double>() * 1e6;
    out.push_back(std::move(s));
  }
  return out;
}

Setting find_setting(const std::string& name, const std::string& path) {
  const auto all = load_settings(path);
  for (const auto& s : all)
    if (s.name == name) return s;
  std::string names;
  for (const auto& s : all) names += fmt::format("{}{}", names.empty() ? "" : ", ", s.name);
  throw EnergyError(fmt::format("no setting '{}' in {} (settings: {})", name, path, names));
}

}  // namespace trit::energy
