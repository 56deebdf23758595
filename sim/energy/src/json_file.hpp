#pragma once
// Reading the energy model's JSON inputs (tables, counts, settings): one place that turns a
// missing file or bad JSON into an EnergyError naming the file. Private to trit_energy.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace trit::energy {

// The whole file; EnergyError "<path>: cannot open the <what>".
std::string read_text_file(const std::string& path, std::string_view what);
// Parsed JSON; EnergyError "<origin>: not valid JSON: ...".
nlohmann::json parse_json(std::string_view text, const std::string& origin);
// Both.
inline nlohmann::json read_json_file(const std::string& path, std::string_view what) {
  return parse_json(read_text_file(path, what), path);
}

}  // namespace trit::energy
