// The "sim" entry of the device registry: the Verilated RTL of sim/harness, chosen by
// configuration name or by the array shape the host asks for.

#include <fmt/format.h>

#include "sim_registry.hpp"
#include "trit/driver/errors.hpp"
#include "trit/driver/open.hpp"

namespace trit::driver {

std::vector<std::string> sim_variants() { return sim::sim_configs(); }

std::unique_ptr<Backend> make_sim_backend(std::string_view variant, const OpenOptions& opt) {
  const std::vector<std::string> names = sim::sim_configs();
  std::string config(variant);
  if (config.empty() && opt.config) {
    for (const std::string& n : names)
      if (sim::sim_config(n) == *opt.config) config = n;
    if (config.empty()) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      throw ConfigError(fmt::format("sim: no Verilated model of {} (k_max {}, {} address bits, bursts {}) in this "
                                    "build; built: {}",
                                    opt.config->name(), opt.config->k_max, opt.config->addr_bits,
                                    opt.config->max_burst, list));
    }
  }
  if (config.empty()) {
    if (names.empty()) throw ConfigError("sim: no Verilated configuration is built");
    config = names.front();
  }
  return sim::make_sim_backend(config, opt.sim);
}

}  // namespace trit::driver
