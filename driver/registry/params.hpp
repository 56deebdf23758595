#pragma once
// Reading OpenOptions::params in a backend's factory: typed values with the key named in every
// error, and a final check that the caller used no key this backend does not know (a typo in a
// setting must not be silently ignored).

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace trit::driver {

class ParamReader {
 public:
  ParamReader(std::string_view backend, const std::map<std::string, std::string>& params)
      : backend_(backend), params_(params) {}
  // Each sets `out` when the key is present (and parses), leaves it alone otherwise.
  void get(const char* key, std::string& out);
  void get(const char* key, uint64_t& out);
  void get(const char* key, uint32_t& out);
  void get(const char* key, double& out);
  void get(const char* key, bool& out);
  // Throws ConfigError naming every key that no get() asked for, and the keys that exist.
  void finish() const;

 private:
  const std::string* find(const char* key);
  std::string backend_;
  const std::map<std::string, std::string>& params_;
  std::set<std::string> known_;
};

}  // namespace trit::driver
