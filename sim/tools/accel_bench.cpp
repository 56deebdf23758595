// trit-accel-bench: decode and prefill performance of a Verilated accelerator configuration on
// the BitNet b1.58 2B4T BitLinear shapes, measured in RTL cycles. Writes a JSON report (keys in
// docs/bench.md) and prints a table.
//
// Decode (M = 1): each shape is run alone (latency of one GEMV) and kQueued times queued back to
// back in one submission; the steady-state cycles per GEMV are (t(kQueued) - t(1)) / (kQueued - 1),
// the rate at which a queue of GEMVs streams (over enough GEMVs that the first burst's head start
// over its activations cannot tilt it), and the byte counters give the same utilisation directly.
// Both on two memories: independent read and write channels of one beat per cycle each, and one
// budget of one beat per cycle shared by reads and writes (sim parameter bytes_per_cycle).
// A 2B4T layer is projected from its submissions exactly as the host issues them (QKV together,
// O, gate+up together, down), each measured from doorbell to interrupt, so the projection
// includes every start-up latency.
//
// --device runs the same measurements on another cycle-counting device, e.g. the virtual
// platform with a DRAM preset (`--device vp:r8c20v16b512 --param memory_model=dram --param
// dram_preset=ddr4-2400-x64`, scripts/bench_vp.py); the shared-bandwidth table is the Verilator
// harness's option and runs on `sim` only. On `vp` the report adds the memory target's
// statistics (DRAM row hits, refreshes, ...).

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "trit/driver/device.hpp"
#include "trit/driver/open.hpp"
#include "vp/vp_backend.hpp"

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
constexpr int kQueued = 9;  // GEMVs in the queued decode measurement

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
    o.x_stride = dev_.config().x_stride(s.k);
    o.y_stride = dev_.config().y_stride(s.n);
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

// The decode table on one memory model: per shape and format, one GEMV alone and kQueued queued.
struct DecodeResult {
  json rows = json::array();
  double min_util_t5 = 1e9, min_util_t2 = 1e9;  // from the queued cycles
  double min_util_bytes_t5 = 1e9;               // from the byte counters of the queued run
};

DecodeResult decode_table(Bench& bench, const driver::ArrayConfig& cfg, bool& all_correct) {
  DecodeResult r;
  const double bus = cfg.bus_bytes;
  fmt::print("{:<12} {:>5} {:>5} {:>4} {:>10} {:>10} {:>9} {:>9} {:>9}\n", "shape", "N", "K", "fmt", "alone",
             "queued", "util", "util(B)", "util(1)");
  for (const auto f : {driver::WeightFormat::T2, driver::WeightFormat::T5}) {
    for (const Shape& s : kShapes) {
      if (s.name == std::string_view("attn_v") || s.name == std::string_view("ffn_up")) continue;  // same shape
      const Operand o = bench.make(s, 1, f);
      const uint64_t t1 = bench.run({bench.desc(o)});
      all_correct &= bench.check(o, 0);
      driver::Counters cq;
      const uint64_t tq = bench.run(std::vector<driver::GemmDesc>(kQueued, bench.desc(o)), &cq);
      const double steady = static_cast<double>(tq - t1) / (kQueued - 1);
      const double wbytes = static_cast<double>(o.w.layout.total_bytes);
      const double util = wbytes / (steady * bus), util1 = wbytes / (t1 * bus);
      // Bytes the weight stream moved over the cycles the device was busy with the queue.
      const double util_bytes = static_cast<double>(cq[C::WEIGHT_BYTES]) / (static_cast<double>(cq[C::BUSY]) * bus);
      double& min_util = f == driver::WeightFormat::T5 ? r.min_util_t5 : r.min_util_t2;
      min_util = std::min(min_util, util);
      if (f == driver::WeightFormat::T5) r.min_util_bytes_t5 = std::min(r.min_util_bytes_t5, util_bytes);
      fmt::print("{:<12} {:>5} {:>5} {:>4} {:>10} {:>10.1f} {:>9.3f} {:>9.3f} {:>9.3f}\n", s.name, s.n, s.k,
                 regs::to_string(f), t1, steady, util, util_bytes, util1);
      r.rows.push_back({{"shape", s.name}, {"n", s.n}, {"k", s.k}, {"format", regs::to_string(f)},
                        {"weight_bytes", o.w.layout.total_bytes}, {"cycles_alone", t1},
                        {"gemvs_queued", kQueued}, {"cycles_queued", steady},
                        {"weight_bus_utilization", util}, {"weight_bus_utilization_bytes", util_bytes},
                        {"weight_bus_utilization_alone", util1}, {"busy_cycles_queued", cq[C::BUSY]},
                        {"stall_weight_cycles_queued", cq[C::STALL_WEIGHT]},
                        {"stall_act_cycles_queued", cq[C::STALL_ACT]},
                        {"stall_drain_cycles_queued", cq[C::STALL_DRAIN]},
                        {"stall_write_cycles_queued", cq[C::STALL_WRITE]}});
      bench.free(o);
    }
  }
  return r;
}

std::unique_ptr<driver::Device> open_bench_device(const std::string& device, uint32_t latency,
                                                  double shared_bytes_per_cycle,
                                                  const std::vector<std::string>& params) {
  driver::OpenOptions o;
  o.memory_latency = latency;
  o.memory_bytes = 1ull << 30;
  o.params = {{"max_reads", "32"}, {"max_writes", "16"}};
  if (shared_bytes_per_cycle > 0) o.params["bytes_per_cycle"] = fmt::format("{}", shared_bytes_per_cycle);
  for (const std::string& kv : params) driver::add_param(o, kv);
  return driver::open_device(device, o);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Decode/prefill benchmark of the Verilated Trit accelerator on 2B4T shapes"};
  std::string config = "r8c20v16b512", out = "build/bench/accel.json", device;
  std::vector<std::string> params;
  uint32_t latency = 100, prefill_m = 128;
  double clock_mhz = 250;
  bool skip_prefill = false;
  app.add_option("--config", config, "Array configuration (rtl/configs.json)");
  app.add_option("--device", device, "Device to measure (default: sim:<config>)");
  app.add_option("--param", params, "Device parameter KEY=VALUE (repeatable)");
  app.add_option("--latency", latency, "Memory latency in cycles");
  app.add_option("--clock-mhz", clock_mhz, "Clock for the tokens/s projection");
  app.add_option("--prefill-m", prefill_m, "Tokens of the prefill measurement");
  app.add_flag("--skip-prefill", skip_prefill, "Decode only");
  app.add_option("-o,--out", out, "JSON report");
  CLI11_PARSE(app, argc, argv);

  try {
    if (device.empty()) device = "sim:" + config;
    const bool on_sim = device.starts_with("sim");
    auto dev_ptr = open_bench_device(device, latency, 0, params);
    driver::Device& dev = *dev_ptr;
    const driver::ArrayConfig cfg = dev.config();
    Bench bench(dev, 1);
    json report;
    report["config"] = cfg.name();
    report["device"] = dev.backend().name();
    report["device_params"] = params;
    report["array"] = {{"rows", cfg.rows}, {"cols", cfg.cols}, {"lanes", cfg.lanes}, {"bus_bytes", cfg.bus_bytes},
                       {"k_max", cfg.k_max}};
    report["memory"] = {{"read_latency_cycles", latency}, {"write_latency_cycles", latency},
                        {"bandwidth", "one beat per cycle per channel"},
                        {"bandwidth_shared", "one beat per cycle shared by reads and writes"}};
    report["clock_mhz"] = clock_mhz;
    bool all_correct = true;

    fmt::print("Trit accelerator {}: R={} C={} V={}, {}-bit AXI, {} MHz, memory latency {} cycles\n\n", cfg.name(),
               cfg.rows, cfg.cols, cfg.lanes, cfg.bus_bytes * 8, clock_mhz, latency);
    fmt::print("Decode (M = 1), cycles per GEMV ({} queued; util(B) from the byte counters); read and write "
               "channels of one beat per cycle each\n", kQueued);
    const DecodeResult independent = decode_table(bench, cfg, all_correct);
    report["decode"] = independent.rows;
    report["decode_weight_bus_utilization"] = independent.min_util_t5;
    report["decode_weight_bus_utilization_bytes"] = independent.min_util_bytes_t5;
    report["decode_weight_bus_utilization_t2"] = independent.min_util_t2;

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
    const double sim_speed = bench.sim_cycles_per_s();

    if (auto* vp = dynamic_cast<driver::VpBackend*>(&dev.backend())) report["memory_stats"] = json::parse(vp->memory_stats());
    // The decode table again with reads and writes sharing one beat per cycle.
    if (on_sim) {
      auto shared_dev = open_bench_device(device, latency, cfg.bus_bytes, params);
      Bench shared(*shared_dev, 1);
      fmt::print("\nDecode (M = 1) with one beat per cycle shared by reads and writes\n");
      const DecodeResult r = decode_table(shared, cfg, all_correct);
      report["decode_shared_bandwidth"] = r.rows;
      report["decode_weight_bus_utilization_shared"] = r.min_util_t5;
      report["decode_weight_bus_utilization_shared_bytes"] = r.min_util_bytes_t5;
      report["decode_weight_bus_utilization_shared_t2"] = r.min_util_t2;
    }
    report["sim_cycles_per_s"] = sim_speed;
    report["results_correct"] = all_correct;
    fmt::print("\nSimulation speed ({}): {:.0f} cycles/s; results checked against direct math: {}\n", device, sim_speed,
               all_correct ? "correct" : "WRONG");
    fmt::print("decode_weight_bus_utilization (T5, min over shapes, {} queued) = {:.3f} (byte counters {:.3f}); "
               "shared read/write bandwidth {}; projected_decode_tok_s = {:.1f}\n",
               kQueued, independent.min_util_t5, independent.min_util_bytes_t5,
               on_sim ? fmt::format("{:.3f}", report["decode_weight_bus_utilization_shared"].get<double>())
                      : std::string("not measured (sim only)"),
               layers["T5"]["tok_s"].get<double>());
    std::ofstream(out) << report.dump(2) << "\n";
    fmt::print("wrote {}\n", out);
    return all_correct ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
