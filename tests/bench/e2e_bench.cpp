// trit-e2e-bench: one decode token of a whole model through the host runtime with every BitLinear
// on a device (by default the Verilated KV260-class configuration), timed on the wall clock and
// in device cycles. `make bench` runs it on a BitNet b1.58 2B4T-shaped model and writes
// build/bench/e2e.json (keys in docs/bench.md):
//
//   trit-e2e-bench -m build/bench/models/synth-2b4t-i2_s.gguf --device sim:r8c20v16b512 -o e2e.json
//
// The prompt is one token (M = 1, the decode shape), evaluated first so that the measured token
// runs with a KV cache like any decode step; the measured token is the next one.
//
// With --energy-out it also writes what a token costs in energy (build/bench/energy.json): the
// measured decode token's counters, and a 128-token prefill measured as one layer's four
// BitLinear groups at M = 128 on the same device (every layer of the model has the same shapes
// and the device's timing does not depend on the data, so the model's prefill is that layer
// times n_layer), each priced under named settings of the energy model (sim/energy/settings.json:
// kv260 and asic7 by default) with the MAC twin beside it and the DRAM floor.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gguf/reader.hpp"
#include "kernels/thread_pool.hpp"
#include "model/model.hpp"
#include "report/run_report.hpp"
#include "runtime/session.hpp"
#include "sched/cpu_backend.hpp"
#include "sched/devices.hpp"
#include "trit/driver/gemm_group.hpp"
#include "trit/energy/model.hpp"
#include "trit/energy/report.hpp"
#include "trit/energy/setting.hpp"

using namespace trit;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The event counts of every submission record in [first, end).
energy::EventCounts counts_of(const std::vector<sched::SubmissionRecord>& recs, size_t first, size_t end) {
  energy::EventCounts e;
  for (size_t i = first; i < end; ++i) e += report::event_counts(recs[i].counters);
  return e;
}

// One layer's BitLinear groups (q/k/v, o, gate/up, down) of the model's shapes at M rows, on the
// device, with random ternary weights and activations; the counts over the four submissions.
energy::EventCounts layer_counts(driver::Device& dev, const model::HParams& hp, uint32_t m,
                                 driver::WeightFormat format, uint64_t* cycles) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> tern(-1, 1), act(-127, 127);
  auto matrix = [&](uint32_t n, uint32_t k) {
    std::vector<int8_t> w(uint64_t{n} * k);
    for (auto& v : w) v = static_cast<int8_t>(tern(rng));
    return dev.upload_matrix(w, n, k, format);
  };
  const auto E = static_cast<uint32_t>(hp.n_embd), Q = static_cast<uint32_t>(hp.n_embd_q()),
             KV = static_cast<uint32_t>(hp.n_embd_kv()), F = static_cast<uint32_t>(hp.n_ff);
  const driver::MatrixWeights wq = matrix(Q, E), wk = matrix(KV, E), wv = matrix(KV, E), wo = matrix(E, Q),
                              wg = matrix(F, E), wu = matrix(F, E), wd = matrix(E, F);
  driver::GemmGroup group(dev);
  std::vector<int8_t> x(uint64_t{m} * std::max({E, Q, F}));
  for (auto& v : x) v = static_cast<int8_t>(act(rng));
  std::vector<int32_t> y1(uint64_t{m} * std::max({E, Q, F})), y2(y1.size()), y3(y1.size());
  const driver::Counters before = dev.counters();
  const uint64_t c0 = dev.backend().cycles();
  const driver::GemmGroup::Output qkv[] = {{&wq, y1.data()}, {&wk, y2.data()}, {&wv, y3.data()}};
  group.run(qkv, x.data(), m, E, E, std::chrono::seconds(600));
  const driver::GemmGroup::Output o[] = {{&wo, y1.data()}};
  group.run(o, x.data(), m, Q, Q, std::chrono::seconds(600));
  const driver::GemmGroup::Output gu[] = {{&wg, y1.data()}, {&wu, y2.data()}};
  group.run(gu, x.data(), m, E, E, std::chrono::seconds(600));
  const driver::GemmGroup::Output d[] = {{&wd, y1.data()}};
  group.run(d, x.data(), m, F, F, std::chrono::seconds(600));
  *cycles = dev.backend().cycles() - c0;
  const energy::EventCounts counts = report::event_counts(dev.counters() - before);
  for (const auto* w : {&wq, &wk, &wv, &wo, &wg, &wu, &wd}) dev.free(*w);
  return counts;
}

// The energy of `counts` under a setting: breakdown, the twin, the floor.
json priced(const energy::EventCounts& counts, const energy::Setting& s, const driver::ArrayConfig& device_cfg) {
  energy::Accelerator a = s.accelerator();
  if (!(a.array == device_cfg))
    throw std::runtime_error(fmt::format("setting {} is for {}, the device is {}", s.name, a.array.name(),
                                         device_cfg.name()));
  const energy::Table t = s.load_table();
  const energy::Comparison c = energy::compare(counts, t, a);
  json j = energy::to_json(c);
  j["setting"] = s.name;
  j["description"] = s.description;
  j["clock_mhz"] = s.clock_hz / 1e6;
  j["table"] = t.name;
  j["energy_mj"] = c.ternary.breakdown.total_mj();
  j["mac_twin_energy_mj"] = c.mac.breakdown.total_mj();
  j["mac_twin_energy_ratio"] = c.mac_over_ternary;
  j["dram_floor_mj"] = energy::pj_to_mj(c.ternary.dram_floor_pj);
  j["energy_over_dram_floor"] = c.ternary.over_floor;
  j["dynamic_over_dram_floor"] =
      c.ternary.dram_floor_pj > 0 ? c.ternary.breakdown.dynamic_pj() / c.ternary.dram_floor_pj : 0.0;
  return j;
}

json counters_json(const driver::Counters& c) {
  json j;
  for (unsigned i = 0; i < regs::kNumCounters; ++i) j[regs::kCounters[i].name] = c.value[i];
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"One decode token of a whole model on an accelerator device through the host runtime"};
  std::string model_path, device = "sim:r8c20v16b512", out = "build/bench/e2e.json", format = "t5";
  std::string energy_out;
  std::vector<std::string> settings = {"kv260", "asic7"};
  uint32_t prefill_m = 128;
  int threads = 0, tokens = 1;
  uint32_t latency = 100;
  app.add_option("-m,--model", model_path, "model (GGUF)")->required();
  app.add_option("--device", device, "accelerator device")->capture_default_str();
  app.add_option("--accel-format", format, "device weight format: t5 or t2")
      ->check(CLI::IsMember({"t2", "t5"}))
      ->capture_default_str();
  app.add_option("--accel-latency", latency, "simulated memory latency in cycles")->capture_default_str();
  app.add_option("-n,--tokens", tokens, "decode tokens to time (each reported; the key figures are the first)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("-t,--threads", threads, "CPU threads (default: all)");
  app.add_option("-o,--out", out, "JSON report")->capture_default_str();
  app.add_option("--energy-out", energy_out, "also price the decode token and a prefill: energy JSON here");
  app.add_option("--energy-setting", settings, "energy settings (sim/energy/settings.json)")->capture_default_str();
  app.add_option("--prefill-tokens", prefill_m, "tokens of the priced prefill")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    const auto t_load = Clock::now();
    const gguf::File file = gguf::File::open(model_path);
    const model::Model model = model::Model::load(file);
    kernels::ThreadPool pool(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    sched::CpuBackend cpu(pool);
    sched::AccelOptions ao;
    ao.format = format == "t2" ? driver::WeightFormat::T2 : driver::WeightFormat::T5;
    ao.memory_latency = latency;
    ao.device_memory = 2ull << 30;
    auto accel = sched::open_accelerator(device, ao);
    runtime::Session session(model, *accel, cpu, pool);
    const double load_s = seconds_since(t_load);
    const runtime::Placement& placement = session.placement();
    fmt::print(stderr, "{}\n", placement.summary());
    if (placement.on_device != placement.total)
      throw std::runtime_error("not every BitLinear is on the device: " + placement.summary());

    if (!energy_out.empty()) accel->set_recording(true);
    const int32_t bos = 1;
    const auto t_prompt = Clock::now();
    session.eval(std::span<const int32_t>(&bos, 1), false);
    const double prompt_s = seconds_since(t_prompt);

    json runs = json::array();
    int32_t tok = 2;
    size_t token0_first = 0, token0_end = 0;
    for (int i = 0; i < tokens; ++i) {
      if (i == 0) token0_first = accel->records().size();
      const sched::AccelStats before = accel->stats();
      session.reset_times();
      const auto t0 = Clock::now();
      session.eval(std::span<const int32_t>(&tok, 1), false);
      const double wall = seconds_since(t0);
      if (i == 0) token0_end = accel->records().size();
      const sched::AccelStats after = accel->stats();
      const uint64_t cycles = after.cycles - before.cycles;
      const driver::Counters c = after.counters - before.counters;
      const runtime::StageTimes& st = session.times();
      runs.push_back({{"wall_s", wall},
                      {"device_cycles", cycles},
                      {"device_wall_s", after.wall_s - before.wall_s},
                      {"submissions", after.submissions - before.submissions},
                      {"descriptors", after.gemms - before.gemms},
                      {"sim_cycles_per_wall_s", cycles / std::max(1e-9, after.wall_s - before.wall_s)},
                      {"stages_s",
                       {{"bitlinear", st.bitlinear_s}, {"attention", st.attention_s}, {"head", st.head_s},
                        {"other", st.other_s}}},
                      {"counters", counters_json(c)}});
      fmt::print(stderr, "token {}: {:.2f} s wall, {} device cycles ({:.0f} simulated cycles/s in the device calls), "
                 "{} submissions\n", i, wall, cycles, runs.back()["sim_cycles_per_wall_s"].get<double>(),
                 runs.back()["submissions"].get<uint64_t>());
      ++tok;
    }
    const model::HParams& hp = model.hparams();
    json placement_j = {{"device", placement.device},
                        {"bitlinears", placement.total},
                        {"on_device", placement.on_device},
                        {"on_cpu_fallback", placement.fallback},
                        {"summary", placement.summary()}};
    const json report = {
        {"model", model_path},
        {"model_shape",
         {{"n_embd", hp.n_embd}, {"n_layer", hp.n_layer}, {"n_ff", hp.n_ff}, {"n_head", hp.n_head},
          {"n_head_kv", hp.n_head_kv}, {"n_vocab", hp.n_vocab}}},
        {"device", device},
        {"config", accel->config().name()},
        {"weight_format", format},
        {"memory_latency_cycles", latency},
        {"threads", pool.size()},
        {"placement", placement_j},
        {"load_s", load_s},
        {"prompt_token_s", prompt_s},
        {"sim_2b4t_token_wall_s", runs[0]["wall_s"]},
        {"sim_2b4t_token_cycles", runs[0]["device_cycles"]},
        {"tokens", runs}};
    std::ofstream(out) << report.dump(2) << "\n";
    fmt::print("sim_2b4t_token_wall_s = {:.2f}, sim_2b4t_token_cycles = {}; wrote {}\n",
               runs[0]["wall_s"].get<double>(), runs[0]["device_cycles"].get<uint64_t>(), out);

    if (!energy_out.empty()) {
      const energy::EventCounts decode = counts_of(accel->records(), token0_first, token0_end);
      const auto t_prefill = Clock::now();
      uint64_t layer_cycles = 0;
      const energy::EventCounts layer =
          layer_counts(accel->device(), hp, prefill_m, ao.format, &layer_cycles);
      const energy::EventCounts prefill = layer * static_cast<uint64_t>(hp.n_layer);
      fmt::print(stderr, "prefill of {} tokens: one layer in {} cycles ({:.1f} s wall), x {} layers\n", prefill_m,
                 layer_cycles, seconds_since(t_prefill), hp.n_layer);
      json e = {{"model", model_path},
                {"device", device},
                {"config", accel->config().name()},
                {"weight_format", format},
                {"scope", "BitLinears on the accelerator (the device's counters); the host's work is not included"},
                {"decode_token", {{"counts", energy::to_json(decode)}, {"cycles", runs[0]["device_cycles"]}}},
                {"prefill",
                 {{"tokens", prefill_m},
                  {"method", "one layer's four groups at M = prefill tokens on the device, times n_layer"},
                  {"counts", energy::to_json(prefill)},
                  {"cycles", layer_cycles * static_cast<uint64_t>(hp.n_layer)}}}};
      json by_setting = json::object();
      for (const std::string& name : settings) {
        const energy::Setting st = energy::find_setting(name);
        json d = priced(decode, st, accel->config()), p = priced(prefill, st, accel->config());
        p["energy_per_token_mj"] = p["energy_mj"].get<double>() / prefill_m;
        by_setting[name] = {{"decode_token", d}, {"prefill", p}};
        fmt::print("{}: decode token {:.2f} mJ (MAC twin {:.2f} mJ, x{:.3f}; DRAM floor {:.2f} mJ, {:.2f}x); prefill "
                   "of {} tokens {:.2f} mJ ({:.3f} mJ per token, twin x{:.3f})\n",
                   name, d["energy_mj"].get<double>(), d["mac_twin_energy_mj"].get<double>(),
                   d["mac_twin_energy_ratio"].get<double>(), d["dram_floor_mj"].get<double>(),
                   d["energy_over_dram_floor"].get<double>(), prefill_m, p["energy_mj"].get<double>(),
                   p["energy_per_token_mj"].get<double>(), p["mac_twin_energy_ratio"].get<double>());
      }
      e["settings"] = by_setting;
      // The headline keys, from the first setting (the KV260 class by default).
      const json& head = by_setting[settings.front()]["decode_token"];
      e["energy_2b4t_token_mj"] = head["energy_mj"];
      e["energy_2b4t_token_breakdown_mj"] = [&] {
        json g = json::object();
        for (const auto& [k, v] : head["ternary"]["groups_pj"].items()) g[k] = energy::pj_to_mj(v.get<double>());
        return g;
      }();
      e["mac_twin_energy_ratio"] = head["mac_twin_energy_ratio"];
      e["dram_floor_mj"] = head["dram_floor_mj"];
      e["energy_over_dram_floor"] = head["energy_over_dram_floor"];
      e["headline_setting"] = settings.front();
      std::ofstream(energy_out) << e.dump(2) << "\n";
      fmt::print("energy_2b4t_token_mj = {:.2f} ({}), energy_over_dram_floor = {:.2f}, mac_twin_energy_ratio = {:.3f}; "
                 "wrote {}\n",
                 e["energy_2b4t_token_mj"].get<double>(), settings.front(), e["energy_over_dram_floor"].get<double>(),
                 e["mac_twin_energy_ratio"].get<double>(), energy_out);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
