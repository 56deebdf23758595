#include "params.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "trit/driver/errors.hpp"

namespace trit::driver {

const std::string* ParamReader::find(const char* key) {
  known_.insert(key);
  const auto it = params_.find(key);
  return it == params_.end() ? nullptr : &it->second;
}

void ParamReader::get(const char* key, std::string& out) {
  if (const std::string* v = find(key)) out = *v;
}

void ParamReader::get(const char* key, uint64_t& out) {
  const std::string* v = find(key);
  if (!v) return;
  const bool hex = v->size() > 2 && (*v)[0] == '0' && ((*v)[1] == 'x' || (*v)[1] == 'X');
  const char* first = v->data() + (hex ? 2 : 0);
  const char* last = v->data() + v->size();
  uint64_t x = 0;
  const auto [end, ec] = std::from_chars(first, last, x, hex ? 16 : 10);
  if (v->empty() || ec != std::errc() || end != last)
    throw ConfigError(fmt::format("{}: parameter {}={}: not an unsigned integer", backend_, key, *v));
  out = x;
}

void ParamReader::get(const char* key, uint32_t& out) {
  uint64_t x = out;
  get(key, x);
  if (x > UINT32_MAX) throw ConfigError(fmt::format("{}: parameter {}={}: too large", backend_, key, x));
  out = static_cast<uint32_t>(x);
}

void ParamReader::get(const char* key, double& out) {
  const std::string* v = find(key);
  if (!v) return;
  size_t used = 0;
  double x = 0;
  try {
    x = std::stod(*v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != v->size() || !std::isfinite(x))
    throw ConfigError(fmt::format("{}: parameter {}={}: not a number", backend_, key, *v));
  out = x;
}

void ParamReader::get(const char* key, bool& out) {
  const std::string* v = find(key);
  if (!v) return;
  if (*v == "1" || *v == "true" || *v == "on" || *v == "yes") {
    out = true;
  } else if (*v == "0" || *v == "false" || *v == "off" || *v == "no") {
    out = false;
  } else {
    throw ConfigError(fmt::format("{}: parameter {}={}: not a boolean (true/false)", backend_, key, *v));
  }
}

void ParamReader::finish() const {
  std::string unknown, known;
  for (const auto& [k, v] : params_)
    if (!known_.count(k)) unknown += fmt::format("{}{}", unknown.empty() ? "" : ", ", k);
  if (unknown.empty()) return;
  for (const std::string& k : known_) known += fmt::format("{}{}", known.empty() ? "" : ", ", k);
  throw ConfigError(fmt::format("{}: unknown parameter(s) {}; this backend takes: {}", backend_, unknown,
                                known.empty() ? "none" : known));
}

}  // namespace trit::driver
