// One inference sequence over a Model: the KV cache and the forward pass.
//
// eval() runs any number of tokens as one batch (the whole prompt in one M-token pass, or
// M = 1 per decode step) at the next positions, and returns their logits.
//
// BitLinear (every attn_q/k/v/output, ffn_gate/up/down):
//  - ternary weights: each activation row is quantised to int8 (kernels::quantize_row_i8_absmax,
//    BitNet's per-token absmax), the weight's device computes the int32 product, and the result
//    is rescaled y = acc / s_x * w_scale (then `*.scale` and bias when present). Rows whose block
//    scales differ run the CPU's blockwise path;
//  - float-stored weights (F32/F16/BF16) run in float, no activation quantisation, unless the
//    model was loaded with ModelOptions::force_int8.
// Placement: every BitLinear goes to the device the session was given. A weight that device
// cannot run stops the construction with a PlacementError naming it and why, unless
// SessionOptions::allow_cpu_fallback lets it run on the CPU (and placement() says so). Matrices
// that read the same input (q/k/v, gate/up) go to their device as one group: one submission on
// an accelerator, one parallel loop on the CPU.
// KV cache: float32 K and V, [n_layer][n_ctx][n_head_kv * head_dim], allocated untouched so
// memory grows with the positions actually used.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/thread_pool.hpp"
#include "model/model.hpp"
#include "sched/bitlinear_backend.hpp"
#include "sched/cpu_backend.hpp"

namespace trit::runtime {

using model::Error;

// A BitLinear the chosen device cannot run, without permission to fall back.
class PlacementError : public sched::Error {
 public:
  using sched::Error::Error;
};

// Progress of long steps, for a user watching a slow device: stage "upload" (weights prepared,
// once per BitLinear at construction) or "layer" (layers of the batch being evaluated), with
// how many of how many are done.
using ProgressHook = std::function<void(std::string_view stage, int64_t done, int64_t total)>;

struct SessionOptions {
  int64_t n_ctx = 0;  // 0: the model's context_length; larger values are capped to it
  // Run the BitLinears the device cannot take on the CPU instead of failing (--allow-cpu-fallback).
  bool allow_cpu_fallback = false;
  ProgressHook progress;  // also kept for eval(); may be empty
};

// Where the BitLinears of a session run.
struct Placement {
  std::string device;    // the device asked for
  int on_device = 0;     // BitLinears on it
  int fallback = 0;      // on the CPU because the device cannot run them (allow_cpu_fallback)
  int total = 0;
  // For the fallbacks: reason -> how many, e.g. "F32 weights are not ternary ..." -> 21.
  std::map<std::string, int> reasons;
  // "placement: 28 of 28 BitLinears on sim:r3c5v8b128" (plus the CPU share and why, if any).
  std::string summary() const;
};

// Called for every named intermediate tensor (names follow llama.cpp's graph callbacks:
// inp_embd, attn_norm, Qcur, Kcur, Vcur, kqv_out, attn_sub_norm, attn_o_out, ffn_inp, ffn_norm,
// ffn_sub_out, ffn_sub_norm, ffn_down, l_out, result_norm, result_output), with the layer
// index (-1 outside layers) and the data as [rows][cols] float32.
using DumpHook =
    std::function<void(std::string_view name, int layer, const float* data, int64_t rows, int64_t cols)>;

// Where time went, accumulated over every eval() since construction or reset_times().
struct StageTimes {
  double bitlinear_s = 0;  // activation quantisation, integer/float matmuls, rescale
  double attention_s = 0;  // RoPE, KV cache, scores, softmax, weighted sum
  double head_s = 0;       // output norm + LM head
  double other_s = 0;      // embeddings, norms, activations, residuals
};

class Session {
 public:
  // `device` runs every BitLinear (it may be `cpu` itself); see Placement above. `device`, `cpu`,
  // `model` and `pool` must outlive the session. Throws PlacementError, or sched::Error when a
  // weight cannot be uploaded (device memory), naming the weight.
  Session(const model::Model& model, sched::BitLinearBackend& device, sched::CpuBackend& cpu,
          kernels::ThreadPool& pool, SessionOptions opt = {});

  int64_t n_ctx() const { return n_ctx_; }
  int64_t n_past() const { return n_past_; }
  void reset() { n_past_ = 0; }
  // Forgets every position from n on (chat turns that rewrite the tail); n > n_past() is a no-op.
  void truncate(int64_t n) { n_past_ = std::min(n_past_, std::max<int64_t>(n, 0)); }

  // Runs `tokens` at positions n_past() .. n_past() + size - 1. Returns logits [size][n_vocab]
  // when all_logits, else [1][n_vocab] for the last token. Throws Error for an empty batch, a
  // token id outside the vocabulary or a batch that does not fit the context.
  std::vector<float> eval(std::span<const int32_t> tokens, bool all_logits);

  void set_dump_hook(DumpHook hook) { dump_ = std::move(hook); }
  void set_progress_hook(ProgressHook hook) { progress_ = std::move(hook); }
  const StageTimes& times() const { return times_; }
  void reset_times() { times_ = {}; }
  const Placement& placement() const { return placement_; }
  std::string placement_summary() const { return placement_.summary(); }

 private:
  // Int8 rows of one BitLinear input, made once and shared by every matmul that reads the same
  // input (q/k/v, gate/up).
  struct QuantizedRows {
    std::vector<int8_t> q;  // [M][K]
    std::vector<float> s;   // [M] s_x = 127 / absmax
    bool valid = false;
  };
  void quantize(const float* x, int64_t M, int64_t K, QuantizedRows& q);
  void bitlinear(const model::Linear& l, const float* x, QuantizedRows& q, int64_t M, float* y);
  // Matrices reading the same input x: one run() per device among them.
  void bitlinears(std::span<const model::Linear* const> ls, const float* x, QuantizedRows& q, int64_t M,
                  std::span<float* const> ys);
  void rope_tables(int64_t M);
  void matmul_float(const model::Matrix& w, const float* x, int64_t M, float* y);
  void attention(int layer, float* q, float* k, const float* v, int64_t M, float* out);
  // Timed and dumped building blocks of eval().
  void norm(const char* name, int layer, const float* x, const std::vector<float>& w, float* y, int64_t M, int64_t n);
  void linear_alone(const char* name, int layer, const model::Linear& l, const float* x, int64_t M, float* y);
  void add_rows(const char* name, int layer, float* x, const float* delta, int64_t M, int64_t n);
  void dump(std::string_view name, int layer, const float* data, int64_t rows, int64_t cols) const {
    if (dump_) dump_(name, layer, data, rows, cols);
  }

  const model::Model& model_;
  const model::HParams& hp_;
  sched::CpuBackend& cpu_;
  kernels::ThreadPool& pool_;
  // Per Linear::index: the device of an integer BitLinear; nullptr: the CPU's float or
  // blockwise path.
  std::vector<sched::BitLinearBackend*> device_of_;
  Placement placement_;
  int64_t n_ctx_ = 0;
  int64_t n_past_ = 0;
  std::unique_ptr<float[]> k_cache_, v_cache_;  // [n_layer][n_ctx][n_embd_kv]
  std::vector<double> inv_freq_;                // [n_rot/2] RoPE angle per position
  DumpHook dump_;
  ProgressHook progress_;
  StageTimes times_;
  std::vector<float> rope_cos_, rope_sin_;  // [M][n_rot/2] of the current batch
  kernels::Q8Activations head_q8_;          // the LM head's input, for a Q8 head
  struct Buffers {
    std::vector<float> x, h, q, k, v, att, o, gate, up;  // [M][width]
    QuantizedRows hq, fq;
  } buffers_;
};

}  // namespace trit::runtime
