// trit-accel-run: one BitLinear-sized GEMM of any K on an accelerator device (by default the
// Verilated RTL), checked against the reference model of the same array, with the cycle count,
// bus utilisation, stall breakdown and bytes on the bus that the device counters report. K
// beyond the device's k_max runs in K segments (one descriptor each, partial sums added on the
// host), and the report says what that costs in extra bytes. The quick way to see the array work:
//
//   trit-accel-run --n 640 --k 2560
//   trit-accel-run --config r8c20v16b512 --n 4096 --k 14336     (K segments on the bench array)

#include <chrono>
#include <cstdio>
#include <random>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ref/ref_backend.hpp"
#include "sim_registry.hpp"
#include "trit/sim/configs.hpp"
#include "trit/driver/device.hpp"
#include "trit/driver/gemm_group.hpp"
#include "trit/driver/open.hpp"

using namespace trit;

int main(int argc, char** argv) {
  CLI::App app{"Run one GEMM Y[M x N] = X[M x K] * W^T (any K) on a Trit accelerator device"};
  std::string config = sim::sim_configs().front(), device;
  uint32_t m = 1, n = 256, k = 512, latency = 100;
  std::string format = "t5";
  uint64_t seed = 1;
  app.add_option("--config", config, "Array configuration (rtl/configs.json); the device is sim:<config>");
  app.add_option("--device", device, "Device instead (ref, sim:<config>, fpga, ...); ref models --config");
  app.add_option("-m,--m", m, "Rows of X (tokens)")->check(CLI::PositiveNumber);
  app.add_option("-n,--n", n, "Outputs")->check(CLI::PositiveNumber);
  app.add_option("-k,--k", k, "Inputs (reduction length), any size up to 2^24")->check(CLI::PositiveNumber);
  app.add_option("--format", format, "Weight format: t2 (2 bits) or t5 (1.6 bits)")->check(CLI::IsMember({"t2", "t5"}));
  app.add_option("--latency", latency, "Memory latency in cycles");
  app.add_option("--seed", seed, "Seed of the random operands");
  CLI11_PARSE(app, argc, argv);

  try {
    if (device.empty()) device = "sim:" + config;
    driver::OpenOptions o;
    o.memory_latency = latency;
    o.memory_bytes = 1ull << 30;
    if (device == "ref") {
      o.config = driver::ArrayConfig::from_name(config);
      for (const sim::NamedConfig& c : sim::configs::kAll)
        if (config == c.name) o.config = c.config;
    }
    auto dev = driver::open_device(device, o);
    const driver::ArrayConfig& cfg = dev->config();
    driver::RefBackend::Options ro;
    ro.mem_size = 1ull << 30;
    driver::Device ref(std::make_unique<driver::RefBackend>(cfg, ro));
    const auto fmt_code = format == "t2" ? driver::WeightFormat::T2 : driver::WeightFormat::T5;

    std::mt19937_64 rng(seed);
    std::vector<int8_t> w(uint64_t{n} * k), x(uint64_t{m} * k);
    std::uniform_int_distribution<int> act(-128, 127), tern(-1, 1);
    for (auto& v : w) v = static_cast<int8_t>(tern(rng));
    for (auto& v : x) v = static_cast<int8_t>(act(rng));

    struct Run {
      driver::Counters c;
      double secs = 0;
      uint64_t cycles = 0;
      size_t segments = 0;
    };
    auto run = [&](driver::Device& d, std::vector<int32_t>& y) {
      const driver::MatrixWeights wt = d.upload_matrix(w, n, k, fmt_code);
      y.resize(uint64_t{m} * n);
      driver::GemmGroup group(d);
      const driver::GemmGroup::Output out[] = {{&wt, y.data()}};
      const driver::Counters before = d.counters();
      const uint64_t c0 = d.backend().cycles();
      const auto t0 = std::chrono::steady_clock::now();
      group.run(out, x.data(), m, k, k, std::chrono::seconds(100));
      Run r;
      r.secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      r.cycles = d.backend().cycles() - c0;
      r.c = d.counters() - before;
      r.segments = wt.parts.size();
      return r;
    };
    std::vector<int32_t> y_dev, y_ref;
    const Run r = run(*dev, y_dev);
    run(ref, y_ref);
    uint64_t mismatches = 0;
    for (size_t i = 0; i < y_dev.size(); ++i) mismatches += y_dev[i] != y_ref[i];

    using C = regs::Counter;
    const driver::Counters& c = r.c;
    const double busy = static_cast<double>(c[C::BUSY]);
    const uint32_t bus = cfg.bus_bytes;
    // The weights alone as one unsplit matrix would occupy them (the reference for the cost of
    // the K split): what a single-segment blob of this shape packs to.
    const uint64_t weights_alone =
        uint64_t{(m + cfg.rows - 1) / cfg.rows} * driver::WeightLayout::of(cfg, n, k, fmt_code).total_bytes;
    const uint64_t bus_bytes = c[C::WEIGHT_BYTES] + c[C::ACT_BYTES] + c[C::OUT_BYTES] + c[C::DESC_BYTES];
    // What one descriptor of this K would move if the activation buffer held it: the split's own
    // cost is everything beyond that (partial sums written per extra segment, their descriptors,
    // tile padding per segment).
    const uint64_t unsplit = weights_alone + uint64_t{m} * ((uint64_t{k} + bus - 1) / bus * bus) +
                             uint64_t{m} * n * 4 + regs::kDescriptorBytes;
    fmt::print("Trit accelerator {} on {} (R={} C={} V={}, {}-bit AXI, k_max {}), memory latency {} cycles\n",
               cfg.name(), dev->info().backend, cfg.rows, cfg.cols, cfg.lanes, bus * 8, cfg.k_max, latency);
    fmt::print("GEMM M={} N={} K={}, weights {}, {} K segment{} ({} descriptors)\n", m, n, k,
               format == "t2" ? "T2 2-bit" : "T5 1.6-bit", r.segments, r.segments == 1 ? "" : "s", c[C::DESCS]);
    fmt::print("  cycles (busy)            {:>12}{}\n", c[C::BUSY], dev->info().counts_cycles ? "" : "  (estimate)");
    fmt::print("  compute issue cycles     {:>12}  ({:.1f}% of busy)\n", c[C::ISSUE], 100.0 * c[C::ISSUE] / busy);
    fmt::print("  stall: weights           {:>12}\n", c[C::STALL_WEIGHT]);
    fmt::print("  stall: activations       {:>12}\n", c[C::STALL_ACT]);
    fmt::print("  stall: drain             {:>12}\n", c[C::STALL_DRAIN]);
    fmt::print("  stall: output writes     {:>12}\n", c[C::STALL_WRITE]);
    fmt::print("  weight bus utilisation   {:>12.3f}  (weight bytes / (busy cycles x {} B))\n",
               c[C::WEIGHT_BYTES] / (busy * bus), bus);
    fmt::print("  lane ops / zero skips    {:>12} / {}\n", c[C::LANE_OPS], c[C::ZERO_SKIPS]);
    // Energy-model events (docs/architecture.md, "Performance counters").
    fmt::print("  act buffer read bytes    {:>12}  ({} row reads of V = {} bytes, {:.2f} per issue)\n",
               c[C::ACT_READ_BYTES], c[C::ACT_READ_BYTES] / cfg.lanes, cfg.lanes,
               static_cast<double>(c[C::ACT_READ_BYTES]) / cfg.lanes / static_cast<double>(c[C::ISSUE]));
    fmt::print("  weight FIFO beats in/out {:>12} / {}\n", c[C::WFIFO_WRITES], c[C::WFIFO_READS]);
    fmt::print("  weight register loads    {:>12}  (PE rows x chunks, {:.2f} rows per issue)\n", c[C::WREG_LOADS],
               static_cast<double>(c[C::WREG_LOADS]) / static_cast<double>(c[C::ISSUE]));
    fmt::print("  accumulator updates      {:>12}\n", c[C::ACC_UPDATES]);
    fmt::print("  shadow updates / reads   {:>12} / {}\n", c[C::SHADOW_UPDATES], c[C::DRAIN_READS]);
    fmt::print("  AXI read / write bursts  {:>12} / {}, {} W beats\n", c[C::READ_BURSTS], c[C::WRITE_BURSTS],
               c[C::WRITE_BEATS]);
    fmt::print("  bus bytes                {:>12}  = weights {} + activations {} + outputs {} + descriptors {}\n",
               bus_bytes, c[C::WEIGHT_BYTES], c[C::ACT_BYTES], c[C::OUT_BYTES], c[C::DESC_BYTES]);
    fmt::print("  over the weights alone   {:>12.3f}% (unsplit weights {} bytes)\n",
               100.0 * (static_cast<double>(bus_bytes) / static_cast<double>(weights_alone) - 1), weights_alone);
    if (r.segments > 1)
      fmt::print("  of which the K split     {:>12.3f}% ({} bytes more than one descriptor of K = {} would move)\n",
                 100.0 * static_cast<double>(bus_bytes - unsplit) / static_cast<double>(weights_alone),
                 bus_bytes - unsplit, k);
    if (dev->info().counts_cycles)
      fmt::print("  simulation speed         {:>12.0f} cycles/s\n", static_cast<double>(r.cycles) / r.secs);
    fmt::print("check against the reference model: {} of {} outputs differ -> {}\n", mismatches, y_dev.size(),
               mismatches ? "FAIL" : "PASS");
    return mismatches ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
