// trit-kernel-bench: Google Benchmark micro-benchmarks of the CPU kernels, one family per
// kernel, every variant this CPU runs (the variant is the first argument). Counters:
//   bytes_per_second  weight (or input) bytes streamed per second
//   MACs              multiply-accumulates per second (GEMM)
// Weights for the GEMV benchmarks total more than the last-level cache (several matrices used
// in turn), so they measure streaming from DRAM, as decode does; GEMM (prefill) ones are
// compute-bound and reuse one matrix.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/float_ops.hpp"
#include "kernels/q8_gemm.hpp"
#include "kernels/ternary_gemm.hpp"
#include "kernels/thread_pool.hpp"

using namespace trit::kernels;

namespace {

constexpr size_t kStreamBytes = size_t{256} << 20;  // > any L3 here

Variant variant_arg(benchmark::State& state) {
  int n = 0;
  const Variant* all = available_variants(&n);
  const auto i = static_cast<int>(state.range(0));
  return all[i < n ? i : n - 1];
}

// Every variant (the scalar one only where it finishes in reasonable time).
void all_variants(benchmark::internal::Benchmark* b, const std::vector<std::vector<int64_t>>& shapes,
                  bool with_scalar = true) {
  int n = 0;
  available_variants(&n);
  for (int v = with_scalar ? 0 : 1; v < n; ++v)
    for (const auto& s : shapes) {
      std::vector<int64_t> args{v};
      args.insert(args.end(), s.begin(), s.end());
      b->Args(args);
    }
}

std::vector<int8_t> random_codes(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int8_t> c(static_cast<size_t>(n));
  for (auto& v : c) {
    const uint32_t u = rng() % 10;
    v = static_cast<int8_t>(u < 4 ? 0 : u < 7 ? -1 : 1);
  }
  return c;
}

std::vector<int8_t> random_x(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int8_t> x(static_cast<size_t>(n));
  for (auto& v : x) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  return x;
}

// Memory read bandwidth, the roofline every GEMV is compared with.
void BM_ReadBandwidth(benchmark::State& state) {
  std::vector<uint64_t> buf(kStreamBytes / 8);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = i;
  uint64_t acc[8] = {};
  for (auto _ : state) {
    for (size_t i = 0; i < buf.size(); i += 8)
      for (int j = 0; j < 8; ++j) acc[j] += buf[i + static_cast<size_t>(j)];
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(kStreamBytes));
}
BENCHMARK(BM_ReadBandwidth)->Unit(benchmark::kMillisecond)->UseRealTime();

// A random N x K ternary matrix packed in the benchmark's layout (arg 1) and M random activation
// rows prepared for it, with an int32 output (`out`) and a rescaled float one (`out_float`).
// Null (the run marked skipped) when variant v has no native kernel for that layout. Held by
// pointer: `in` and the outputs point into the vectors.
struct TernaryProblem {
  PackedTernary w;
  std::vector<int8_t> xp;  // [M][padded K]
  std::vector<int32_t> sums, y;  // [M], [M][N]
  std::vector<float> yf, x_scale, w_scale;  // [M][N], [M], [N]
  TernaryInput in;
  TernaryOutput out, out_float;
};

std::unique_ptr<TernaryProblem> ternary_problem(benchmark::State& state, Variant v, int64_t N, int64_t K, int64_t M) {
  const auto layout = static_cast<TernaryLayout>(state.range(1));
  if (!layout_native(v, layout)) {
    state.SkipWithError("layout not native for this variant");
    return nullptr;
  }
  auto p = std::make_unique<TernaryProblem>();
  p->w = PackedTernary(layout, N, K);
  const auto codes = random_codes(N * K, 1);
  p->w.pack_all(codes.data(), K);
  const int64_t ldx = p->w.cols_padded();
  const std::vector<int8_t> x = random_x(M * K, 2);
  p->xp.resize(static_cast<size_t>(M * ldx));
  p->sums.resize(static_cast<size_t>(M));
  prepare_ternary_input(x.data(), M, K, K, p->xp.data(), ldx, p->sums.data());
  p->y.resize(static_cast<size_t>(M * N));
  p->in = TernaryInput{p->xp.data(), ldx, p->sums.data(), M};
  p->out = TernaryOutput{p->y.data(), nullptr, N, nullptr, nullptr};
  p->yf.resize(static_cast<size_t>(M * N));
  p->x_scale.assign(static_cast<size_t>(M), 31.75f);
  p->w_scale.assign(static_cast<size_t>(N), 0.0123f);
  p->out_float = TernaryOutput{nullptr, p->yf.data(), N, p->x_scale.data(), p->w_scale.data()};
  return p;
}

// Ternary GEMV (M = 1): args variant, layout (0 Bits2, 1 Base3), N, K, in-cache.
void BM_TernaryGemv(benchmark::State& state) {
  const Variant v = variant_arg(state);
  const int64_t N = state.range(2), K = state.range(3);
  const auto p = ternary_problem(state, v, N, K, 1);
  if (!p) return;
  const PackedTernary& one = p->w;
  // range(4) = 1: one matrix, reused from cache (the kernel's compute speed, not DRAM's).
  const size_t copies = state.range(4) ? 1 : std::max<size_t>(1, kStreamBytes / one.bytes());
  std::vector<PackedTernary> ws;
  for (size_t i = 0; i < copies; ++i) {
    ws.emplace_back(one.layout(), N, K);
    std::memcpy(ws.back().group(0), one.group(0), one.bytes());
  }
  size_t i = 0;
  for (auto _ : state) {
    gemm_packed(v, ws[i], 0, ws[i].groups(), p->in, p->out);
    benchmark::DoNotOptimize(p->y.data());
    i = (i + 1) % ws.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * one.bytes()));
  state.SetLabel(std::string(variant_name(v)) + "/" + std::string(layout_name(one.layout())));
}
BENCHMARK(BM_TernaryGemv)
    ->Apply([](benchmark::internal::Benchmark* b) {
      all_variants(b, {{0, 2560, 2560, 0}, {0, 6912, 2560, 0}, {0, 2560, 6912, 0}, {1, 2560, 2560, 0},
                       {1, 6912, 2560, 0}, {1, 2560, 6912, 0}, {0, 1024, 2560, 1}, {1, 1024, 2560, 1}});
    })
    ->UseRealTime();

// Ternary GEMM (prefill, M tokens): args variant, layout, N, K, M. Counter MACs = M N K / s.
void BM_TernaryGemm(benchmark::State& state) {
  const Variant v = variant_arg(state);
  const int64_t N = state.range(2), K = state.range(3), M = state.range(4);
  const auto p = ternary_problem(state, v, N, K, M);
  if (!p) return;
  for (auto _ : state) {
    gemm_packed(v, p->w, 0, p->w.groups(), p->in, p->out);
    benchmark::DoNotOptimize(p->y.data());
  }
  state.counters["MACs"] = benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(M * N * K),
                                              benchmark::Counter::kIsRate);
  state.SetLabel(std::string(variant_name(v)) + "/" + std::string(layout_name(p->w.layout())));
}
BENCHMARK(BM_TernaryGemm)
    ->Apply([](benchmark::internal::Benchmark* b) {
      all_variants(b, {{0, 2560, 2560, 128}, {0, 6912, 2560, 128}, {0, 2560, 6912, 128}, {1, 2560, 2560, 128},
                       {1, 6912, 2560, 128}, {1, 2560, 6912, 128}},
                   false);
    })
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The same GEMV/GEMM from cache with the fused float rescale (what the CPU device runs), so the
// epilogue's cost shows next to the integer output's: args variant, layout, N, K, M.
void BM_TernaryRescaled(benchmark::State& state) {
  const Variant v = variant_arg(state);
  const int64_t N = state.range(2), K = state.range(3), M = state.range(4);
  const auto p = ternary_problem(state, v, N, K, M);
  if (!p) return;
  for (auto _ : state) {
    gemm_packed(v, p->w, 0, p->w.groups(), p->in, p->out_float);
    benchmark::DoNotOptimize(p->yf.data());
  }
  state.counters["MACs"] = benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(M * N * K),
                                              benchmark::Counter::kIsRate);
  state.SetLabel(std::string(variant_name(v)) + "/" + std::string(layout_name(p->w.layout())));
}
BENCHMARK(BM_TernaryRescaled)
    ->Apply([](benchmark::internal::Benchmark* b) {
      all_variants(b, {{0, 1024, 2560, 1}, {1, 1024, 2560, 1}, {0, 1024, 256, 1}, {0, 2560, 2560, 128},
                       {1, 2560, 2560, 128}},
                   false);
    })
    ->UseRealTime();

// Float GEMV/GEMM for the LM head: args variant, type (0 F32, 1 F16, 2 BF16), N, K, M.
void BM_FloatGemm(benchmark::State& state) {
  const Variant v = variant_arg(state);
  set_active_variant(v);
  const auto type = static_cast<FloatType>(state.range(1));
  const int64_t N = state.range(2), K = state.range(3), M = state.range(4);
  const int64_t elem = type == FloatType::F32 ? 4 : 2;
  std::vector<uint8_t> w(static_cast<size_t>(N * K * elem));
  std::mt19937 rng(3);
  for (size_t i = 0; i < w.size(); i += 2) {
    const uint16_t h = static_cast<uint16_t>(0x3000 + rng() % 0x0c00);  // small normal halves / bf16
    std::memcpy(&w[i], &h, 2);
  }
  std::vector<float> x(static_cast<size_t>(M * K)), y(static_cast<size_t>(M * N));
  for (auto& f : x) f = static_cast<float>(rng() % 1000) / 1000.0f - 0.5f;
  for (auto _ : state) {
    gemm_float(type, w.data(), K * elem, 0, N, K, x.data(), K, M, y.data(), N);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(w.size()));
  state.SetLabel(std::string(variant_name(v)));
}
BENCHMARK(BM_FloatGemm)
    ->Apply([](benchmark::internal::Benchmark* b) {
      all_variants(b, {{1, 128256, 2560, 1}, {2, 128256, 2560, 1}, {1, 128, 2560, 1}});
      all_variants(b, {{1, 8192, 2560, 64}}, false);
    })
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Quantised LM head GEMV: args variant, N, K. Bytes = the repacked head (8.5 bits per weight).
void BM_Q8Gemv(benchmark::State& state) {
  set_active_variant(variant_arg(state));
  const int64_t N = state.range(1), K = state.range(2);
  Q8Matrix w(N, K);
  std::mt19937 rng(5);
  std::vector<float> row(static_cast<size_t>(K));
  for (int64_t n = 0; n < N; ++n) {
    for (auto& f : row) f = static_cast<float>(rng() % 2001) / 1000.0f - 1.0f;
    w.set_row(n, row.data());
  }
  Q8Activations x;
  x.quantize(row.data(), 1, K, K, w.cols_padded());
  std::vector<float> y(static_cast<size_t>(N));
  for (auto _ : state) {
    gemm_q8(w, 0, w.groups(), x.input(), y.data(), N);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * w.bytes()));
  state.SetLabel(std::string(variant_name(variant_arg(state))));
}
BENCHMARK(BM_Q8Gemv)
    ->Apply([](benchmark::internal::Benchmark* b) { all_variants(b, {{128256, 2560}, {256, 2560}}); })
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Attention of one head over n_keys cached positions (hd = 128): args variant, n_keys.
// Bytes = the K and V rows read.
void BM_AttentionHead(benchmark::State& state) {
  set_active_variant(variant_arg(state));
  const int64_t n_keys = state.range(1), hd = 128, ld = 640;
  std::vector<float> q(static_cast<size_t>(hd), 0.1f), K(static_cast<size_t>(n_keys * ld)), V(K.size()),
      out(static_cast<size_t>(hd)), s(static_cast<size_t>(n_keys));
  std::mt19937 rng(6);
  for (auto& f : K) f = static_cast<float>(rng() % 2001) / 1000.0f - 1.0f;
  for (auto& f : V) f = static_cast<float>(rng() % 2001) / 1000.0f - 1.0f;
  for (auto _ : state) {
    attention_head(q.data(), K.data(), V.data(), ld, n_keys, hd, 0.088f, out.data(), s.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * n_keys * hd * 8);
}
BENCHMARK(BM_AttentionHead)->Apply([](benchmark::internal::Benchmark* b) { all_variants(b, {{64}, {512}}); });

// Activation quantiser and RMSNorm on a hidden-size row: args variant, n.
void BM_Quantize(benchmark::State& state) {
  set_active_variant(variant_arg(state));
  const int64_t n = state.range(1);
  std::vector<float> x(static_cast<size_t>(n));
  std::mt19937 rng(4);
  for (auto& f : x) f = static_cast<float>(rng() % 2001) / 1000.0f - 1.0f;
  std::vector<int8_t> q(static_cast<size_t>(n));
  for (auto _ : state) benchmark::DoNotOptimize(quantize_row_i8_absmax(x.data(), n, q.data()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * n * 4);
}
BENCHMARK(BM_Quantize)->Apply([](benchmark::internal::Benchmark* b) { all_variants(b, {{2560}, {6912}}); });

void BM_RmsNorm(benchmark::State& state) {
  set_active_variant(variant_arg(state));
  const int64_t n = state.range(1);
  std::vector<float> x(static_cast<size_t>(n), 0.5f), w(static_cast<size_t>(n), 1.1f), y(static_cast<size_t>(n));
  for (auto _ : state) {
    rms_norm(x.data(), w.data(), y.data(), n, 1e-5f);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * n * 4);
}
BENCHMARK(BM_RmsNorm)->Apply([](benchmark::internal::Benchmark* b) { all_variants(b, {{2560}, {6912}}); });

// The int32 -> float rescale of one row of BitLinear results (what accelerator results go
// through): args variant, n. Bytes = acc and w_scale read.
void BM_RescaleI32(benchmark::State& state) {
  const Variant v = variant_arg(state);
  const int64_t n = state.range(1);
  std::vector<int32_t> acc(static_cast<size_t>(n));
  std::vector<float> ws(static_cast<size_t>(n)), y(static_cast<size_t>(n));
  std::mt19937 rng(8);
  for (auto& a : acc) a = static_cast<int32_t>(rng() % (2u << 20)) - (1 << 20);
  for (auto& f : ws) f = 0.5f + static_cast<float>(rng() % 1000) / 1000.0f;
  for (auto _ : state) {
    rescale_i32(v, acc.data(), n, 31.75f, ws.data(), y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * n * 8);
  state.SetLabel(std::string(variant_name(v)));
}
BENCHMARK(BM_RescaleI32)->Apply([](benchmark::internal::Benchmark* b) { all_variants(b, {{2560}, {6912}, {6913}}); });

// Squared-ReLU FFN gate on an FFN-size row, in place: args variant, n. Bytes = g and u read.
// The gate is re-initialised from a copy each iteration (outside the timing would need
// PauseTiming, which costs more than the kernel); the copy is timed too, the same in every run.
void BM_SquaredReluMul(benchmark::State& state) {
  set_active_variant(variant_arg(state));
  const int64_t n = state.range(1);
  std::vector<float> g0(static_cast<size_t>(n)), g(g0.size()), u(g0.size());
  std::mt19937 rng(7);
  for (auto& f : g0) f = static_cast<float>(rng() % 2001) / 1000.0f - 1.0f;
  for (auto& f : u) f = static_cast<float>(rng() % 2001) / 1000.0f - 1.0f;
  for (auto _ : state) {
    std::memcpy(g.data(), g0.data(), g.size() * 4);
    squared_relu_mul(g.data(), u.data(), n);
    benchmark::DoNotOptimize(g.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * n * 8);
}
BENCHMARK(BM_SquaredReluMul)->Apply([](benchmark::internal::Benchmark* b) { all_variants(b, {{6912}, {6913}}); });

// Thread pool: one empty parallel region on 2 threads (decode issues a few hundred per token).
void BM_ThreadPoolRegion(benchmark::State& state) {
  ThreadPool pool(static_cast<int>(state.range(0)));
  std::atomic<int> hits{0};
  for (auto _ : state) pool.run([&](int, int) { hits.fetch_add(1, std::memory_order_relaxed); });
  benchmark::DoNotOptimize(hits.load());
}
BENCHMARK(BM_ThreadPoolRegion)->Arg(1)->Arg(2)->UseRealTime();

// A parallel_for of 64 tiny items on 2 threads: the joinable region decode uses.
void BM_ThreadPoolParallelFor(benchmark::State& state) {
  ThreadPool pool(static_cast<int>(state.range(0)));
  std::atomic<int64_t> sum{0};
  for (auto _ : state) pool.parallel_for(0, 64, 1, [&](int64_t b, int64_t e) { sum.fetch_add(e - b, std::memory_order_relaxed); });
  benchmark::DoNotOptimize(sum.load());
}
BENCHMARK(BM_ThreadPoolParallelFor)->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
