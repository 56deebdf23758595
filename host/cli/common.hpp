// What the command-line tools share: loading a model with its tokenizer and devices, token
// lists, timing and llama.cpp-style reporting.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gguf/reader.hpp"
#include "kernels/thread_pool.hpp"
#include "model/model.hpp"
#include "runtime/session.hpp"
#include "sched/cpu_backend.hpp"
#include "sched/devices.hpp"
#ifdef TRIT_HAVE_TOKENIZER
#include "tokenizer/tokenizer.hpp"
#endif

namespace trit::cli {

// Usage errors (bad flags, missing inputs): reported like every other error, exit code 1.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadOptions {
  std::string model_path;
  std::string device = "cpu";
  int n_threads = 0;  // <= 0: all hardware threads
  int64_t n_ctx = 0;  // <= 0: the model's
  bool force_int8 = false;
  bool quantize_head = false;  // ModelOptions::quantize_head
  bool need_tokenizer = false;  // fail early when the model has none
  bool allow_cpu_fallback = false;  // runtime::SessionOptions::allow_cpu_fallback
  bool progress = false;            // progress lines on stderr while uploading and evaluating
  sched::AccelOptions accel;    // accelerator devices: weight format, simulated memory
  std::vector<std::string> device_params;  // --device-param KEY=VALUE, into accel.params at load
};

// --device, --allow-cpu-fallback, --accel-format, --accel-latency and --device-param, shared by
// every tool that loads a model.
void add_device_options(CLI::App& app, LoadOptions& opt);

// One self-overwriting status line on stderr ("trit: uploading weights to sim:... 12/28"), for
// runs on slow simulated devices. Throttled; cleared when a stage completes.
class ProgressLine {
 public:
  explicit ProgressLine(bool on) : on_(on) {}
  void operator()(std::string_view stage, int64_t done, int64_t total);
  // What the layer stage is part of ("prefill of 5 tokens", "decode"); empty: layers not shown.
  void set_context(std::string what) { context_ = std::move(what); }

 private:
  bool on_;
  std::string context_;
  std::chrono::steady_clock::time_point last_{};
  bool shown_ = false;
};

// Everything a run needs, built in dependency order (the file outlives the model, ...).
struct Runtime {
  std::shared_ptr<ProgressLine> progress;  // shared with the session's hook
  gguf::File file;
  model::Model model;
  kernels::ThreadPool pool;
  sched::CpuBackend cpu;
  std::unique_ptr<sched::AccelBackend> accelerator;  // null for --device cpu
  std::unique_ptr<runtime::Session> session;
#ifdef TRIT_HAVE_TOKENIZER
  std::optional<tokenizer::Tokenizer> tokenizer;
#endif
  double load_ms = 0;
  std::string tokenizer_problem;  // why the model's tokenizer could not be built (if it could not)

  Runtime(gguf::File f, const LoadOptions& opt);
  bool has_tokenizer() const;
  // End of generation: the tokenizer's EOG set, else tokenizer.ggml.eos_token_id.
  bool is_eog(int32_t id) const;
  // Text -> ids (BOS as the model asks, special tokens parsed). Throws without a tokenizer.
  std::vector<int32_t> tokenize(const std::string& text) const;
  std::string describe() const;  // one paragraph for --verbose
  // The device every BitLinear runs on: the accelerator, or the CPU for --device cpu.
  sched::BitLinearBackend& device() { return accelerator ? static_cast<sched::BitLinearBackend&>(*accelerator) : cpu; }
  // The accelerator, when --device names one (nullptr for cpu).
  sched::AccelBackend* accel() const { return accelerator.get(); }
  // Accelerator activity for the timing report: one line (reads the device's counters).
  std::string accel_report() const;
};

std::unique_ptr<Runtime> load_runtime(const LoadOptions& opt);

// "1,2,3" (spaces allowed) -> ids; throws UsageError naming the bad element.
std::vector<int32_t> parse_token_list(const std::string& s);
std::string read_text_file(const std::string& path);
void write_f32_file(const std::string& path, const std::vector<float>& data);

// Rewrites llama.cpp's multi-letter single-dash flags (-cnv, -sys) to their long forms,
// which CLI11 cannot declare.
std::vector<std::string> normalize_args(int argc, char** argv);

// Parses the arguments into `app` and calls `body`. Parse errors and --help go through CLI11
// (its exit codes); any exception from `body` prints "error: ..." to stderr and returns 1.
int run_main(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

double ms_since(std::chrono::steady_clock::time_point t0);

}  // namespace trit::cli
