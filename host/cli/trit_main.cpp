// trit: run a BitNet GGUF model (llama.cpp's llama-cli habits).
//
//   trit -m model.gguf -p "Once upon a time" -n 64
//   trit -m model.gguf --tokens 1,2,3 --temp 0 --dump-logits prompt.f32
//   trit -m model.gguf -cnv            (chat; the model's template; -p is the system prompt)
//
// Generated text streams to stdout; load time, prompt and generation speed go to stderr
// (--json instead prints one JSON object with the text, tokens and timings to stdout).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <fstream>
#include <random>

#include <unistd.h>

#include "cli/common.hpp"
#include "report/run_report.hpp"
#include "sampler/sampler.hpp"
#include "trit/energy/accelerator.hpp"
#include "trit/energy/table.hpp"

using namespace trit;

namespace {

struct Options {
  cli::LoadOptions load;
  std::string prompt;
  std::string prompt_file;
  std::string tokens;
  std::string system_prompt;
  int n_predict = -1;
  int64_t seed = -1;
  sampler::Params sp;
  bool chat = false;
  std::string dump_logits;
  bool json = false;
  bool verbose = false;
  std::string report;        // --report FILE
  std::string energy_table = "kv260-zu16-ddr4";
};

// The spans of a run (the prompt, each decode step) over the accelerator's submission records,
// when a report is wanted.
struct SpanLog {
  sched::AccelBackend* accel = nullptr;  // recording when set
  std::vector<report::Span> spans;
  size_t mark() const { return accel ? accel->records().size() : 0; }
  void add(const char* kind, int64_t tokens, size_t first, double wall_ms) {
    if (accel) spans.push_back({kind, tokens, first, accel->records().size(), wall_ms / 1e3});
  }
};

struct Counters {
  SpanLog log;
  int64_t n_prompt = 0;
  double prompt_ms = 0;
  int64_t n_gen = 0;  // tokens sampled
  int64_t n_decode = 0;  // single-token evaluations
  double decode_ms = 0;
  double sample_ms = 0;
};

// Text of one token for streaming: the tokenizer's stream decoder, else the id.
class Printer {
 public:
  explicit Printer(const cli::Runtime& rt, bool quiet) : quiet_(quiet) {
#ifdef TRIT_HAVE_TOKENIZER
    if (rt.tokenizer) dec_.emplace(*rt.tokenizer);
#else
    (void)rt;
#endif
  }
  void token(int32_t id) {
    std::string s;
#ifdef TRIT_HAVE_TOKENIZER
    if (dec_) s = dec_->push(id);
    else
#endif
      s = (first_ ? "" : " ") + std::to_string(id);
    first_ = false;
    emit(s);
  }
  void finish() {
#ifdef TRIT_HAVE_TOKENIZER
    if (dec_) emit(dec_->finish());
#endif
  }
  const std::string& text() const { return text_; }
  void clear() { text_.clear(); first_ = true; }

 private:
  void emit(const std::string& s) {
    text_ += s;
    if (!quiet_ && !s.empty()) {
      std::fwrite(s.data(), 1, s.size(), stdout);
      std::fflush(stdout);
    }
  }
  bool quiet_;
  bool first_ = true;
  std::string text_;
#ifdef TRIT_HAVE_TOKENIZER
  std::optional<tokenizer::StreamDecoder> dec_;
#endif
};

// Samples up to n_predict tokens after `logits` (the last prompt row); stops at end of
// generation or a full context. Returns the generated ids (the end-of-generation token is
// not included and not printed).
std::vector<int32_t> generate(cli::Runtime& rt, sampler::Sampler& smp, std::vector<float> logits, int n_predict,
                              Printer& out, Counters& c, std::vector<int32_t>* history) {
  std::vector<int32_t> gen;
  runtime::Session& s = *rt.session;
  for (int i = 0; n_predict < 0 || i < n_predict; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    const int32_t id = smp.sample(logits);
    c.sample_ms += cli::ms_since(t0);
    ++c.n_gen;
    if (rt.is_eog(id)) break;
    smp.accept(id);
    gen.push_back(id);
    if (history) history->push_back(id);
    out.token(id);
    if (s.n_past() >= s.n_ctx()) break;  // context full: stop like llama.cpp without shifting
    if (n_predict >= 0 && i + 1 == n_predict) break;
    t0 = std::chrono::steady_clock::now();
    const size_t first = c.log.mark();
    logits = s.eval(std::span<const int32_t>(&id, 1), false);
    const double ms = cli::ms_since(t0);
    c.log.add("decode", 1, first, ms);
    c.decode_ms += ms;
    ++c.n_decode;
  }
  out.finish();
  return gen;
}

void print_timings(const cli::Runtime& rt, const Counters& c, bool verbose) {
  auto line = [](const char* what, double ms, int64_t n, const char* unit) {
    std::fprintf(stderr, "trit: %16s = %10.2f ms / %5lld %-6s (%8.2f ms per token, %8.2f tokens per second)\n", what, ms,
                 static_cast<long long>(n), unit, n ? ms / static_cast<double>(n) : 0.0,
                 ms > 0 ? 1000.0 * static_cast<double>(n) / ms : 0.0);
  };
  std::fprintf(stderr, "\ntrit: %16s = %10.2f ms\n", "load time", rt.load_ms);
  line("prompt eval time", c.prompt_ms, c.n_prompt, "tokens");
  line("eval time", c.decode_ms, c.n_decode, "runs");
  std::fprintf(stderr, "trit: %16s = %10.2f ms / %5lld %s\n", "sampling time", c.sample_ms,
               static_cast<long long>(c.n_gen), "samples");
  if (verbose) {
    const auto& t = rt.session->times();
    std::fprintf(stderr, "trit: stages: bitlinear %.2f ms, attention %.2f ms, head %.2f ms, other %.2f ms\n",
                 1e3 * t.bitlinear_s, 1e3 * t.attention_s, 1e3 * t.head_s, 1e3 * t.other_s);
  }
  if (rt.accel()) std::fprintf(stderr, "trit: %s\n", rt.accel_report().c_str());
}

// The accelerator's counters over the run (null on --device cpu).
nlohmann::json accel_json(const cli::Runtime& rt) {
  sched::AccelBackend* a = rt.accel();
  if (!a) return nullptr;
  const sched::AccelStats st = a->stats();
  nlohmann::json counters;
  for (unsigned i = 0; i < regs::kNumCounters; ++i) counters[regs::kCounters[i].name] = st.counters.value[i];
  return {{"device", a->device().name()},
          {"config", a->config().name()},
          {"weight_format", regs::to_string(a->format())},
          {"submissions", st.submissions},
          {"gemms", st.gemms},
          {"split_matrices", st.split_matrices},
          {"weight_bytes_on_device", st.weight_bytes_uploaded},
          {"bytes_to_device", st.transfers.bytes_written},
          {"bytes_from_device", st.transfers.bytes_read},
          {"cycles", st.cycles},
          {"wall_s", st.wall_s},
          {"counters", counters}};
}

nlohmann::json placement_json(const cli::Runtime& rt) {
  const runtime::Placement& p = rt.session->placement();
  nlohmann::json reasons = nlohmann::json::object();
  for (const auto& [why, n] : p.reasons) reasons[why] = n;
  return {{"device", p.device}, {"bitlinears", p.total}, {"on_device", p.on_device}, {"on_cpu_fallback", p.fallback},
          {"fallback_reasons", reasons}};
}

nlohmann::json timings_json(const cli::Runtime& rt, const Counters& c) {
  const auto& t = rt.session->times();
  auto tps = [](int64_t n, double ms) { return ms > 0 ? 1000.0 * static_cast<double>(n) / ms : 0.0; };
  return {{"load_ms", rt.load_ms},
          {"prompt_tokens", c.n_prompt},
          {"prompt_ms", c.prompt_ms},
          {"prompt_tokens_per_s", tps(c.n_prompt, c.prompt_ms)},
          {"generated_tokens", c.n_gen},
          {"decode_runs", c.n_decode},
          {"decode_ms", c.decode_ms},
          {"decode_tokens_per_s", tps(c.n_decode, c.decode_ms)},
          {"sample_ms", c.sample_ms},
          {"stages_ms",
           {{"bitlinear", 1e3 * t.bitlinear_s},
            {"attention", 1e3 * t.attention_s},
            {"head", 1e3 * t.head_s},
            {"other", 1e3 * t.other_s}}},
          {"accelerator", accel_json(rt)}};
}

std::vector<float> eval_prompt(cli::Runtime& rt, const std::vector<int32_t>& tokens, bool all_logits, Counters& c) {
  const auto t0 = std::chrono::steady_clock::now();
  // Layer progress only here: once text streams to stdout, a status line would overwrite it.
  rt.progress->set_context("prefill of " + std::to_string(tokens.size()) + " tokens");
  const size_t first = c.log.mark();
  auto logits = rt.session->eval(tokens, all_logits);
  rt.progress->set_context("");
  const double ms = cli::ms_since(t0);
  c.log.add("prefill", static_cast<int64_t>(tokens.size()), first, ms);
  c.prompt_ms += ms;
  c.n_prompt += static_cast<int64_t>(tokens.size());
  return logits;
}

int run_chat(cli::Runtime& rt, const Options& o, sampler::Sampler& smp, Counters& c) {
#ifdef TRIT_HAVE_TOKENIZER
  if (!rt.tokenizer) throw cli::UsageError("--chat needs a model with a tokenizer");
  std::vector<tokenizer::ChatMessage> messages;
  const std::string system = !o.system_prompt.empty() ? o.system_prompt : o.prompt;
  if (!system.empty()) messages.push_back({"system", system});
  std::vector<int32_t> evaluated;  // every token in the KV cache, in order
  Printer out(rt, false);
  std::string line;
  for (;;) {
    std::fputs("\n> ", stdout);
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) break;
    messages.push_back({"user", line});
    const auto ids = rt.tokenize(rt.tokenizer->render_chat(messages, true));
    // Reuse the cached prefix; re-evaluate from the first differing token.
    size_t common = 0;
    while (common < ids.size() && common < evaluated.size() && ids[common] == evaluated[common]) ++common;
    if (common == ids.size()) --common;  // always evaluate at least one token for fresh logits
    rt.session->truncate(static_cast<int64_t>(common));
    evaluated.resize(common);
    const std::vector<int32_t> fresh(ids.begin() + static_cast<long>(common), ids.end());
    if (rt.session->n_past() + static_cast<int64_t>(fresh.size()) >= rt.session->n_ctx()) {
      std::fputs("\n[context full]\n", stdout);
      break;
    }
    for (int32_t id : fresh) smp.accept(id);
    auto logits = eval_prompt(rt, fresh, false, c);
    evaluated.insert(evaluated.end(), fresh.begin(), fresh.end());
    out.clear();
    generate(rt, smp, std::move(logits), o.n_predict, out, c, &evaluated);
    messages.push_back({"assistant", out.text()});
  }
  std::fputs("\n", stdout);
  return 0;
#else
  (void)rt, (void)o, (void)smp, (void)c;
  throw cli::UsageError("--chat needs a build with the tokenizer");
#endif
}

// Energy table and accelerator description for the report, checked before the run starts so that
// a bad --energy-table fails fast.
struct ReportSetup {
  energy::Table table;
  energy::Accelerator accelerator;
  bool clock_nominal = false;
};

ReportSetup report_setup(cli::Runtime& rt, const Options& o) {
  ReportSetup r;
  r.table = energy::find_table(o.energy_table);
  const driver::ArrayConfig& cfg = rt.accel()->config();
  try {
    r.accelerator = energy::named_accelerator(cfg.name());
  } catch (const std::exception&) {
    r.accelerator = energy::accelerator_from_name(cfg.name());
  }
  r.accelerator.array = cfg;  // what the device reported (k_max, bursts)
  // The clock: what the device says, else the configuration's, else a nominal 250 MHz.
  if (rt.accel()->clock_khz()) r.accelerator.clock_hz = rt.accel()->clock_khz() * 1e3;
  if (r.accelerator.clock_hz <= 0) {
    r.accelerator.clock_hz = 250e6;
    r.clock_nominal = true;
  }
  r.accelerator.validate();
  return r;
}

void finish_report(cli::Runtime& rt, const Options& o, const Counters& c, const ReportSetup& setup) {
  if (!c.log.accel) return;
  report::ReportInput in;
  in.model = rt.file.path();
  in.device = std::string(rt.accel()->name());
  in.format = rt.accel()->format();
  in.accelerator = setup.accelerator;
  in.clock_nominal = setup.clock_nominal;
  in.table = setup.table;
  in.placement = placement_json(rt);
  in.records = &rt.accel()->records();
  in.spans = c.log.spans;
  const nlohmann::json r = report::build_report(in);
  if (o.verbose) std::fputs(report::format_report(r).c_str(), stderr);
  if (!o.report.empty()) {
    std::ofstream f(o.report, std::ios::trunc);
    f << r.dump(1) << "\n";
    if (!f) throw cli::UsageError("cannot write " + o.report);
  }
}

int run(const Options& o) {
  const bool text_prompt = !o.prompt.empty() || !o.prompt_file.empty();
  if (!o.tokens.empty() && text_prompt && !o.chat)
    throw cli::UsageError("give either --tokens or a text prompt (-p/-f), not both");
  cli::LoadOptions lo = o.load;
  lo.need_tokenizer = o.chat || (text_prompt && o.tokens.empty());
  if (!o.report.empty() && lo.device == "cpu")
    throw cli::UsageError("--report needs an accelerator device (--device ref, sim, ...): the CPU has no counters");
  if (!o.report.empty() || o.verbose) energy::find_table(o.energy_table);  // a bad table fails before the run
  auto rt = cli::load_runtime(lo);
  if (o.verbose) {
    std::fprintf(stderr, "%s\n", rt->describe().c_str());
  } else if (rt->accel() || rt->session->placement().fallback > 0) {
    // Where the layers run is part of the result on an accelerator: always said.
    std::fprintf(stderr, "trit: %s\n", rt->session->placement_summary().c_str());
  }

  sampler::Params sp = o.sp;
  sp.seed = o.seed >= 0 ? static_cast<uint64_t>(o.seed) : std::random_device{}();
  if (o.verbose) std::fprintf(stderr, "seed: %llu\n", static_cast<unsigned long long>(sp.seed));
  sampler::Sampler smp(sp);
  Counters c;
  // A report (--report, or the summary of --verbose) records every submission with its counters.
  std::optional<ReportSetup> setup;
  if (rt->accel() && (!o.report.empty() || o.verbose)) {
    setup = report_setup(*rt, o);
    rt->accel()->set_recording(true);
    c.log.accel = rt->accel();
  }

  if (o.chat) {
    const int rc = run_chat(*rt, o, smp, c);
    print_timings(*rt, c, o.verbose);
    if (setup) finish_report(*rt, o, c, *setup);
    return rc;
  }

  std::vector<int32_t> prompt;
  if (!o.tokens.empty()) {
    prompt = cli::parse_token_list(o.tokens);
  } else if (text_prompt) {
    prompt = rt->tokenize(o.prompt_file.empty() ? o.prompt : cli::read_text_file(o.prompt_file));
  } else {
    throw cli::UsageError("no prompt: give -p TEXT, -f FILE or --tokens IDS");
  }
  if (prompt.empty()) throw cli::UsageError("the prompt tokenizes to nothing");
  for (int32_t id : prompt) smp.accept(id);

  const bool all = !o.dump_logits.empty();
  auto logits = eval_prompt(*rt, prompt, all, c);
  const auto n_vocab = static_cast<size_t>(rt->model.hparams().n_vocab);
  if (all) {
    cli::write_f32_file(o.dump_logits, logits);
    logits.erase(logits.begin(), logits.end() - static_cast<long>(n_vocab));
  }
  Printer out(*rt, o.json);
  if (!o.json && rt->has_tokenizer() && o.verbose) {
    // Echo the prompt like llama-cli does, only in verbose mode to keep stdout the completion.
    for (int32_t id : prompt) out.token(id);
    out.finish();
    out.clear();
  }
  const auto gen = o.n_predict == 0 ? std::vector<int32_t>{}
                                    : generate(*rt, smp, std::move(logits), o.n_predict, out, c, nullptr);
  if (o.json) {
    nlohmann::json j = {{"model", rt->file.path()},
                        {"arch", rt->model.hparams().arch_name},
                        {"device", std::string(rt->device().name())},
                        {"placement", placement_json(*rt)},
                        {"threads", rt->pool.size()},
                        {"n_ctx", rt->session->n_ctx()},
                        {"seed", sp.seed},
                        {"prompt_tokens", prompt},
                        {"tokens", gen},
                        {"text", out.text()},
                        {"timings", timings_json(*rt, c)}};
    std::cout << j.dump(1) << std::endl;
  } else {
    std::fputs("\n", stdout);
    print_timings(*rt, c, o.verbose);
  }
  if (setup) finish_report(*rt, o, c, *setup);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trit: run BitNet b1.58 GGUF models (bitnet.cpp, llama.cpp and ik_llama.cpp files)"};
  Options o;
  app.add_option("-m,--model", o.load.model_path, "model file (GGUF)")->required();
  app.add_option("-p,--prompt", o.prompt, "prompt text (with --chat: the system prompt)");
  app.add_option("-f,--file", o.prompt_file, "read the prompt from a file");
  app.add_option("--tokens", o.tokens, "prompt as token ids, e.g. 1,2,3 (no tokenizer needed)");
  app.add_option("-n,--n-predict", o.n_predict, "tokens to generate (-1: until end of generation or full context)")
      ->capture_default_str();
  app.add_option("-t,--threads", o.load.n_threads, "threads (default: all hardware threads)");
  app.add_option("-c,--ctx-size", o.load.n_ctx, "context length (0: the model's context_length; larger is capped)")
      ->capture_default_str();
  app.add_option("-s,--seed", o.seed, "sampling seed (-1: random)")->capture_default_str();
  app.add_option("--temp", o.sp.temp, "temperature (0: greedy)")->capture_default_str();
  app.add_option("--top-k", o.sp.top_k, "top-k (0: off)")->capture_default_str();
  app.add_option("--top-p", o.sp.top_p, "top-p (1: off)")->capture_default_str();
  app.add_option("--min-p", o.sp.min_p, "min-p (0: off)")->capture_default_str();
  app.add_option("--repeat-penalty", o.sp.repeat_penalty, "repetition penalty (1: off)")->capture_default_str();
  app.add_option("--repeat-last-n", o.sp.repeat_last_n, "tokens the repetition penalty looks back over")
      ->capture_default_str();
  app.add_flag("--chat,--conversation", o.chat, "chat with the model's chat template (-cnv)");
  app.add_option("--system-prompt", o.system_prompt, "system prompt for --chat (-sys)");
  cli::add_device_options(app, o.load);
  app.add_option("--dump-logits", o.dump_logits,
                 "write float32 LE logits [n_prompt][n_vocab] of every prompt position to FILE");
  app.add_flag("--json", o.json, "print one JSON object (text, tokens, timings) instead of streaming");
  app.add_flag("--verbose", o.verbose, "describe the model, placement, seed and per-stage timings");
  app.add_option("--report", o.report,
                 "write what the run cost on the accelerator to FILE (JSON: cycles, time, energy with the MAC twin, per "
                 "token, layer type and BitLinear; docs/report.md); --verbose prints its summary");
  app.add_option("--energy-table", o.energy_table,
                 "energy table of the report: a name in sim/energy/tables (" + [] {
                   std::string n;
                   for (const auto& t : energy::table_names()) n += (n.empty() ? "" : ", ") + t;
                   return n;
                 }() + ") or a JSON file")
      ->capture_default_str();
  std::optional<bool> progress;
  app.add_flag("--progress,!--no-progress", progress,
               "status line on stderr while uploading weights and prefilling (default: when stderr is a terminal)");
  app.add_flag("--force-int8", o.load.force_int8,
               "run float-stored BitLinear weights on the int8 path as well (diagnostics)");
  app.add_flag("--quantize-head", o.load.quantize_head,
               "quantise a float LM head to Q8_0 at load: faster decode, small accuracy cost (docs/kernels.md)");
  return cli::run_main(app, argc, argv, [&] {
    o.load.progress = progress.value_or(isatty(STDERR_FILENO) != 0 && !o.json);
    return run(o);
  });
}
