// trit-host-bench: the CPU runtime on whole models, llama-bench style. For each model and thread
// count: prompt processing of --pp tokens from an empty context (one batch, logits of the last
// token) and generation of --tg tokens one at a time from an empty context, each repeated
// --reps times (medians reported). In the same run it measures the machine's memory read
// bandwidth on each thread count, right before and after every generation run (on a shared
// machine it drifts by up to a factor of two within minutes), and reports the fraction of the
// bandwidth roofline that generation reaches: (weight bytes read per token x tokens/s) / the
// larger of the two bandwidth probes around that run.
//
// Writes a JSON report (--out) and prints a Markdown table (also written next to the JSON).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include "gguf/reader.hpp"
#include "gguf/types.hpp"
#include "kernels/cpu_features.hpp"
#include "kernels/thread_pool.hpp"
#include "model/model.hpp"
#include "runtime/session.hpp"
#include "sched/cpu_backend.hpp"

using namespace trit;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Sum of `words` 64-bit words (a multiple of 16) in four 32-byte accumulators held in
// registers: about three instructions per cache line, so the core keeps as many lines in
// flight as it can. (A plain `acc[j] += p[i + j]` loop over an array compiles at -O2 to
// 16-byte loads with the accumulators in memory; on this project's Zen 4 machine it read up to
// a third less than this one, which made the roofline look lower than a streaming kernel's.)
using U64x4 = uint64_t __attribute__((vector_size(32)));

template <typename V>
inline void add_words(V& acc, const uint64_t* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  acc += v;
}

template <typename V>
inline uint64_t sum_words_t(const uint64_t* p, size_t words) {
  V a0 = {}, a1 = {}, a2 = {}, a3 = {};
  for (size_t i = 0; i < words; i += 16) {
    add_words(a0, p + i);
    add_words(a1, p + i + 4);
    add_words(a2, p + i + 8);
    add_words(a3, p + i + 12);
  }
  const V a = (a0 + a1) + (a2 + a3);
  return a[0] + a[1] + a[2] + a[3];
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) uint64_t sum_words_avx2(const uint64_t* p, size_t words) {
  return sum_words_t<U64x4>(p, words);
}
#endif

uint64_t sum_words(const uint64_t* p, size_t words) {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) return sum_words_avx2(p, words);
#endif
  return sum_words_t<U64x4>(p, words);
}

// Streams `words` 64-bit words on every thread of the pool (each its own contiguous slice) and
// returns GB/s.
double read_gb_s(kernels::ThreadPool& pool, const uint64_t* buf, size_t words) {
  std::vector<uint64_t> sink(static_cast<size_t>(pool.size()), 0);
  const size_t per = words / static_cast<size_t>(pool.size()) / 16 * 16;
  const auto t0 = Clock::now();
  pool.run([&](int t, int) { sink[static_cast<size_t>(t)] = sum_words(buf + per * static_cast<size_t>(t), per); });
  const double s = seconds_since(t0);
  volatile uint64_t keep = 0;
  for (uint64_t v : sink) keep = keep + v;
  return static_cast<double>(per * static_cast<size_t>(pool.size()) * 8) / s / 1e9;
}

struct Bandwidth {
  double best = 0, median = 0;
  std::vector<double> runs;
};

// 512 MiB, far beyond any cache, touched once.
const std::vector<uint64_t>& probe_buffer() {
  static const std::vector<uint64_t> buf = [] {
    std::vector<uint64_t> b((size_t{512} << 20) / 8);
    for (size_t i = 0; i < b.size(); ++i) b[i] = i;
    return b;
  }();
  return buf;
}

Bandwidth measure_bandwidth(kernels::ThreadPool& pool, int reps) {
  const auto& buf = probe_buffer();
  read_gb_s(pool, buf.data(), buf.size());  // warm-up
  Bandwidth b;
  for (int r = 0; r < reps; ++r) b.runs.push_back(read_gb_s(pool, buf.data(), buf.size()));
  b.best = *std::max_element(b.runs.begin(), b.runs.end());
  b.median = median(b.runs);
  return b;
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

double rss_mb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(std::strlen(key))) * 1024.0 / 1e6;  // kB -> MB
  return 0;
}

struct RunResult {
  std::vector<double> pp, tg;
  std::vector<double> bw;  // per repetition: the larger bandwidth probe around the generation run
  runtime::StageTimes pp_stages, tg_stages;  // of the last run
};

RunResult run_model(const model::Model& m, int threads, int n_pp, int n_tg, int reps, int bw_reps, uint32_t seed) {
  kernels::ThreadPool pool(threads);
  sched::CpuBackend cpu(pool);
  runtime::SessionOptions so;
  so.n_ctx = std::max(n_pp, n_tg) + 1;
  runtime::Session s(m, cpu, cpu, pool, so);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> tok(3, static_cast<int32_t>(m.hparams().n_vocab) - 1);
  std::vector<int32_t> prompt(static_cast<size_t>(n_pp));
  for (auto& t : prompt) t = tok(rng);

  auto argmax = [](const std::vector<float>& v) {
    return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
  };
  // Warm-up: first-touch of the KV cache and scratch buffers, thread spin-up.
  s.eval(std::span<const int32_t>(prompt.data(), std::min<size_t>(prompt.size(), 16)), false);
  s.reset();

  RunResult r;
  for (int rep = 0; rep < reps; ++rep) {
    s.reset();
    s.reset_times();
    const auto t0 = Clock::now();
    s.eval(prompt, false);
    r.pp.push_back(n_pp / seconds_since(t0));
    r.pp_stages = s.times();

    s.reset();
    s.reset_times();
    int32_t next = prompt[0];
    const double bw_before = measure_bandwidth(pool, bw_reps).best;
    const auto t1 = Clock::now();
    for (int i = 0; i < n_tg; ++i) next = argmax(s.eval(std::span<const int32_t>(&next, 1), false));
    r.tg.push_back(n_tg / seconds_since(t1));
    r.bw.push_back(std::max(bw_before, measure_bandwidth(pool, bw_reps).best));
    r.tg_stages = s.times();
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"CPU runtime benchmark: prompt processing and generation on whole models"};
  std::vector<std::string> models;
  std::vector<int> threads = {1, 2};
  int n_pp = 128, n_tg = 64, reps = 5, bw_reps = 2;
  std::string out;
  std::vector<std::string> heads = {"stored", "q8"};
  app.add_option("-m,--model", models, "GGUF model(s)")->required();
  app.add_option("--heads", heads, "LM head variants: stored (as in the file), q8 (--quantize-head)")
      ->capture_default_str();
  app.add_option("-t,--threads", threads, "thread counts")->capture_default_str();
  app.add_option("--pp", n_pp, "prompt tokens")->capture_default_str();
  app.add_option("--tg", n_tg, "generated tokens")->capture_default_str();
  app.add_option("-r,--reps", reps, "repetitions (medians reported)")->capture_default_str();
  app.add_option("--bw-reps", bw_reps, "reads of the 512 MiB probe buffer per bandwidth probe (best kept)")
      ->capture_default_str();
  app.add_option("-o,--out", out, "JSON report path (a .md table is written next to it)");
  bool append = false;
  app.add_flag("--append", append, "add to an existing report (one model per run, to save disk)");
  CLI11_PARSE(app, argc, argv);

  try {
    json report;
    std::string old_table;
    if (append && !out.empty() && std::ifstream(out)) {
      std::ifstream(out) >> report;
      std::ifstream md(out.substr(0, out.find_last_of('.')) + ".md");
      std::string line;
      for (int i = 0; std::getline(md, line); ++i)
        if (i >= 2) old_table += line + "\n";  // rows after the header
    }
    report["kernel_variant"] = std::string(kernels::variant_name(kernels::active_variant()));
    report["load_average_start"] = load_average();
    report["pp_tokens"] = n_pp;
    report["tg_tokens"] = n_tg;
    report["reps"] = reps;

    // Bandwidth alone, before any model is mapped (for the record; the roofline of each run uses
    // the probes taken around that run).
    std::map<int, Bandwidth> bw;
    for (int t : threads) {
      kernels::ThreadPool pool(t);
      bw[t] = measure_bandwidth(pool, 3);
    }

    std::ostringstream table;
    table << "| model | type | threads | pp" << n_pp << " tok/s | tg" << n_tg
          << " tok/s | weight MB/token | read GB/s | roofline tok/s | tg / roofline |\n"
          << "|---|---|---|---|---|---|---|---|---|\n"
          << old_table;
    for (const std::string& path : models)
      for (const std::string& head : heads) {
      if (head != "stored" && head != "q8") throw std::runtime_error("--heads: unknown head variant " + head);
      const double rss_before = rss_mb("VmRSS:");
      const std::string load_at_start = load_average();
      const auto t_load = Clock::now();
      const gguf::File file = gguf::File::open(path);
      model::ModelOptions mopt;
      mopt.quantize_head = head == "q8";
      const model::Model m = model::Model::load(file, mopt);
      // Repack once (the sessions below reuse it), and time it.
      {
        kernels::ThreadPool pool(threads.back());
        sched::CpuBackend cpu(pool);
        for (const model::Linear* l : m.linears())
          if (cpu.supports(l->w)) cpu.prepare(l->w);
      }
      const double load_s = seconds_since(t_load);
      uint64_t ternary_bytes = 0, file_ternary_bytes = 0;
      std::string type;
      for (const model::Linear* l : m.linears()) {
        ternary_bytes += sched::CpuBackend::packed_bytes(l->w);
        file_ternary_bytes += l->w.info().n_bytes;
        type = gguf::type_name(l->w.type_id());
      }
      const uint64_t head_bytes = m.output_q8() ? m.output_q8()->bytes() : m.output().info().n_bytes;
      const std::string label = type + (head == "q8" ? "+q8head" : "");
      const uint64_t bytes_per_token = ternary_bytes + head_bytes;
      json jm;
      jm["path"] = path;
      jm["type"] = type;
      jm["file_bytes"] = file.bytes().size();
      jm["load_and_repack_s"] = load_s;
      // Resident memory this model added (the process also holds the bandwidth probe buffer):
      // after load and repacking, and after the runs (KV cache, scratch, embedding rows touched).
      jm["model_rss_after_load_mb"] = rss_mb("VmRSS:") - rss_before;
      jm["ternary_bytes_file"] = file_ternary_bytes;
      jm["ternary_bytes_packed"] = ternary_bytes;
      jm["head_bytes"] = head_bytes;
      jm["head_type"] = m.output_q8() ? std::string("Q8 (repacked)") : gguf::type_name(m.output().type_id());
      jm["label"] = label;
      jm["load_average"] = {{"start", load_at_start}};
      jm["weight_bytes_per_token"] = bytes_per_token;
      for (int t : threads) {
        const RunResult r = run_model(m, t, n_pp, n_tg, reps, bw_reps, 1234);
        std::vector<double> fractions;
        for (size_t i = 0; i < r.tg.size(); ++i)
          fractions.push_back(r.tg[i] * static_cast<double>(bytes_per_token) / (r.bw[i] * 1e9));
        const double pp = median(r.pp), tg = median(r.tg), gbs = median(r.bw), fraction = median(fractions);
        const double roof = gbs * 1e9 / static_cast<double>(bytes_per_token);
        json jt;
        jt["pp" + std::to_string(n_pp) + "_tok_s"] = pp;
        jt["tg" + std::to_string(n_tg) + "_tok_s"] = tg;
        jt["pp_runs"] = r.pp;
        jt["tg_runs"] = r.tg;
        jt["mem_read_gb_s"] = gbs;
        jt["mem_read_gb_s_runs"] = r.bw;
        jt["tg_roofline_tok_s"] = roof;
        jt["tg_roofline_fraction"] = fraction;
        jt["tg_roofline_fraction_runs"] = fractions;
        auto stages = [](const runtime::StageTimes& st, int n) {
          return json{{"bitlinear", st.bitlinear_s * 1e3 / n},
                      {"attention", st.attention_s * 1e3 / n},
                      {"head", st.head_s * 1e3 / n},
                      {"other", st.other_s * 1e3 / n}};
        };
        jt["tg_stage_ms_per_token"] = stages(r.tg_stages, n_tg);
        jt["pp_stage_ms_per_token"] = stages(r.pp_stages, n_pp);
        jm["threads"][std::to_string(t)] = jt;
        table << "| " << path.substr(path.find_last_of('/') + 1) << " | " << label << " | " << t << " | " << std::fixed
              << std::setprecision(1) << pp << " | " << tg << " | " << std::setprecision(0)
              << bytes_per_token / 1e6 << " | " << std::setprecision(1) << gbs << " | " << roof << " | "
              << std::setprecision(2) << fraction << " |\n";
        report["results"][label][std::to_string(t)] = {{"pp" + std::to_string(n_pp) + "_tok_s", pp},
                                                       {"tg" + std::to_string(n_tg) + "_tok_s", tg},
                                                       {"mem_read_gb_s", gbs},
                                                       {"tg_roofline_fraction", fraction}};
        std::cerr << label << " " << path << " t=" << t << ": pp " << pp << " tok/s, tg " << tg << " tok/s (" << fraction
                  << " of roofline)\n";
      }
      jm["model_rss_after_runs_mb"] = rss_mb("VmRSS:") - rss_before;
      jm["load_average"]["end"] = load_average();
      jm["file_mb"] = static_cast<double>(file.bytes().size()) / 1e6;
      report["models"].push_back(jm);
      }
    for (int t : threads) {
      kernels::ThreadPool pool(t);
      const Bandwidth again = measure_bandwidth(pool, 3);
      json jb;
      jb["best"] = std::max(bw[t].best, again.best);
      jb["median_start"] = bw[t].median;
      jb["median_end"] = again.median;
      jb["runs_start"] = bw[t].runs;
      jb["runs_end"] = again.runs;
      report["mem_read_gb_s"][std::to_string(t)] = jb;
    }
    report["load_average_end"] = load_average();
    std::cout << table.str();
    if (!out.empty()) {
      std::ofstream(out) << report.dump(2) << "\n";
      std::string md = out.substr(0, out.find_last_of('.')) + ".md";
      std::ofstream(md) << table.str();
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
