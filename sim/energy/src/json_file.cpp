#include "json_file.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "trit/energy/errors.hpp"

namespace trit::energy {

std::string read_text_file(const std::string& path, std::string_view what) {
  std::ifstream in(path);
  if (!in) throw EnergyError(fmt::format("{}: cannot open the {}", path, what));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json parse_json(std::string_view text, const std::string& origin) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw EnergyError(fmt::format("{}: not valid JSON: {}", origin, e.what()));
  }
}

}  // namespace trit::energy
