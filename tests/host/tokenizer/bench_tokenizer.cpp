// Tokenizer timings (Google Benchmark): vocabulary load and encoding throughput on the Llama 3
// vocabulary of BitNet b1.58 2B4T. Run: <build>/bin/bench_tokenizer
#include <benchmark/benchmark.h>

#include <string>

#include "tokenizer_testdata.hpp"

namespace {

using trit::tokenizer::Tokenizer;

// GGUF parse (in memory, already decompressed) + tokenizer construction: what a model load pays.
void BM_LoadLlama3Vocab(benchmark::State& state) {
  const auto bytes = trit::testdata::llama3_vocab_bytes();
  for (auto _ : state) {
    const auto file = trit::gguf::File::view_of(bytes, "llama3_vocab.gguf");
    const Tokenizer tok = Tokenizer::from_gguf(file);
    benchmark::DoNotOptimize(tok.n_vocab());
  }
}
BENCHMARK(BM_LoadLlama3Vocab)->Unit(benchmark::kMillisecond);

void encode_bench(benchmark::State& state, const std::string& text) {
  const Tokenizer& tok = trit::testdata::llama3_tokenizer();
  size_t tokens = 0;
  for (auto _ : state) {
    const auto ids = tok.encode(text, true, false);
    tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsIterationInvariantRate);
}

// All 63 oracle texts joined: prose, code, scripts, emoji, whitespace runs.
void BM_EncodeMixedText(benchmark::State& state) {
  std::string text;
  for (const auto& c : trit::testdata::llama3_cases()) text += c.text + "\n";
  std::string big;
  while (big.size() < 100000) big += text;
  encode_bench(state, big);
}
BENCHMARK(BM_EncodeMixedText)->Unit(benchmark::kMillisecond);

// One pre-token of n identical letters: the worst case for BPE merging.
void BM_EncodeSingleLetterRun(benchmark::State& state) {
  encode_bench(state, std::string(static_cast<size_t>(state.range(0)), 'a'));
}
BENCHMARK(BM_EncodeSingleLetterRun)->RangeMultiplier(10)->Range(200, 200000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
