#pragma once
// The Verilated configurations built into this binary, by name (rtl/configs.json).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim_options.hpp"
#include "trit/driver/backend.hpp"
#include "trit/driver/config.hpp"

namespace trit::sim {

// Throws driver::ConfigError listing the available names if `config` is not built in.
std::unique_ptr<driver::Backend> make_sim_backend(std::string_view config, const SimOptions& opt = {});
std::vector<std::string> sim_configs();
driver::ArrayConfig sim_config(std::string_view config);

}  // namespace trit::sim
