// The "sim" entry of the device registry: the Verilated RTL of sim/harness, chosen by
// configuration name or by the array shape the host asks for.
//
// The test configurations are linked into every program (trit_sim). Any other configuration of
// rtl/configs.json (the bench ones) is a module, trit-sim-<config>.so, built on demand
// (`cmake --build build --target trit-sim-<config>`, which `make bench` and `make test` do) and
// loaded here when first asked for, so `trit --device sim:r8c20v16b512` works as soon as that
// model exists, and says how to build it when it does not.

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "params.hpp"
#include "sim_plugin.hpp"
#include "sim_registry.hpp"
#include "trit/driver/errors.hpp"
#include "trit/driver/open.hpp"
#include "trit/sim/configs.hpp"

namespace trit::driver {

namespace {

namespace fs = std::filesystem;

bool linked_in(std::string_view config) {
  for (const std::string& n : sim::sim_configs())
    if (n == config) return true;
  return false;
}

const sim::NamedConfig* known_config(std::string_view config) {
  for (const sim::NamedConfig& c : sim::configs::kAll)
    if (config == c.name) return &c;
  return nullptr;
}

std::string plugin_file(std::string_view config) { return fmt::format("trit-sim-{}.so", config); }

// Where modules are looked for: the directories of $TRIT_SIM_PLUGIN_PATH (colon-separated) when
// it is set, else the build tree this program was built in and lib/ beside the program's bin/
// (a copied build).
std::vector<fs::path> plugin_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("TRIT_SIM_PLUGIN_PATH")) {
    std::string_view s(env);
    while (!s.empty()) {
      const size_t colon = s.find(':');
      if (colon != 0) dirs.emplace_back(std::string(s.substr(0, colon)));
      if (colon == std::string_view::npos) break;
      s.remove_prefix(colon + 1);
    }
    return dirs;
  }
  dirs.emplace_back(TRIT_SIM_PLUGIN_DIR);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && exe.parent_path().parent_path() / "lib" != fs::path(TRIT_SIM_PLUGIN_DIR))
    dirs.push_back(exe.parent_path().parent_path() / "lib");
  return dirs;
}

std::string how_to_build(std::string_view config) {
  return fmt::format("build it with `cmake --build build --target trit-sim-{}` (`make bench` builds it)", config);
}

// The module file of `config`, or empty; `looked` lists the places tried.
fs::path find_plugin(std::string_view config, std::string* looked = nullptr) {
  const std::string file = plugin_file(config);
  for (const fs::path& dir : plugin_dirs()) {
    const fs::path path = dir / file;
    if (looked) *looked += fmt::format("{}{}", looked->empty() ? "" : ", ", path.string());
    std::error_code ec;
    if (fs::exists(path, ec)) return path;
  }
  return {};
}

// Loaded modules stay loaded for the life of the process (backends they made may outlive any
// handle we could close).
const sim::SimPlugin& load_plugin(std::string_view config) {
  static std::mutex mu;
  static std::map<std::string, const sim::SimPlugin*, std::less<>> loaded;
  std::lock_guard lock(mu);
  if (auto it = loaded.find(config); it != loaded.end()) return *it->second;
  std::string looked;
  const fs::path path = find_plugin(config, &looked);
  if (path.empty())
    throw ConfigError(fmt::format("sim:{}: the Verilated model of this configuration is not built (looked for {}); {}",
                                  config, looked, how_to_build(config)));
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw ConfigError(fmt::format("sim:{}: cannot load {}: {}", config, path.string(), dlerror()));
  auto entry = reinterpret_cast<sim::SimPluginEntry>(dlsym(handle, sim::kSimPluginSymbol));
  if (!entry)
    throw ConfigError(fmt::format("sim:{}: {} is not a Trit simulator module (no {} symbol)", config, path.string(),
                                  sim::kSimPluginSymbol));
  const sim::SimPlugin* p = entry();
  const std::string want = sim::sim_plugin_build_id();
  if (!p || want != p->build_id)
    throw ConfigError(fmt::format("sim:{}: {} comes from another build ('{}'; this program is '{}'); {}", config,
                                  path.string(), p ? p->build_id : "?", want, how_to_build(config)));
  if (config != p->config)
    throw ConfigError(fmt::format("sim:{}: {} holds configuration {}", config, path.string(), p->config));
  loaded.emplace(std::string(config), p);
  return *p;
}

sim::SimOptions sim_options(const OpenOptions& opt) {
  sim::SimOptions s;
  if (opt.memory_bytes) s.mem_size = *opt.memory_bytes;
  if (opt.memory_latency) s.axi.read_latency = s.axi.write_latency = *opt.memory_latency;
  s.fst_path = opt.trace_path;
  ParamReader p("sim", opt.params);
  p.get("mem_base", s.mem_base);
  p.get("read_latency", s.axi.read_latency);
  p.get("write_latency", s.axi.write_latency);
  p.get("max_reads", s.axi.max_reads);
  p.get("max_writes", s.axi.max_writes);
  p.get("bytes_per_cycle", s.axi.bytes_per_cycle);
  p.get("ready_probability", s.axi.ready_probability);
  p.get("seed", s.axi.seed);
  p.get("reg_timeout_cycles", s.reg_timeout_cycles);
  p.finish();
  return s;
}

}  // namespace

std::vector<std::string> sim_variants() {
  std::vector<std::string> out = sim::sim_configs();
  for (const sim::NamedConfig& c : sim::configs::kAll)
    if (!linked_in(c.name) && !find_plugin(c.name).empty()) out.emplace_back(c.name);
  return out;
}

std::vector<std::pair<std::string, std::string>> sim_unbuilt_variants() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const sim::NamedConfig& c : sim::configs::kAll)
    if (!linked_in(c.name) && find_plugin(c.name).empty()) out.emplace_back(c.name, how_to_build(c.name));
  return out;
}

std::unique_ptr<Backend> make_sim_backend(std::string_view variant, const OpenOptions& opt) {
  const sim::SimOptions so = sim_options(opt);
  std::string config(variant);
  if (config.empty() && opt.config) {
    for (const sim::NamedConfig& c : sim::configs::kAll)
      if (c.config == *opt.config) config = c.name;
    if (config.empty()) {
      std::string list;
      for (const sim::NamedConfig& c : sim::configs::kAll) list += fmt::format("{}{}", list.empty() ? "" : ", ", c.name);
      throw ConfigError(fmt::format("sim: no configuration of {} (k_max {}, {} address bits, bursts {}) in "
                                    "rtl/configs.json; named configurations: {}",
                                    opt.config->name(), opt.config->k_max, opt.config->addr_bits,
                                    opt.config->max_burst, list));
    }
  }
  if (config.empty()) {
    const std::vector<std::string> names = sim::sim_configs();
    if (names.empty()) throw ConfigError("sim: no Verilated configuration is built");
    config = names.front();
  }
  if (linked_in(config)) return sim::make_sim_backend(config, so);
  if (!known_config(config)) {
    std::string list;
    for (const sim::NamedConfig& c : sim::configs::kAll) list += fmt::format("{}{}", list.empty() ? "" : ", ", c.name);
    throw ConfigError(
        fmt::format("sim:{}: no such configuration (rtl/configs.json names: {}); a new shape is added there", config,
                    list));
  }
  return load_plugin(config).make(so);
}

}  // namespace trit::driver
