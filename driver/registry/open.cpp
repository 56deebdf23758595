#include "trit/driver/open.hpp"

#include <fmt/format.h>

#include "fpga/fpga_backend.hpp"
#include "params.hpp"
#include "ref/ref_backend.hpp"
#include "vp/vp_backend.hpp"
#include "trit/driver/errors.hpp"

namespace trit::driver {

#ifdef TRIT_HAVE_SIM
// backends/sim/sim_factory.cpp (built only with the Verilated models).
std::unique_ptr<Backend> make_sim_backend(std::string_view variant, const OpenOptions& opt);
std::vector<std::string> sim_variants();
std::vector<std::pair<std::string, std::string>> sim_unbuilt_variants();
#endif

namespace {

std::unique_ptr<Backend> make_ref(std::string_view variant, const OpenOptions& opt) {
  if (!variant.empty())
    throw ConfigError(fmt::format("ref: no variants ('{}'); set OpenOptions::config to choose the array", variant));
  RefBackend::Options o;
  if (opt.memory_bytes) o.mem_size = *opt.memory_bytes;
  if (opt.memory_latency) o.latency_cycles = *opt.memory_latency;
  if (!opt.trace_path.empty())
    throw ConfigError("ref: the reference model has no waveforms (a trace is written by sim and vp)");
  ParamReader p("ref", opt.params);
  p.get("mem_base", o.mem_base);
  p.get("clock_khz", o.clock_khz);
  p.finish();
  return std::make_unique<RefBackend>(opt.config.value_or(ArrayConfig{}), o);
}

std::unique_ptr<Backend> make_fpga(std::string_view variant, const OpenOptions& opt) {
  // A board's memory and latency are what they are: memory_bytes / memory_latency do not apply.
  if (!opt.trace_path.empty())
    throw ConfigError("fpga: a board has no waveform file (a trace is written by sim and vp; on hardware use an ILA)");
  FpgaOptions f;
  ParamReader p("fpga", opt.params);
  p.get("uio", f.uio);
  p.get("uio_map", f.uio_map);
  p.get("udmabuf", f.udmabuf);
  p.get("dev_dir", f.dev_dir);
  p.get("sysfs_dir", f.sysfs_dir);
  p.get("irq_node", f.irq_node);
  p.get("cached", f.cached);
  p.finish();
  if (!variant.empty()) f.uio = std::string(variant);
  return std::make_unique<FpgaBackend>(f);
}

std::unique_ptr<Backend> make_vp(std::string_view variant, const OpenOptions& opt) {
  VpOptions v;
  v.config = std::string(variant);
  if (v.config.empty() && opt.config) v.config = opt.config->name();
  if (opt.memory_bytes) v.mem_size = *opt.memory_bytes;
  if (opt.memory_latency) v.read_latency = v.write_latency = *opt.memory_latency;
  v.trace_path = opt.trace_path;
  ParamReader p("vp", opt.params);
  p.get("executable", v.executable);
  p.get("mem_base", v.mem_base);
  p.get("memory_model", v.memory_model);
  p.get("dram_preset", v.dram_preset);
  p.get("read_latency", v.read_latency);
  p.get("write_latency", v.write_latency);
  p.get("max_reads", v.max_reads);
  p.get("max_writes", v.max_writes);
  p.get("reg_timeout_cycles", v.reg_timeout_cycles);
  p.get("start_timeout_s", v.start_timeout_s);
  p.get("request_timeout_s", v.request_timeout_s);
  p.finish();
  return std::make_unique<VpBackend>(v);
}

// The one list of backends. `make` is null for one not built into this binary.
struct Entry {
  const char* name;
  const char* description;
  std::unique_ptr<Backend> (*make)(std::string_view variant, const OpenOptions&);
  std::vector<std::string> (*variants)();
  std::vector<std::pair<std::string, std::string>> (*unbuilt)();
};

const Entry kBackends[] = {
    {"ref", "C++ reference model: exact results, analytic cycle estimate", make_ref, nullptr, nullptr},
#ifdef TRIT_HAVE_SIM
    {"sim", "Verilated RTL with the AXI memory model: cycle-accurate", make_sim_backend, sim_variants,
     sim_unbuilt_variants},
#else
    {"sim", "Verilated RTL with the AXI memory model (not in this build: configure with TRIT_WITH_RTL=ON)",
     nullptr, nullptr, nullptr},
#endif
    {"vp", "the SystemC/TLM-2.0 virtual platform in its own process (trit-vp): simple or DRAM memory timing", make_vp,
     nullptr, nullptr},
    {"fpga", "a board through Linux UIO (registers, interrupt) and u-dma-buf (DMA memory)", make_fpga, nullptr,
     nullptr},
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
    out.push_back({e.name, e.description, e.make != nullptr, e.variants ? e.variants() : std::vector<std::string>{},
                   e.unbuilt ? e.unbuilt() : std::vector<std::pair<std::string, std::string>>{}});
  return out;
}

void add_param(OpenOptions& opt, std::string_view kv) {
  const size_t eq = kv.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw ConfigError(fmt::format("device parameter '{}': expected key=value", kv));
  opt.params[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
}

}  // namespace trit::driver
