#include "cli/common.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

namespace trit::cli {

namespace {
int resolve_threads(int n) {
  if (n > 0) return n;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(hw) : 1;
}
}  // namespace

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void ProgressLine::operator()(std::string_view stage, int64_t done, int64_t total) {
  if (!on_) return;
  const bool layers = stage == "layer";
  if (layers && context_.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  if (done >= total) {
    if (shown_) std::fprintf(stderr, "\r\033[K");  // clear the line
    shown_ = false;
    return;
  }
  if (shown_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  shown_ = true;
  if (layers)
    std::fprintf(stderr, "\rtrit: %s: layer %lld of %lld\033[K", context_.c_str(), static_cast<long long>(done + 1),
                 static_cast<long long>(total));
  else
    std::fprintf(stderr, "\rtrit: uploading weights: %lld of %lld BitLinears\033[K", static_cast<long long>(done),
                 static_cast<long long>(total));
  std::fflush(stderr);
}

Runtime::Runtime(gguf::File f, const LoadOptions& opt)
    : progress(std::make_shared<ProgressLine>(opt.progress)),
      file(std::move(f)),
      model(model::Model::load(file, model::ModelOptions{opt.force_int8, opt.quantize_head})),
      pool(resolve_threads(opt.n_threads)),
      cpu(pool),
      accelerator(opt.device == "cpu" ? nullptr : sched::open_accelerator(opt.device, opt.accel)) {
  runtime::SessionOptions so;
  so.n_ctx = opt.n_ctx;
  so.allow_cpu_fallback = opt.allow_cpu_fallback;
  so.progress = [p = progress](std::string_view stage, int64_t done, int64_t total) { (*p)(stage, done, total); };
  session = std::make_unique<runtime::Session>(model, device(), cpu, pool, so);
#ifdef TRIT_HAVE_TOKENIZER
  if (file.has("tokenizer.ggml.model")) {
    try {
      tokenizer.emplace(tokenizer::Tokenizer::from_gguf(file));
    } catch (const std::exception& e) {
      // A broken vocabulary only matters when text has to be tokenised; with --tokens the
      // run goes on (end of generation then falls back to tokenizer.ggml.eos_token_id).
      if (opt.need_tokenizer) throw;
      tokenizer_problem = e.what();
    }
  }
#endif
  if (opt.need_tokenizer && !has_tokenizer())
    throw UsageError(file.path() + ": the model has no tokenizer (tokenizer.ggml.model is missing" +
#ifdef TRIT_HAVE_TOKENIZER
                     std::string(")") +
#else
                     std::string(", and this build has no tokenizer)") +
#endif
                     "; give token ids with --tokens instead of text");
}

bool Runtime::has_tokenizer() const {
#ifdef TRIT_HAVE_TOKENIZER
  return tokenizer.has_value();
#else
  return false;
#endif
}

bool Runtime::is_eog(int32_t id) const {
#ifdef TRIT_HAVE_TOKENIZER
  if (tokenizer) return tokenizer->is_eog(id);
#endif
  const auto eos = file.find_u32("tokenizer.ggml.eos_token_id");
  return eos && static_cast<int64_t>(*eos) == id;
}

std::vector<int32_t> Runtime::tokenize(const std::string& text) const {
#ifdef TRIT_HAVE_TOKENIZER
  if (tokenizer) return tokenizer->encode(text, /*add_special=*/true, /*parse_special=*/true);
#endif
  (void)text;
  throw UsageError(file.path() + ": cannot tokenize text: the model has no tokenizer; use --tokens");
}

std::string Runtime::describe() const {
  const model::HParams& hp = model.hparams();
  std::ostringstream o;
  o << "model: " << file.path() << " (GGUF v" << file.version() << ", " << file.tensors().size() << " tensors, "
    << std::fixed << std::setprecision(1) << file.bytes().size() / (1024.0 * 1024.0) << " MiB)\n"
    << std::defaultfloat << std::setprecision(6)
    << "arch: " << hp.arch_name << " (" << (hp.ffn_act == model::FfnActivation::Silu ? "SiLU" : "squared ReLU")
    << " FFN), n_embd " << hp.n_embd << ", n_layer " << hp.n_layer << ", n_head " << hp.n_head << "/"
    << hp.n_head_kv << " (head_dim " << hp.head_dim << "), n_ff " << hp.n_ff << ", n_vocab " << hp.n_vocab
    << ", n_ctx_train " << hp.n_ctx_train << ", rope base " << hp.rope_freq_base << ", eps " << hp.rms_eps << "\n"
    << "output head: " << (model.tied_output() ? "tied to token_embd" : "output.weight") << " ("
    << gguf::type_name(model.output().type_id()) << ")\n"
    << session->placement_summary() << "\n"
    << "context: " << session->n_ctx() << ", threads: " << pool.size() << ", device: "
    << (accelerator ? accelerator->device().name() : std::string("cpu"));
  for (const auto& name : model.inexact_forced()) o << "\nwarning: --force-int8: " << name << " is not exactly ternary";
  if (!tokenizer_problem.empty()) o << "\nwarning: tokenizer unusable: " << tokenizer_problem;
#ifdef TRIT_HAVE_TOKENIZER
  if (tokenizer) {
    o << "\ntokenizer: " << tokenizer->n_vocab() << " tokens, chat template " << tokenizer->chat_template().name();
    for (const auto& note : tokenizer->notes()) o << "\ntokenizer note: " << note;
  }
#endif
  return o.str();
}

std::string Runtime::accel_report() const {
  sched::AccelBackend* a = accel();
  if (!a) return "";
  const sched::AccelStats st = a->stats();
  using C = regs::Counter;
  const driver::Counters& c = st.counters;
  const double busy = static_cast<double>(c[C::BUSY]);
  const double bus = a->config().bus_bytes;
  const uint32_t khz = a->clock_khz() ? a->clock_khz() : 250000;  // nominal when the build says 0
  std::ostringstream o;
  o << std::fixed << std::setprecision(2) << "accelerator " << a->device().name() << ": " << st.submissions
    << " submissions, " << st.gemms << " GEMM descriptors";
  if (st.split_matrices) o << " (" << st.split_matrices << " matrices with K > k_max in K segments)";
  o << ", " << st.weight_bytes_uploaded / 1e6 << " MB of " << regs::to_string(a->format())
    << " weights on the device; " << busy / 1e6 << " M busy cycles (" << busy / khz << " ms at " << khz / 1000
    << " MHz" << (a->clock_khz() ? "" : " nominal") << "), weight bus "
    << (busy > 0 ? c[C::WEIGHT_BYTES] / (busy * bus) : 0.0) << " of busy cycles, " << c[C::LANE_OPS] / 1e6
    << " M lane ops, " << c[C::ZERO_SKIPS] / 1e6 << " M zero skips";
  if (st.wall_s > 0 && st.cycles > 0)
    o << "; " << std::setprecision(0) << static_cast<double>(st.cycles) / st.wall_s << " simulated cycles per wall second";
  return o.str();
}

void add_device_options(CLI::App& app, LoadOptions& opt) {
  app.add_option("--device", opt.device,
                 "device for every BitLinear layer: cpu, or an accelerator (ref, sim, sim:<config>, fpga): " +
                     sched::device_names())
      ->capture_default_str();
  app.add_flag("--allow-cpu-fallback", opt.allow_cpu_fallback,
               "run the BitLinears the device cannot take (float or per-block-scaled weights) on the CPU "
               "instead of stopping; the placement is printed");
  app.add_option_function<std::string>(
         "--accel-format",
         [&opt](const std::string& f) { opt.accel.format = f == "t2" ? driver::WeightFormat::T2 : driver::WeightFormat::T5; },
         "accelerator weight format in device memory: t5 (1.6 bits, default) or t2 (2 bits)")
      ->check(CLI::IsMember({"t2", "t5"}));
  app.add_option("--accel-latency", opt.accel.memory_latency, "simulated accelerator: memory latency in cycles")
      ->capture_default_str();
  app.add_option("--trace", opt.accel.trace_path,
                 "sim, vp: write the accelerator's waveforms to this FST file (test configurations; view with "
                 "GTKWave)");
  app.add_option("--device-param", opt.device_params,
                 "backend parameter KEY=VALUE, repeatable (docs/driver.md lists each backend's keys, e.g. "
                 "bytes_per_cycle=64 for sim)");
}

std::unique_ptr<Runtime> load_runtime(const LoadOptions& opt_in) {
  if (opt_in.model_path.empty()) throw UsageError("no model: give -m MODEL.gguf");
  LoadOptions opt = opt_in;
  if (!opt.accel.trace_path.empty() && opt.device == "cpu")
    throw UsageError("--trace: the cpu device has no waveforms; give --device sim[:<config>] or vp[:<config>]");
  for (const std::string& kv : opt.device_params) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--device-param '" + kv + "': expected KEY=VALUE");
    opt.accel.params[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto rt = std::make_unique<Runtime>(gguf::File::open(opt.model_path), opt);
  rt->load_ms = ms_since(t0);
  return rt;
}

std::vector<int32_t> parse_token_list(const std::string& s) {
  std::vector<int32_t> ids;
  std::stringstream in(s);
  std::string item;
  int index = 0;
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    const std::string t = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(t, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (t.empty() || used != t.size() || v < 0 || v > INT32_MAX)
      throw UsageError("--tokens: element " + std::to_string(index) + " ('" + t + "') is not a token id");
    ids.push_back(static_cast<int32_t>(v));
    ++index;
  }
  if (ids.empty()) throw UsageError("--tokens: empty list");
  return ids;
}

std::string read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError("cannot open " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_f32_file(const std::string& path, const std::vector<float>& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size() * sizeof(float)));
  if (!f) throw UsageError("cannot write " + path);
}

std::vector<std::string> normalize_args(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-cnv") a = "--chat";
    if (a == "-sys") a = "--system-prompt";
    args.push_back(a);
  }
  return args;
}

int run_main(CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
  if (argc > 0) app.name(std::filesystem::path(argv[0]).filename().string());
  std::vector<std::string> args = normalize_args(argc, argv);
  std::reverse(args.begin(), args.end());  // CLI11 takes its argument vector reversed
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return body();
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

}  // namespace trit::cli
