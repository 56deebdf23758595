// trit-perplexity: perplexity of a model over a text file, the way llama.cpp's
// llama-perplexity measures it:
//   the tokens are cut into chunks of n_ctx; each chunk starts with BOS (its first token is
//   replaced by BOS when the model has one) and is evaluated as one batch; the negative
//   log-likelihood of every token in the second half of the chunk given what precedes it is
//   averaged over all chunks; PPL = exp(mean NLL).
// A text shorter than one chunk is scored as a single chunk of its own length.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.hpp"

using namespace trit;

namespace {

struct Options {
  cli::LoadOptions load;
  std::string text_file;
  std::string tokens;
  int64_t chunk = 512;
  bool json = false;
  bool verbose = false;
};

int run(const Options& o) {
  if (o.text_file.empty() == o.tokens.empty()) throw cli::UsageError("give exactly one of -f TEXT and --tokens IDS");
  cli::LoadOptions lo = o.load;
  lo.need_tokenizer = !o.text_file.empty();
  auto rt = cli::load_runtime(lo);
  if (o.verbose) std::fprintf(stderr, "%s\n", rt->describe().c_str());
  const auto tokens = o.tokens.empty() ? rt->tokenize(cli::read_text_file(o.text_file)) : cli::parse_token_list(o.tokens);
  if (tokens.size() < 2) throw cli::UsageError("need at least 2 tokens to measure perplexity, got " + std::to_string(tokens.size()));

  runtime::Session& s = *rt->session;
  const int64_t n_ctx = std::min(o.chunk > 0 ? o.chunk : s.n_ctx(), s.n_ctx());
  const auto n_tok = static_cast<int64_t>(tokens.size());
  const int64_t chunk = std::min(n_ctx, n_tok);
  const int64_t n_chunks = n_tok / chunk;
  // Row i predicts token i + 1; like llama-perplexity, score rows [first, chunk - 1) with
  // first = chunk / 2 (so every scored token has at least half a chunk of context).
  const int64_t first = std::min(chunk / 2, chunk - 2);
  const auto bos = rt->file.find_u32("tokenizer.ggml.bos_token_id");
  const auto n_vocab = rt->model.hparams().n_vocab;

  double nll = 0, nll2 = 0;
  int64_t count = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t ci = 0; ci < n_chunks; ++ci) {
    std::vector<int32_t> batch(tokens.begin() + ci * chunk, tokens.begin() + (ci + 1) * chunk);
    if (bos) batch[0] = static_cast<int32_t>(*bos);
    s.reset();
    const auto logits = s.eval(batch, true);  // [chunk][n_vocab]
    for (int64_t i = first; i < chunk - 1; ++i) {
      // log p(batch[i+1] | batch[..i]) with a stable log-softmax in double.
      const float* row = logits.data() + i * n_vocab;
      const float max = *std::max_element(row, row + n_vocab);
      double sum = 0;
      for (int64_t v = 0; v < n_vocab; ++v) sum += std::exp(double(row[v]) - max);
      const double lp = double(row[batch[static_cast<size_t>(i + 1)]]) - max - std::log(sum);
      nll -= lp;
      nll2 += lp * lp;
      ++count;
    }
    if (!o.json) {
      std::fprintf(stderr, "[%lld]%.4f%s", static_cast<long long>(ci + 1), std::exp(nll / static_cast<double>(count)),
                   ci + 1 == n_chunks ? "\n" : ",");
    }
  }
  const double seconds = cli::ms_since(t0) / 1000.0;
  const double mean = nll / static_cast<double>(count);
  const double ppl = std::exp(mean);
  // Standard error of the mean NLL, propagated to PPL (as llama-perplexity reports it).
  const double var = std::max(0.0, nll2 / static_cast<double>(count) - mean * mean);
  const double err = count > 1 ? ppl * std::sqrt(var / static_cast<double>(count - 1)) : 0.0;
  if (o.json) {
    const nlohmann::json j = {{"model", rt->file.path()}, {"tokens", n_tok},       {"chunk", chunk},
                              {"chunks", n_chunks},        {"scored", count},      {"mean_nll", mean},
                              {"ppl", ppl},                {"ppl_stderr", err},    {"load_ms", rt->load_ms},
                              {"eval_s", seconds},         {"tokens_per_s", static_cast<double>(n_chunks * chunk) / seconds}};
    std::cout << j.dump(1) << std::endl;
  } else {
    std::printf("Final estimate: PPL = %.4f +/- %.5f (%lld tokens scored in %lld chunks of %lld)\n", ppl, err,
                static_cast<long long>(count), static_cast<long long>(n_chunks), static_cast<long long>(chunk));
    std::fprintf(stderr, "trit-perplexity: load %.2f ms, eval %.2f s (%.2f tokens per second)\n", rt->load_ms, seconds,
                 static_cast<double>(n_chunks * chunk) / seconds);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trit-perplexity: perplexity of a BitNet GGUF model over a text"};
  Options o;
  app.add_option("-m,--model", o.load.model_path, "model file (GGUF)")->required();
  app.add_option("-f,--file", o.text_file, "text file to score");
  app.add_option("--tokens", o.tokens, "token ids to score instead of a text, e.g. 1,2,3");
  app.add_option("-c,--ctx-size", o.chunk, "chunk length (capped by the model's context)")->capture_default_str();
  app.add_option("-t,--threads", o.load.n_threads, "threads (default: all hardware threads)");
  cli::add_device_options(app, o.load);
  app.add_flag("--force-int8", o.load.force_int8, "run float-stored BitLinear weights on the int8 path as well");
  app.add_flag("--quantize-head", o.load.quantize_head, "quantise a float LM head to Q8_0 at load (see trit --help)");
  app.add_flag("--json", o.json, "print one JSON object instead of text");
  app.add_flag("--verbose", o.verbose, "describe the model and placement");
  return cli::run_main(app, argc, argv, [&] { return run(o); });
}
