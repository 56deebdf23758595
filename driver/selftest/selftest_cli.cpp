// trit-selftest: the bring-up self-test over any device the registry can open.
//
//   trit-selftest --device sim
//   trit-selftest --device fpga --fpga-uio trit --fpga-udmabuf udmabuf0
//
// Prints the PASS/FAIL table; exit code 0 when every check passed, 1 when one failed, 2 when the
// device could not be opened or the arguments were wrong.

#include <cstdio>

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
  app.add_option("--latency", latency, "sim: memory latency in cycles (read and write)");
  app.add_option("--fpga-uio", open.fpga.uio, "fpga: UIO device (uioN or its name in sysfs)");
  app.add_option("--fpga-udmabuf", open.fpga.udmabuf, "fpga: u-dma-buf device name");
  app.add_option("--fpga-dev-dir", open.fpga.dev_dir, "fpga: directory of the device nodes");
  app.add_option("--fpga-sysfs-dir", open.fpga.sysfs_dir, "fpga: sysfs root");
  app.add_option("--fpga-irq-node", open.fpga.irq_node, "fpga: interrupt node (default: the UIO node)");
  app.add_flag("--fpga-cached", open.fpga.cached, "fpga: cached DMA buffer with explicit cache maintenance");
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
    if (latency) open.sim.axi.read_latency = open.sim.axi.write_latency = latency;
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
