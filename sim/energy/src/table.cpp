#include "trit/energy/table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "json_file.hpp"
#include "trit/energy/errors.hpp"

#ifndef TRIT_ENERGY_TABLE_DIR
#define TRIT_ENERGY_TABLE_DIR ""
#endif

namespace trit::energy {

namespace {

struct KeyInfo {
  std::string_view name;
  std::string_view unit;
};
constexpr KeyInfo kKeys[] = {
    {"add_int8_pj", "pJ"},
    {"add_int32_pj", "pJ"},
    {"mul_int8_pj", "pJ"},
    {"reg_bit_pj", "pJ"},
    {"zero_skip_pj", "pJ"},
    {"sram_write_factor", "ratio"},
    {"sram_macro_bytes", "bytes"},
    {"dram_read_pj_per_bit", "pJ/bit"},
    {"dram_write_pj_per_bit", "pJ/bit"},
    {"dram_background_w", "W"},
    {"control_pj_per_busy_cycle", "pJ"},
    {"axi_burst_pj", "pJ"},
    {"static_w", "W"},
};
static_assert(std::size(kKeys) == kNumKeys, "one KeyInfo per Key");

[[noreturn]] void fail(const std::string& origin, const std::string& where, const std::string& what) {
  throw EnergyError(fmt::format("{}: {}: {}", origin, where, what));
}

bool is_comment(const std::string& key) { return !key.empty() && key[0] == '_'; }

// A number >= 0 (or > 0), finite.
double number(const nlohmann::json& j, const std::string& origin, const std::string& where, bool positive) {
  if (!j.is_number()) fail(origin, where, fmt::format("must be a number, not {}", j.dump()));
  const double v = j.get<double>();
  if (!std::isfinite(v)) fail(origin, where, "must be finite");
  if (positive ? !(v > 0) : v < 0)
    fail(origin, where, fmt::format("must be {}, not {}", positive ? "positive" : "zero or positive", v));
  return v;
}

std::string source(const nlohmann::json& j, const std::string& origin, const std::string& where) {
  if (!j.contains("source")) fail(origin, where + ".source", "missing: every number needs its source");
  const auto& s = j["source"];
  if (!s.is_string() || s.get<std::string>().find_first_not_of(" \t\n") == std::string::npos)
    fail(origin, where + ".source", "must be a non-empty string");
  return s.get<std::string>();
}

void unit(const nlohmann::json& j, const std::string& origin, const std::string& where, std::string_view want) {
  if (!j.contains("unit")) fail(origin, where + ".unit", fmt::format("missing (expected \"{}\")", want));
  if (!j["unit"].is_string() || j["unit"].get<std::string>() != want)
    fail(origin, where + ".unit", fmt::format("must be \"{}\", not {}", want, j["unit"].dump()));
}

void only_keys(const nlohmann::json& j, std::initializer_list<std::string_view> allowed, const std::string& origin,
               const std::string& where) {
  for (const auto& [k, v] : j.items()) {
    (void)v;
    if (is_comment(k)) continue;
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      fail(origin, where.empty() ? k : where + "." + k, "unknown key");
  }
}

}  // namespace

std::string_view key_name(Key k) { return kKeys[static_cast<unsigned>(k)].name; }
std::string_view key_unit(Key k) { return kKeys[static_cast<unsigned>(k)].unit; }

std::optional<Key> key_from_name(std::string_view name) {
  for (unsigned i = 0; i < kNumKeys; ++i)
    if (kKeys[i].name == name) return static_cast<Key>(i);
  return std::nullopt;
}

void Table::validate() const {
  const std::string origin = path.empty() ? (name.empty() ? std::string("table") : name) : path;
  for (unsigned i = 0; i < kNumKeys; ++i) {
    const Entry& e = entries[i];
    const std::string where = fmt::format("entries.{}", kKeys[i].name);
    if (!std::isfinite(e.value) || e.value < 0) fail(origin, where, fmt::format("must be finite and >= 0, not {}", e.value));
    if (e.source.find_first_not_of(" \t\n") == std::string::npos) fail(origin, where + ".source", "must not be empty");
  }
  if (sram.empty()) fail(origin, "sram_read_64b", "needs at least one point");
  for (size_t i = 0; i < sram.size(); ++i) {
    const std::string where = fmt::format("sram_read_64b[{}]", i);
    if (!(sram[i].bytes > 0) || !std::isfinite(sram[i].bytes)) fail(origin, where + ".bytes", "must be positive");
    if (!(sram[i].pj > 0) || !std::isfinite(sram[i].pj)) fail(origin, where + ".value", "must be positive");
    if (i > 0 && !(sram[i].bytes > sram[i - 1].bytes))
      fail(origin, where + ".bytes", "sizes must increase strictly from point to point");
    if (sram[i].source.find_first_not_of(" \t\n") == std::string::npos) fail(origin, where + ".source", "must not be empty");
  }
}

Table parse_table(std::string_view json_text, const std::string& origin) {
  const nlohmann::json j = parse_json(json_text, origin);
  if (!j.is_object()) fail(origin, "(top level)", "must be a JSON object");
  only_keys(j, {"name", "description", "entries", "sram_read_64b"}, origin, "");

  Table t;
  t.path = origin;
  if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty())
    fail(origin, "name", "missing or not a non-empty string");
  t.name = j["name"].get<std::string>();
  if (j.contains("description")) {
    if (!j["description"].is_string()) fail(origin, "description", "must be a string");
    t.description = j["description"].get<std::string>();
  }

  if (!j.contains("entries") || !j["entries"].is_object()) fail(origin, "entries", "missing or not an object");
  const auto& entries = j["entries"];
  for (const auto& [k, v] : entries.items()) {
    (void)v;
    if (!is_comment(k) && !key_from_name(k)) fail(origin, "entries." + k, "unknown key");
  }
  for (unsigned i = 0; i < kNumKeys; ++i) {
    const std::string key(kKeys[i].name), where = "entries." + key;
    if (!entries.contains(key)) fail(origin, where, "missing");
    const auto& e = entries[key];
    if (!e.is_object()) fail(origin, where, "must be an object {\"value\", \"unit\", \"source\"}");
    only_keys(e, {"value", "unit", "source"}, origin, where);
    if (!e.contains("value")) fail(origin, where + ".value", "missing");
    t.entries[i].value = number(e["value"], origin, where + ".value", false);
    unit(e, origin, where, kKeys[i].unit);
    t.entries[i].source = source(e, origin, where);
  }

  if (!j.contains("sram_read_64b") || !j["sram_read_64b"].is_array())
    fail(origin, "sram_read_64b", "missing or not an array of {\"bytes\", \"value\", \"unit\", \"source\"}");
  const auto& pts = j["sram_read_64b"];
  if (pts.empty()) fail(origin, "sram_read_64b", "needs at least one point");
  for (size_t i = 0; i < pts.size(); ++i) {
    const std::string where = fmt::format("sram_read_64b[{}]", i);
    const auto& p = pts[i];
    if (!p.is_object()) fail(origin, where, "must be an object");
    only_keys(p, {"bytes", "value", "unit", "source"}, origin, where);
    if (!p.contains("bytes")) fail(origin, where + ".bytes", "missing");
    if (!p.contains("value")) fail(origin, where + ".value", "missing");
    SramPoint sp;
    sp.bytes = number(p["bytes"], origin, where + ".bytes", true);
    sp.pj = number(p["value"], origin, where + ".value", true);
    unit(p, origin, where, "pJ");
    sp.source = source(p, origin, where);
    if (!t.sram.empty() && !(sp.bytes > t.sram.back().bytes))
      fail(origin, where + ".bytes", "sizes must increase strictly from point to point");
    t.sram.push_back(std::move(sp));
  }
  t.validate();
  return t;
}

Table load_table(const std::string& path) { return parse_table(read_text_file(path, "energy table"), path); }

std::vector<std::string> table_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("TRIT_ENERGY_TABLES")) {
    std::string s(env);
    size_t start = 0;
    while (start <= s.size()) {
      const size_t end = s.find(':', start);
      const std::string d = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!d.empty()) dirs.push_back(d);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  if (std::string(TRIT_ENERGY_TABLE_DIR).size()) dirs.emplace_back(TRIT_ENERGY_TABLE_DIR);
  return dirs;
}

std::vector<std::string> table_names() {
  std::vector<std::string> names;
  for (const auto& d : table_dirs()) {
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(d, ec))
      if (f.path().extension() == ".json") names.push_back(f.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

Table find_table(const std::string& name_or_path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(name_or_path, ec)) return load_table(name_or_path);
  if (name_or_path.find('/') == std::string::npos)
    for (const auto& d : table_dirs()) {
      const auto p = std::filesystem::path(d) / (name_or_path + ".json");
      if (std::filesystem::is_regular_file(p, ec)) return load_table(p.string());
    }
  std::string names;
  for (const auto& n : table_names()) names += fmt::format("{}{}", names.empty() ? "" : ", ", n);
  throw EnergyError(fmt::format("no energy table '{}': not a file, and not a table name (tables: {})", name_or_path,
                                names.empty() ? "none found" : names));
}

}  // namespace trit::energy
