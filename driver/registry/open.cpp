#include "trit/driver/open.hpp"

#include <fmt/format.h>

#include "trit/driver/errors.hpp"

namespace trit::driver {

#ifdef TRIT_HAVE_SIM
// backends/sim/sim_factory.cpp (built only with the Verilated models).
std::unique_ptr<Backend> make_sim_backend(std::string_view variant, const OpenOptions& opt);
std::vector<std::string> sim_variants();
#endif

namespace {

std::unique_ptr<Backend> make_ref(std::string_view variant, const OpenOptions& opt) {
  if (!variant.empty())
    throw ConfigError(fmt::format("ref: no variants ('{}'); set OpenOptions::config to choose the array", variant));
  return std::make_unique<RefBackend>(opt.config.value_or(ArrayConfig{}), opt.ref);
}

std::unique_ptr<Backend> make_fpga(std::string_view variant, const OpenOptions& opt) {
  FpgaOptions f = opt.fpga;
  if (!variant.empty()) f.uio = std::string(variant);
  return std::make_unique<FpgaBackend>(f);
}

// The one list of backends. `make` is null for one not built into this binary.
struct Entry {
  const char* name;
  const char* description;
  std::unique_ptr<Backend> (*make)(std::string_view variant, const OpenOptions&);
  std::vector<std::string> (*variants)();
};

const Entry kBackends[] = {
    {"ref", "C++ reference model: exact results, analytic cycle estimate", make_ref, nullptr},
#ifdef TRIT_HAVE_SIM
    {"sim", "Verilated RTL with the AXI memory model: cycle-accurate", make_sim_backend, sim_variants},
#else
    {"sim", "Verilated RTL with the AXI memory model (not in this build: configure with TRIT_WITH_RTL=ON)",
     nullptr, nullptr},
#endif
    {"fpga", "a board through Linux UIO (registers, interrupt) and u-dma-buf (DMA memory)", make_fpga, nullptr},
};

std::string known_names() {
  std::string s;
  for (const Entry& e : kBackends)
    if (e.make) s += fmt::format("{}{}", s.empty() ? "" : ", ", e.name);
  return s;
}

}  // namespace

std::unique_ptr<Backend> open_backend(std::string_view name, const OpenOptions& opt) {
  const size_t colon = name.find(':');
  const std::string_view base = name.substr(0, colon);
  const std::string_view variant = colon == std::string_view::npos ? std::string_view() : name.substr(colon + 1);
  for (const Entry& e : kBackends) {
    if (base != e.name) continue;
    if (!e.make) throw ConfigError(fmt::format("device '{}': {}; available: {}", name, e.description, known_names()));
    return e.make(variant, opt);
  }
  throw ConfigError(fmt::format("unknown device '{}'; available: {}", name, known_names()));
}

std::unique_ptr<Device> open_device(std::string_view name, const OpenOptions& opt) {
  DeviceOptions dopt = opt.device;
  if (!dopt.expect && opt.config) dopt.expect = opt.config;
  return std::make_unique<Device>(open_backend(name, opt), dopt);
}

std::vector<BackendInfo> backends() {
  std::vector<BackendInfo> out;
  for (const Entry& e : kBackends)
    out.push_back({e.name, e.description, e.make != nullptr, e.variants ? e.variants() : std::vector<std::string>{}});
  return out;
}

}  // namespace trit::driver
