// trit-accel-bench: decode and prefill performance of a Verilated accelerator configuration on
// the BitNet b1.58 2B4T BitLinear shapes, measured in RTL cycles. Writes a JSON report (keys in
// docs/bench.md) and prints a table.
//
// Decode (M = 1): each shape is run alone (latency of one GEMV) and three times queued back to
// back in one submission; the steady-state cycles per GEMV are (t3 - t1) / 2, the rate at which
// a queue of GEMVs streams. A 2B4T layer is projected from its submissions exactly as the host
// issues them (QKV together, O, gate+up together, down), each measured from doorbell to
// interrupt, so the projection includes every start-up latency.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim_registry.hpp"
#include "trit/driver/device.hpp"

using namespace trit;
using json = nlohmann::json;
using C = regs::Counter;

namespace {

struct Shape {
  const char* name;
  uint32_t n, k;
};
// BitNet b1.58 2B4T: hidden 2560, 20 heads x 128, 5 KV heads, FFN 6912.
constexpr Shape kShapes[] = {{"attn_q", 2560, 2560}, {"attn_k", 640, 2560}, {"attn_v", 640, 2560},
                             {"attn_output", 2560, 2560}, {"ffn_gate", 6912, 2560}, {"ffn_up", 6912, 2560},
                             {"ffn_down", 2560, 6912}};
constexpr int kLayers = 30;

struct Operand {
  driver::Weights w;
  driver::Buffer x, y;
  std::vector<int8_t> wv, xv;
  uint32_t m, n, k, x_stride, y_stride;
};

class Bench {
 public:
  Bench(driver::Device& dev, uint64_t seed) : dev_(dev), rng_(seed) {}

  Operand make(const Shape& s, uint32_t m, driver::WeightFormat f) {
    Operand o;
    o.m = m;
    o.n = s.n;
    o.k = s.k;
    const uint32_t bus = dev_.config().bus_bytes;
    o.x_stride = (s.k + bus - 1) / bus * bus;
    o.y_stride = (4 * s.n + bus - 1) / bus * bus;
    o.wv.resize(uint64_t{s.n} * s.k);
    o.xv.resize(uint64_t{m} * s.k);
    std::uniform_real_distribution<double> u(0, 1);
    for (auto& v : o.wv) {
      const double r = u(rng_);
      v = r < 0.4 ? 0 : (r < 0.7 ? 1 : -1);
    }
    std::uniform_int_distribution<int> a(-128, 127);
    for (auto& v : o.xv) v = static_cast<int8_t>(a(rng_));
    o.w = dev_.upload_weights(o.wv, s.n, s.k, f);
    o.x = dev_.alloc(uint64_t{m} * o.x_stride);
    o.y = dev_.alloc(uint64_t{m} * o.y_stride);
    for (uint32_t r = 0; r < m; ++r)
      dev_.write(o.x, uint64_t{r} * o.x_stride, {reinterpret_cast<const uint8_t*>(&o.xv[uint64_t{r} * s.k]), s.k});
    return o;
  }
  void free(const Operand& o) {
    dev_.free(o.w);
    dev_.free(o.x);
    dev_.free(o.y);
  }
  driver::GemmDesc desc(const Operand& o) { return dev_.gemm(o.m, o.x, o.x_stride, o.w, o.y, o.y_stride); }

  // Cycles from doorbell to completion of one submission; accumulates wall time and counters.
  uint64_t run(const std::vector<driver::GemmDesc>& ds, driver::Counters* delta = nullptr) {
    const driver::Counters before = dev_.counters();
    const uint64_t c0 = dev_.backend().cycles();
    const auto t0 = std::chrono::steady_clock::now();
    dev_.wait(dev_.submit(ds), std::chrono::seconds(60));
    wall_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const uint64_t cycles = dev_.backend().cycles() - c0;
    sim_cycles_ += cycles;
    if (delta) *delta = dev_.counters() - before;
    return cycles;
  }

  // Checks one row of Y against the direct product (the full check runs in make test).
  bool check(const Operand& o, uint32_t row) {
    std::vector<int32_t> y(o.n);
    dev_.read(o.y, uint64_t{row} * o.y_stride, {reinterpret_cast<uint8_t*>(y.data()), uint64_t{o.n} * 4});
    for (uint32_t n = 0; n < o.n; ++n) {
      int32_t acc = 0;
      for (uint32_t k = 0; k < o.k; ++k) acc += o.xv[uint64_t{row} * o.k + k] * o.wv[uint64_t{n} * o.k + k];
      if (acc != y[n]) return false;
    }
    return true;
  }

  double sim_cycles_per_s() const { return wall_ > 0 ? sim_cycles_ / wall_ : 0; }

 private:
  driver::Device& dev_;
  std::mt19937_64 rng_;
  double wall_ = 0;
  uint64_t sim_cycles_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Decode/prefill benchmark of the Verilated Trit accelerator on 2B4T shapes"};
  std::string config = "r8c20v16b512", out = "build/bench/accel.json";
  uint32_t latency = 100, prefill_m = 128;
  double clock_mhz = 250;
  bool skip_prefill = false;
  app.add_option("--config", config, "Array configuration (rtl/configs.json)")->check(CLI::IsMember(sim::sim_configs()));
  app.add_option("--latency", latency, "Memory latency in cycles");
  app.add_option("--clock-mhz", clock_mhz, "Clock for the tokens/s projection");
  app.add_option("--prefill-m", prefill_m, "Tokens of the prefill measurement");
  app.add_flag("--skip-prefill", skip_prefill, "Decode only");
  app.add_option("-o,--out", out, "JSON report");
  CLI11_PARSE(app, argc, argv);

  try {
    sim::SimOptions opt;
    opt.axi.read_latency = opt.axi.write_latency = latency;
    opt.axi.max_reads = 32;
    opt.axi.max_writes = 16;
    opt.mem_size = 1ull << 30;
    driver::Device dev(sim::make_sim_backend(config, opt));
    const driver::ArrayConfig cfg = dev.config();
    const double bus = cfg.bus_bytes;
    Bench bench(dev, 1);
    json report;
    report["config"] = cfg.name();
    report["array"] = {{"rows", cfg.rows}, {"cols", cfg.cols}, {"lanes", cfg.lanes}, {"bus_bytes", cfg.bus_bytes},
                       {"k_max", cfg.k_max}};
    report["memory"] = {{"read_latency_cycles", latency}, {"write_latency_cycles", latency},
                        {"bandwidth", "one beat per cycle per channel"}};
    report["clock_mhz"] = clock_mhz;
    bool all_correct = true;

    fmt::print("Trit accelerator {}: R={} C={} V={}, {}-bit AXI, {} MHz, memory latency {} cycles\n\n", cfg.name(),
               cfg.rows, cfg.cols, cfg.lanes, cfg.bus_bytes * 8, clock_mhz, latency);
    fmt::print("Decode (M = 1), cycles per GEMV\n");
    fmt::print("{:<12} {:>5} {:>5} {:>4} {:>10} {:>10} {:>9} {:>9}\n", "shape", "N", "K", "fmt", "alone",
               "queued", "util", "util(1)");
    double min_util_t5 = 1e9, min_util_t2 = 1e9;
    json decode = json::array();
    for (const auto f : {driver::WeightFormat::T2, driver::WeightFormat::T5}) {
      for (const Shape& s : kShapes) {
        if (s.name == std::string_view("attn_v") || s.name == std::string_view("ffn_up")) continue;  // same shape
        const Operand o = bench.make(s, 1, f);
        const uint64_t t1 = bench.run({bench.desc(o)});
        all_correct &= bench.check(o, 0);
        driver::Counters c3;
        const uint64_t t3 = bench.run({bench.desc(o), bench.desc(o), bench.desc(o)}, &c3);
        const double steady = (t3 - t1) / 2.0;
        const double wbytes = static_cast<double>(o.w.layout.total_bytes);
        const double util = wbytes / (steady * bus), util1 = wbytes / (t1 * bus);
        (f == driver::WeightFormat::T5 ? min_util_t5 : min_util_t2) =
            std::min(f == driver::WeightFormat::T5 ? min_util_t5 : min_util_t2, util);
        fmt::print("{:<12} {:>5} {:>5} {:>4} {:>10} {:>10.0f} {:>9.3f} {:>9.3f}\n", s.name, s.n, s.k,
                   regs::to_string(f), t1, steady, util, util1);
        decode.push_back({{"shape", s.name}, {"n", s.n}, {"k", s.k}, {"format", regs::to_string(f)},
                          {"weight_bytes", o.w.layout.total_bytes}, {"cycles_alone", t1},
                          {"cycles_queued", steady}, {"weight_bus_utilization", util},
                          {"weight_bus_utilization_alone", util1},
                          {"stall_weight_cycles_3", c3[C::STALL_WEIGHT]}, {"stall_act_cycles_3", c3[C::STALL_ACT]},
                          {"stall_drain_cycles_3", c3[C::STALL_DRAIN]}, {"stall_write_cycles_3", c3[C::STALL_WRITE]}});
        bench.free(o);
      }
    }
    report["decode"] = decode;
    report["decode_weight_bus_utilization"] = min_util_t5;
    report["decode_weight_bus_utilization_t2"] = min_util_t2;

    // One 2B4T layer, submitted as the host does, then 30 layers.
    json layers;
    fmt::print("\n2B4T decode token (30 layers), BitLinear only, submissions as the host issues them\n");
    for (const auto f : {driver::WeightFormat::T2, driver::WeightFormat::T5}) {
      std::vector<Operand> ops;
      for (const Shape& s : kShapes) ops.push_back(bench.make(s, 1, f));
      uint64_t layer = 0;
      layer += bench.run({bench.desc(ops[0]), bench.desc(ops[1]), bench.desc(ops[2])});
      layer += bench.run({bench.desc(ops[3])});
      layer += bench.run({bench.desc(ops[4]), bench.desc(ops[5])});
      layer += bench.run({bench.desc(ops[6])});
      for (size_t i = 0; i < ops.size(); ++i) all_correct &= bench.check(ops[i], 0);
      uint64_t wbytes = 0;
      for (auto& o : ops) wbytes += o.w.layout.total_bytes;
      const double token_cycles = static_cast<double>(layer) * kLayers;
      const double tok_s = clock_mhz * 1e6 / token_cycles;
      fmt::print("  {}: {} cycles per layer, {:.3f} M cycles per token, {:.1f} tokens/s at {} MHz, "
                 "{:.1f} MB of weights per token\n",
                 regs::to_string(f), layer, token_cycles / 1e6, tok_s, clock_mhz, wbytes * kLayers / 1e6);
      layers[regs::to_string(f)] = {{"cycles_per_layer", layer}, {"cycles_per_token", token_cycles},
                                    {"tok_s", tok_s}, {"weight_bytes_per_token", wbytes * kLayers}};
      for (auto& o : ops) bench.free(o);
    }
    report["decode_token"] = layers;
    report["projected_decode_tok_s"] = layers["T5"]["tok_s"];

    if (!skip_prefill) {
      fmt::print("\nPrefill (M = {}), T5\n{:<12} {:>5} {:>5} {:>12} {:>10} {:>8}\n", prefill_m, "shape", "N", "K",
                 "cycles", "ops/cycle", "of peak");
      const double peak = double(cfg.rows) * cfg.cols * cfg.lanes;
      json prefill = json::array();
      for (const Shape& s : kShapes) {
        if (s.name == std::string_view("attn_v") || s.name == std::string_view("ffn_up")) continue;
        const Operand o = bench.make(s, prefill_m, driver::WeightFormat::T5);
        const uint64_t t = bench.run({bench.desc(o)});
        all_correct &= bench.check(o, prefill_m - 1);
        const double ops = double(prefill_m) * s.n * s.k / t;
        fmt::print("{:<12} {:>5} {:>5} {:>12} {:>10.1f} {:>8.3f}\n", s.name, s.n, s.k, t, ops, ops / peak);
        prefill.push_back({{"shape", s.name}, {"m", prefill_m}, {"n", s.n}, {"k", s.k}, {"cycles", t},
                           {"lane_ops_per_cycle", ops}, {"fraction_of_peak", ops / peak}});
        bench.free(o);
      }
      report["prefill"] = prefill;
      report["array_peak_lane_ops_per_cycle"] = peak;
    }
    report["sim_cycles_per_s"] = bench.sim_cycles_per_s();
    report["results_correct"] = all_correct;
    fmt::print("\nVerilator simulation speed: {:.0f} cycles/s; results checked against direct math: {}\n",
               bench.sim_cycles_per_s(), all_correct ? "correct" : "WRONG");
    fmt::print("decode_weight_bus_utilization (T5, min over shapes) = {:.3f}; projected_decode_tok_s = {:.1f}\n",
               min_util_t5, layers["T5"]["tok_s"].get<double>());
    std::ofstream(out) << report.dump(2) << "\n";
    fmt::print("wrote {}\n", out);
    return all_correct ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
