// trit-accel-run: one BitLinear-sized GEMM on the Verilated accelerator, checked against the
// reference model, with the cycle count, bus utilisation and stall breakdown the RTL counters
// report. The quick way to see the array work:  trit-accel-run --n 640 --k 2560

#include <chrono>
#include <cstdio>
#include <random>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ref/ref_backend.hpp"
#include "sim_registry.hpp"
#include "trit/driver/device.hpp"

using namespace trit;

int main(int argc, char** argv) {
  CLI::App app{"Run one GEMM Y[M x N] = X[M x K] * W^T on the Verilated Trit accelerator"};
  std::string config = sim::sim_configs().front();
  uint32_t m = 1, n = 256, k = 512, latency = 100;
  std::string format = "t5";
  uint64_t seed = 1;
  app.add_option("--config", config, "Array configuration (rtl/configs.json)")
      ->check(CLI::IsMember(sim::sim_configs()));
  app.add_option("-m,--m", m, "Rows of X (tokens)")->check(CLI::PositiveNumber);
  app.add_option("-n,--n", n, "Outputs")->check(CLI::PositiveNumber);
  app.add_option("-k,--k", k, "Inputs (reduction length)")->check(CLI::PositiveNumber);
  app.add_option("--format", format, "Weight format: t2 (2 bits) or t5 (1.6 bits)")->check(CLI::IsMember({"t2", "t5"}));
  app.add_option("--latency", latency, "Memory latency in cycles");
  app.add_option("--seed", seed, "Seed of the random operands");
  CLI11_PARSE(app, argc, argv);

  try {
    sim::SimOptions opt;
    opt.axi.read_latency = opt.axi.write_latency = latency;
    opt.mem_size = 256ull << 20;
    driver::Device dev(sim::make_sim_backend(config, opt));
    driver::Device ref(std::make_unique<driver::RefBackend>(dev.config(), driver::RefBackend::Options{0x10000000, 256ull << 20}));
    const driver::ArrayConfig& cfg = dev.config();
    const auto fmt_code = format == "t2" ? driver::WeightFormat::T2 : driver::WeightFormat::T5;

    std::mt19937_64 rng(seed);
    std::vector<int8_t> w(uint64_t{n} * k), x(uint64_t{m} * k);
    std::uniform_int_distribution<int> act(-128, 127), tern(-1, 1);
    for (auto& v : w) v = static_cast<int8_t>(tern(rng));
    for (auto& v : x) v = static_cast<int8_t>(act(rng));
    const uint32_t bus = cfg.bus_bytes;
    const uint32_t x_stride = (k + bus - 1) / bus * bus, y_stride = (4 * n + bus - 1) / bus * bus;

    auto run = [&](driver::Device& d, std::vector<int32_t>& y) {
      const driver::Weights wt = d.upload_weights(w, n, k, fmt_code);
      const driver::Buffer xb = d.alloc(uint64_t{m} * x_stride), yb = d.alloc(uint64_t{m} * y_stride);
      for (uint32_t r = 0; r < m; ++r)
        d.write(xb, uint64_t{r} * x_stride, {reinterpret_cast<const uint8_t*>(&x[uint64_t{r} * k]), k});
      const driver::GemmDesc desc[] = {d.gemm(m, xb, x_stride, wt, yb, y_stride)};
      const driver::Counters before = d.counters();
      const auto t0 = std::chrono::steady_clock::now();
      d.wait(d.submit(desc), std::chrono::seconds(100));
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const driver::Counters c = d.counters() - before;
      y.resize(uint64_t{m} * n);
      for (uint32_t r = 0; r < m; ++r)
        d.read(yb, uint64_t{r} * y_stride, {reinterpret_cast<uint8_t*>(&y[uint64_t{r} * n]), uint64_t{n} * 4});
      return std::pair{c, secs};
    };
    std::vector<int32_t> y_sim, y_ref;
    const auto [c, secs] = run(dev, y_sim);
    run(ref, y_ref);
    uint64_t mismatches = 0;
    for (size_t i = 0; i < y_sim.size(); ++i) mismatches += y_sim[i] != y_ref[i];

    using C = regs::Counter;
    const double busy = static_cast<double>(c[C::BUSY]);
    fmt::print("Trit accelerator {} (R={} C={} V={}, {}-bit AXI), memory latency {} cycles\n", cfg.name(),
               cfg.rows, cfg.cols, cfg.lanes, bus * 8, latency);
    fmt::print("GEMM M={} N={} K={}, weights {} ({} bytes)\n", m, n, k, format == "t2" ? "T2 2-bit" : "T5 1.6-bit",
               c[C::WEIGHT_BYTES]);
    fmt::print("  cycles (busy)            {:>12}\n", c[C::BUSY]);
    fmt::print("  compute issue cycles     {:>12}  ({:.1f}% of busy)\n", c[C::ISSUE], 100.0 * c[C::ISSUE] / busy);
    fmt::print("  stall: weights           {:>12}\n", c[C::STALL_WEIGHT]);
    fmt::print("  stall: activations       {:>12}\n", c[C::STALL_ACT]);
    fmt::print("  stall: drain             {:>12}\n", c[C::STALL_DRAIN]);
    fmt::print("  stall: output writes     {:>12}\n", c[C::STALL_WRITE]);
    fmt::print("  weight bus utilisation   {:>12.3f}  (weight bytes / (busy cycles x {} B))\n",
               c[C::WEIGHT_BYTES] / (busy * bus), bus);
    fmt::print("  lane ops / zero skips    {:>12} / {}\n", c[C::LANE_OPS], c[C::ZERO_SKIPS]);
    fmt::print("  simulation speed         {:>12.0f} cycles/s\n", busy / secs);
    fmt::print("check against the reference model: {} of {} outputs differ -> {}\n", mismatches, y_sim.size(),
               mismatches ? "FAIL" : "PASS");
    return mismatches ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
