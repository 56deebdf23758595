// trit-selftest: the bring-up self-test over any device the registry can open.
//
//   trit-selftest --device sim
//   trit-selftest --device fpga --fpga-uio trit --fpga-udmabuf udmabuf0
//
// Prints the PASS/FAIL table; exit code 0 when every check passed, 1 when one failed, 2 when the
// device could not be opened or the arguments were wrong.

#include <algorithm>
#include <cstdio>
#include <map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "selftest.hpp"
#include "trit/driver/open.hpp"

namespace trit::driver {

int selftest_main(int argc, char** argv) {
  CLI::App app{"Trit accelerator bring-up self-test: registers, identity, memory, DMA loop-back, GEMMs against "
               "the reference model, counters, interrupt, error recovery, timing"};
  std::string device = "ref";
  std::string config;
  SelftestOptions st;
  OpenOptions open;
  uint32_t latency = 0;
  uint64_t timeout_ms = 10000;
  bool list = false;
  app.add_option("-d,--device", device, "Device: ref, sim, sim:<config>, fpga, fpga:<uio> (--list shows them)");
  app.add_flag("--list", list, "List the backends of this build and exit");
  app.add_option("--config", config,
                 "Array the device must be, e.g. r2c4v4b64; ref models it (other parameters at their defaults), "
                 "sim picks that model");
  app.add_option("--seed", st.seed, "Seed of the random data");
  app.add_option("--gemms", st.random_gemms, "Random GEMMs in the batch check")->check(CLI::Range(1, 10000));
  app.add_option("--timeout-ms", timeout_ms, "Deadline per job in milliseconds of device time");
  app.add_option("--latency", latency, "ref, sim: memory latency in cycles (read and write)");
  // The fpga backend's parameters (OpenOptions::params), under the names board users know.
  std::map<std::string, std::string> fpga;
  const std::pair<const char*, const char*> fpga_flags[] = {
      {"uio", "fpga: UIO device (uioN or its name in sysfs)"},
      {"udmabuf", "fpga: u-dma-buf device name"},
      {"dev-dir", "fpga: directory of the device nodes"},
      {"sysfs-dir", "fpga: sysfs root"},
      {"irq-node", "fpga: interrupt node (default: the UIO node)"}};
  for (const auto& [flag, help] : fpga_flags) {
    std::string key = flag;
    std::replace(key.begin(), key.end(), '-', '_');
    app.add_option_function<std::string>(
        fmt::format("--fpga-{}", flag), [&fpga, key](const std::string& v) { fpga[key] = v; }, help);
  }
  app.add_flag_callback("--fpga-cached", [&fpga] { fpga["cached"] = "true"; },
                        "fpga: cached DMA buffer with explicit cache maintenance");
  std::vector<std::string> params;
  app.add_option("--param", params, "Backend parameter key=value (docs/driver.md lists each backend's keys)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (list) {
    for (const BackendInfo& b : backends()) {
      std::string variants;
      for (const std::string& v : b.variants) variants += fmt::format(" {}:{}", b.name, v);
      std::printf("%-5s %-3s %s%s\n", b.name.c_str(), b.available ? "yes" : "no", b.description.c_str(),
                  variants.empty() ? "" : fmt::format(" [{}]", variants.substr(1)).c_str());
      for (const auto& [v, how] : b.unbuilt_variants)
        std::printf("      not built: %s:%s (%s)\n", b.name.c_str(), v.c_str(), how.c_str());
    }
    return 0;
  }
  std::unique_ptr<Device> dev;
  try {
    if (!config.empty()) {
      st.expect_name = config;
      if (device == "ref") open.config = ArrayConfig::from_name(config);
      if (device == "sim") device += ":" + config;
    }
    if (latency) open.memory_latency = latency;
    if (device == "fpga" || device.starts_with("fpga:")) open.params = fpga;
    else if (!fpga.empty()) throw ConfigError("--fpga-* options are for --device fpga");
    for (const std::string& p : params) add_param(open, p);
    st.timeout = std::chrono::milliseconds(timeout_ms);
    dev = open_device(device, open);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  const SelftestReport report = run_selftest(*dev, st);
  std::fputs(report.table().c_str(), stdout);
  std::fflush(stdout);
  return report.passed() ? 0 : 1;
}

}  // namespace trit::driver
