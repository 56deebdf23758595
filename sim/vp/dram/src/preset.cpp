// DRAM presets: the JSON files of sim/vp/presets (layout in include/trit/vp/dram.hpp), their
// lookup by name, and the consistency rules every DramTiming must meet.

#include <algorithm>
#include <map>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "trit/vp/dram.hpp"

#ifndef TRIT_DRAM_PRESET_DIR
#define TRIT_DRAM_PRESET_DIR ""
#endif

namespace trit::vp {

namespace {

// The numeric keys, in file order, with the member each one fills.
struct NumericKey {
  std::string_view name;
  std::string_view unit;
  uint32_t DramTiming::*member;
  bool zero_ok;
};
const NumericKey kNumeric[] = {
    {"tck_ps", "ps", &DramTiming::tck_ps, false},
    {"data_bits", "bits", &DramTiming::data_bits, false},
    {"burst_length", "beats", &DramTiming::burst_length, false},
    {"bank_groups", "count", &DramTiming::bank_groups, false},
    {"banks_per_group", "count", &DramTiming::banks_per_group, false},
    {"rows", "count", &DramTiming::rows, false},
    {"row_bytes", "bytes", &DramTiming::row_bytes, false},
    {"tCL", "nCK", &DramTiming::tCL, false},
    {"tCWL", "nCK", &DramTiming::tCWL, false},
    {"tRCD", "nCK", &DramTiming::tRCD, false},
    {"tRP", "nCK", &DramTiming::tRP, false},
    {"tRAS", "nCK", &DramTiming::tRAS, false},
    {"tRC", "nCK", &DramTiming::tRC, false},
    {"tWR", "nCK", &DramTiming::tWR, false},
    {"tWTR_S", "nCK", &DramTiming::tWTR_S, false},
    {"tWTR_L", "nCK", &DramTiming::tWTR_L, false},
    {"tRTP", "nCK", &DramTiming::tRTP, false},
    {"tCCD_S", "nCK", &DramTiming::tCCD_S, false},
    {"tCCD_L", "nCK", &DramTiming::tCCD_L, false},
    {"tRRD_S", "nCK", &DramTiming::tRRD_S, false},
    {"tRRD_L", "nCK", &DramTiming::tRRD_L, false},
    {"tFAW", "nCK", &DramTiming::tFAW, false},
    {"tRTW", "nCK", &DramTiming::tRTW, false},
    {"tREFI", "nCK", &DramTiming::tREFI, false},
    {"tRFC", "nCK", &DramTiming::tRFC, false},
    {"controller_latency_ps", "ps", &DramTiming::controller_latency_ps, true},
};
constexpr std::string_view kMappingKey = "address_mapping";
constexpr std::string_view kPolicyKey = "page_policy";

constexpr std::pair<AddressMapping, std::string_view> kMappings[] = {
    {AddressMapping::row_bank_column, "row-bank-column"},
    {AddressMapping::row_bank_column_bg, "row-bank-column-bg"},
    {AddressMapping::row_column_bank, "row-column-bank"},
};
constexpr std::pair<PagePolicy, std::string_view> kPolicies[] = {
    {PagePolicy::open, "open"},
    {PagePolicy::closed, "closed"},
};

// "a, b, c" of the spellings of an enum table.
template <typename Table>
std::string spellings(const Table& table) {
  std::string s;
  for (const auto& [value, text] : table) s += fmt::format("{}{}", s.empty() ? "" : ", ", text);
  return s;
}

[[noreturn]] void fail(const std::string& origin, std::string_view key, const std::string& what) {
  throw DramConfigError(fmt::format("{}: parameters.{}: {}", origin, key, what));
}

bool is_comment(const std::string& key) { return !key.empty() && key.front() == '_'; }

// One parameter object {"value", "unit" (numbers only), "source"}; returns its value.
const nlohmann::json& parameter(const nlohmann::json& params, std::string_view key, std::string_view unit,
                                std::string& source, const std::string& origin) {
  const std::string k(key);
  if (!params.contains(k)) fail(origin, key, "missing");
  const auto& e = params[k];
  if (!e.is_object()) fail(origin, key, "must be an object {\"value\", \"unit\", \"source\"}");
  for (const auto& [name, v] : e.items()) {
    (void)v;
    const bool allowed = name == "value" || name == "source" || (name == "unit" && !unit.empty());
    if (!allowed && !is_comment(name)) fail(origin, fmt::format("{}.{}", key, name), "unknown key");
  }
  if (!e.contains("value")) fail(origin, fmt::format("{}.value", key), "missing");
  if (!unit.empty()) {
    if (!e.contains("unit")) fail(origin, fmt::format("{}.unit", key), fmt::format("missing (expected \"{}\")", unit));
    if (!e["unit"].is_string() || e["unit"].get<std::string>() != unit)
      fail(origin, fmt::format("{}.unit", key), fmt::format("must be \"{}\", not {}", unit, e["unit"].dump()));
  }
  if (!e.contains("source") || !e["source"].is_string() ||
      e["source"].get<std::string>().find_first_not_of(" \t\n") == std::string::npos)
    fail(origin, fmt::format("{}.source", key), "missing or empty: every parameter needs its source");
  source = e["source"].get<std::string>();
  return e["value"];
}

// A string parameter that must be one of the spellings of `table`; records its source.
template <typename Value, size_t N>
Value choice(const nlohmann::json& params, std::string_view key, const std::pair<Value, std::string_view> (&table)[N],
             std::string_view what, std::map<std::string, std::string>& sources, const std::string& origin) {
  std::string source;
  const auto& v = parameter(params, key, "", source, origin);
  for (const auto& [value, text] : table)
    if (v.is_string() && v.get<std::string>() == text) {
      sources.emplace(key, source);
      return value;
    }
  fail(origin, fmt::format("{}.value", key),
       fmt::format("unknown {} {} (one of: {})", what, v.dump(), spellings(table)));
}

uint32_t whole_number(const nlohmann::json& v, const NumericKey& k, const std::string& origin) {
  const std::string where = fmt::format("{}.value", k.name);
  if (!v.is_number()) fail(origin, where, fmt::format("must be a number, not {}", v.dump()));
  if (!v.is_number_integer()) fail(origin, where, fmt::format("must be a whole number, not {}", v.dump()));
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > std::numeric_limits<uint32_t>::max()) fail(origin, where, fmt::format("{} is too large", u));
    if (u == 0 && !k.zero_ok) fail(origin, where, "must be positive, not 0");
    return static_cast<uint32_t>(u);
  }
  fail(origin, where, fmt::format("must be {}, not {}", k.zero_ok ? "zero or positive" : "positive", v.dump()));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DramConfigError(fmt::format("{}: cannot open the DRAM preset", path));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

nlohmann::json parse_json(std::string_view text, const std::string& origin) try {
  return nlohmann::json::parse(text);
} catch (const nlohmann::json::parse_error& e) {
  throw DramConfigError(fmt::format("{}: not valid JSON: {}", origin, e.what()));
}

// TRIT_DRAM_PRESETS (colon-separated) first, then the presets shipped in the source tree.
std::vector<std::filesystem::path> preset_dirs() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("TRIT_DRAM_PRESETS")) {
    std::istringstream list(env);
    for (std::string dir; std::getline(list, dir, ':');)
      if (!dir.empty()) dirs.emplace_back(dir);
  }
  if (*TRIT_DRAM_PRESET_DIR) dirs.emplace_back(TRIT_DRAM_PRESET_DIR);
  return dirs;
}

// Every <name>.json of the preset directories, by name; where two directories hold the same name,
// the one searched first wins.
std::map<std::string, std::string> preset_files() {
  std::map<std::string, std::string> files;
  for (const auto& dir : preset_dirs()) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.path().extension() == ".json" && entry.is_regular_file(ec))
        files.emplace(entry.path().stem().string(), entry.path().string());
  }
  return files;
}

}  // namespace

std::string_view to_string(AddressMapping m) {
  for (const auto& [value, text] : kMappings)
    if (value == m) return text;
  return "?";
}

std::string_view to_string(PagePolicy p) {
  for (const auto& [value, text] : kPolicies)
    if (value == p) return text;
  return "?";
}

std::optional<AddressMapping> parse_address_mapping(std::string_view s) {
  for (const auto& [value, text] : kMappings)
    if (text == s) return value;
  return std::nullopt;
}

std::optional<PagePolicy> parse_page_policy(std::string_view s) {
  for (const auto& [value, text] : kPolicies)
    if (text == s) return value;
  return std::nullopt;
}

const std::vector<PresetKey>& preset_keys() {
  static const std::vector<PresetKey> keys = [] {
    std::vector<PresetKey> v;
    for (const auto& k : kNumeric) v.push_back({k.name, k.unit});
    v.push_back({kMappingKey, ""});
    v.push_back({kPolicyKey, ""});
    return v;
  }();
  return keys;
}

void DramTiming::validate(const std::string& origin) const {
  const std::string o = !origin.empty() ? origin : !name.empty() ? name : std::string("DramTiming");
  for (const auto& k : kNumeric)
    if (this->*k.member == 0 && !k.zero_ok) fail(o, k.name, "must be positive, not 0");
  if (data_bits % 8 != 0) fail(o, "data_bits", fmt::format("must be a multiple of 8, not {}", data_bits));
  if (burst_length % 2 != 0)
    fail(o, "burst_length", fmt::format("must be even (two beats per clock), not {}", burst_length));
  const uint32_t bb = burst_bytes();
  if ((bb & (bb - 1)) != 0)
    fail(o, "burst_length",
         fmt::format("a burst of data_bits / 8 x burst_length = {} bytes is not a power of two", bb));
  if (row_bytes % bb != 0)
    fail(o, "row_bytes", fmt::format("{} is not a whole number of {}-byte bursts", row_bytes, bb));
  if (uint64_t{tRC} < uint64_t{tRAS} + tRP)
    fail(o, "tRC", fmt::format("{} is less than tRAS + tRP = {} + {}", tRC, tRAS, tRP));
  auto at_least = [&o](std::string_view long_key, uint32_t long_value, std::string_view short_key,
                       uint32_t short_value) {
    if (long_value < short_value)
      fail(o, long_key, fmt::format("{} is less than {} = {}", long_value, short_key, short_value));
  };
  at_least("tCCD_L", tCCD_L, "tCCD_S", tCCD_S);
  at_least("tRRD_L", tRRD_L, "tRRD_S", tRRD_S);
  at_least("tWTR_L", tWTR_L, "tWTR_S", tWTR_S);
  if (tRFC >= tREFI) fail(o, "tRFC", fmt::format("{} is not less than tREFI = {}", tRFC, tREFI));
}

DramTiming parse_preset(std::string_view json_text, const std::string& origin) {
  const nlohmann::json j = parse_json(json_text, origin);
  auto top = [&origin](std::string_view key, const std::string& what) {
    throw DramConfigError(fmt::format("{}: {}: {}", origin, key, what));
  };
  if (!j.is_object()) top("(top level)", "must be a JSON object");
  for (const auto& [k, v] : j.items()) {
    (void)v;
    if (!is_comment(k) && k != "name" && k != "description" && k != "parameters") top(k, "unknown key");
  }
  DramTiming t;
  if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty())
    top("name", "missing or not a non-empty string");
  t.name = j["name"].get<std::string>();
  if (j.contains("description")) {
    if (!j["description"].is_string()) top("description", "must be a string");
    t.description = j["description"].get<std::string>();
  }
  if (!j.contains("parameters") || !j["parameters"].is_object()) top("parameters", "missing or not an object");
  const auto& params = j["parameters"];
  for (const auto& [k, v] : params.items()) {
    (void)v;
    const auto& keys = preset_keys();
    const bool known = std::any_of(keys.begin(), keys.end(), [&k](const PresetKey& p) { return p.name == k; });
    if (!known && !is_comment(k)) fail(origin, k, "unknown key");
  }

  std::string source;
  for (const auto& k : kNumeric) {
    const auto& v = parameter(params, k.name, k.unit, source, origin);
    t.*k.member = whole_number(v, k, origin);
    t.sources.emplace(k.name, source);
  }
  t.address_mapping = choice(params, kMappingKey, kMappings, "address mapping", t.sources, origin);
  t.page_policy = choice(params, kPolicyKey, kPolicies, "page policy", t.sources, origin);

  t.validate(origin);
  return t;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& [name, file] : preset_files()) names.push_back(name);
  return names;
}

DramTiming load_preset(const std::string& path_or_name) {
  const bool is_path =
      path_or_name.find('/') != std::string::npos || std::filesystem::path(path_or_name).extension() == ".json";
  if (is_path) return parse_preset(read_text(path_or_name), path_or_name);
  const auto files = preset_files();
  if (const auto it = files.find(path_or_name); it != files.end())
    return parse_preset(read_text(it->second), it->second);

  std::string dirs, names;
  for (const auto& dir : preset_dirs()) dirs += fmt::format("{}{}", dirs.empty() ? "" : ", ", dir.string());
  for (const auto& [name, file] : files) names += fmt::format("{}{}", names.empty() ? "" : ", ", name);
  throw DramConfigError(fmt::format("no DRAM preset '{}' in {} (presets: {})", path_or_name,
                                    dirs.empty() ? "no directory" : dirs, names.empty() ? "none" : names));
}

}  // namespace trit::vp
