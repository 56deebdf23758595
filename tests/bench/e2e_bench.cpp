// trit-e2e-bench: one decode token of a whole model through the host runtime with every BitLinear
// on a device (by default the Verilated KV260-class configuration), timed on the wall clock and
// in device cycles. `make bench` runs it on a BitNet b1.58 2B4T-shaped model and writes
// build/bench/e2e.json (keys in docs/bench.md):
//
//   trit-e2e-bench -m build/bench/models/synth-2b4t-i2_s.gguf --device sim:r8c20v16b512 -o e2e.json
//
// The prompt is one token (M = 1, the decode shape), evaluated first so that the measured token
// runs with a KV cache like any decode step; the measured token is the next one.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gguf/reader.hpp"
#include "kernels/thread_pool.hpp"
#include "model/model.hpp"
#include "runtime/session.hpp"
#include "sched/cpu_backend.hpp"
#include "sched/devices.hpp"

using namespace trit;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

json counters_json(const driver::Counters& c) {
  json j;
  for (unsigned i = 0; i < regs::kNumCounters; ++i) j[regs::kCounters[i].name] = c.value[i];
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"One decode token of a whole model on an accelerator device through the host runtime"};
  std::string model_path, device = "sim:r8c20v16b512", out = "build/bench/e2e.json", format = "t5";
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

    const int32_t bos = 1;
    const auto t_prompt = Clock::now();
    session.eval(std::span<const int32_t>(&bos, 1), false);
    const double prompt_s = seconds_since(t_prompt);

    json runs = json::array();
    int32_t tok = 2;
    for (int i = 0; i < tokens; ++i) {
      const sched::AccelStats before = accel->stats();
      session.reset_times();
      const auto t0 = Clock::now();
      session.eval(std::span<const int32_t>(&tok, 1), false);
      const double wall = seconds_since(t0);
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
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
