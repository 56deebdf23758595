// trit-vp: the SystemC/TLM-2.0 virtual platform as its own process (docs/vp.md). Started by the
// `vp` driver backend with the names of the shared memory and message queues it created; runs
// until the backend says stop or goes away.
//
//   trit-vp --link <prefix> --config r3c5v8b128 --mem-size 67108864 --memory-model simple

#include <systemc>

#include <CLI/CLI.hpp>
#include <boost/interprocess/ipc/message_queue.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <fmt/format.h>

#include "host_link.hpp"
#include "platform.hpp"
#include "vp/vp_link.hpp"
#include "vp_configs.hpp"

namespace bip = boost::interprocess;
using namespace trit;

namespace {

// Before the host link exists, a start-up failure still reaches the backend as an answer.
int fail_start(const std::string& prefix, const std::string& message) {
  fmt::print(stderr, "trit-vp: {}\n", message);
  try {
    bip::message_queue resp(bip::open_only, vp_link::resp_name(prefix).c_str());
    vp_link::Response r;
    r.status = vp_link::Status::kError;
    r.set_message(message);
    resp.send(&r, sizeof r, 0);
  } catch (const bip::interprocess_exception&) {
  }
  return 2;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  CLI::App app{"trit-vp: the Trit accelerator in a SystemC/TLM-2.0 virtual platform (started by the vp backend)"};
  std::string prefix, config, memory_model = "simple", dram_preset, trace;
  uint64_t mem_base = 0x10000000, mem_size = 64ull << 20;
  uint32_t read_latency = 100, write_latency = 100, max_reads = 16, max_writes = 16, reg_timeout = 10000;
  app.add_option("--link", prefix, "Name prefix of the shared memory and queues the backend created")->required();
  app.add_option("--config", config, "Configuration of rtl/configs.json (default: the first one built)");
  app.add_option("--mem-base", mem_base, "Device memory base address");
  app.add_option("--mem-size", mem_size, "Device memory bytes (the shared segment's size)");
  app.add_option("--memory-model", memory_model, "simple | dram");
  app.add_option("--dram-preset", dram_preset, "dram: preset name or JSON file");
  app.add_option("--read-latency", read_latency, "simple: cycles from AR to the first R beat");
  app.add_option("--write-latency", write_latency, "simple: cycles from the last W beat to B");
  app.add_option("--max-reads", max_reads, "Read bursts accepted and not yet answered");
  app.add_option("--max-writes", max_writes, "Write bursts accepted and not yet answered");
  app.add_option("--reg-timeout-cycles", reg_timeout, "A register access not answered by then is an error");
  app.add_option("--trace", trace, "FST waveform file");
  CLI11_PARSE(app, argc, argv);
  // The backend's stop is the normal end, not news.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);

  const vp::VpConfig* cfg = vp::find_config(config);
  if (!cfg)
    return fail_start(prefix, fmt::format("no platform for configuration '{}' in this trit-vp (built: {}); a "
                                          "configuration of rtl/configs.json that is not a test one is built on its "
                                          "own: `cmake --build build --target trit-vp-{}` (`make bench` builds it)",
                                          config, vp::config_names(), config));

  try {
    bip::shared_memory_object shm(bip::open_only, vp_link::mem_name(prefix).c_str(), bip::read_write);
    bip::mapped_region region(shm, bip::read_write);
    if (region.get_size() < mem_size)
      return fail_start(prefix, fmt::format("shared memory {} holds {} bytes, {} asked", vp_link::mem_name(prefix),
                                            region.get_size(), mem_size));

    vp::PlatformOptions po;
    po.config = cfg->name;
    po.mem = static_cast<uint8_t*>(region.get_address());
    po.mem_base = mem_base;
    po.mem_size = mem_size;
    po.axi.bus_bytes = cfg->config.bus_bytes;
    po.axi.max_burst_beats = cfg->config.max_burst;
    po.axi.read_latency = read_latency;
    po.axi.write_latency = write_latency;
    po.axi.max_reads = max_reads;
    po.axi.max_writes = max_writes;
    po.reg_timeout_cycles = reg_timeout;
    if (memory_model == "simple") {
      po.timing = std::make_shared<vp::SimpleTiming>(read_latency, write_latency, po.period);
    } else if (memory_model == "dram") {
      po.timing = vp::make_dram_timing(dram_preset, po.period);
    } else {
      return fail_start(prefix, fmt::format("memory model '{}' (simple or dram)", memory_model));
    }
    po.trace = !trace.empty();
    std::unique_ptr<vp::Platform> platform = cfg->make(po);
    vp::HostLink link("host_link", *platform, {prefix});
    if (!trace.empty()) {
      // Elaborate and settle time 0 first (the host link waits for its first clock edge there),
      // then attach the waveform writer.
      sc_core::sc_start(sc_core::SC_ZERO_TIME);
      platform->open_trace(trace);
    }
    sc_core::sc_start();
    platform->close_trace();
    return 0;
  } catch (const std::exception& e) {
    return fail_start(prefix, e.what());
  }
}
