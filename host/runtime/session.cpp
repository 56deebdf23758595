#include "runtime/session.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "kernels/float_ops.hpp"

namespace trit::runtime {

using model::FfnActivation;
using model::Layer;
using model::Linear;
using model::Matrix;
using model::Model;

namespace {

using Clock = std::chrono::steady_clock;

// Adds the time from construction to destruction to one StageTimes field.
class StageTimer {
 public:
  explicit StageTimer(double& slot) : slot_(slot), t0_(Clock::now()) {}
  ~StageTimer() { slot_ += std::chrono::duration<double>(Clock::now() - t0_).count(); }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  double& slot_;
  Clock::time_point t0_;
};

void rms_norm_rows(const float* x, const std::vector<float>& w, float* y, int64_t M, int64_t n, float eps) {
  for (int64_t m = 0; m < M; ++m) kernels::rms_norm(x + m * n, w.data(), y + m * n, n, eps);
}

size_t physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : SIZE_MAX;
}

}  // namespace

Session::Session(const Model& model, sched::BitLinearBackend& device, sched::CpuBackend& cpu,
                 kernels::ThreadPool& pool, SessionOptions opt)
    : model_(model), hp_(model.hparams()), cpu_(cpu), pool_(pool), progress_(opt.progress) {
  n_ctx_ = opt.n_ctx > 0 ? std::min(opt.n_ctx, hp_.n_ctx_train) : hp_.n_ctx_train;
  // [n_layer][n_ctx][n_embd_kv] floats each for K and V. A context the machine cannot hold is
  // an error that names -c, not a bad_alloc.
  size_t cache = 0;
  if (__builtin_mul_overflow(static_cast<size_t>(hp_.n_layer), static_cast<size_t>(n_ctx_), &cache) ||
      __builtin_mul_overflow(cache, static_cast<size_t>(hp_.n_embd_kv()), &cache) || cache > physical_memory() / 8)
    throw Error("a KV cache for a context of " + std::to_string(n_ctx_) + " positions (" + std::to_string(hp_.n_layer) +
                " layers x " + std::to_string(hp_.n_embd_kv()) +
                " K and V values each, float32) does not fit in this machine's memory; lower the context with -c");
  // Default-initialised: pages are only touched (and only then cost memory) when used.
  k_cache_.reset(new float[cache]);
  v_cache_.reset(new float[cache]);

  // Placement: the device asked for runs every BitLinear it can; the rest is an error unless the
  // caller allowed the CPU to take them. On the CPU device itself, float-stored and
  // blockwise-scaled weights run on its float and blockwise paths (nothing falls back).
  const auto linears = model.linears();
  const bool on_cpu = &device == &cpu;
  device_of_.assign(linears.size(), nullptr);
  placement_.device = std::string(device.name());
  placement_.total = static_cast<int>(linears.size());
  for (const Linear* l : linears) {
    sched::BitLinearBackend* dev = nullptr;
    const std::string why = device.unsupported(l->w);
    if (why.empty()) {
      dev = &device;
      ++placement_.on_device;
    } else if (on_cpu) {
      ++placement_.on_device;  // the CPU's float / blockwise path: still the CPU
    } else if (!opt.allow_cpu_fallback) {
      throw PlacementError("--device " + placement_.device + ": BitLinear " + std::string(l->w.name()) + " (" +
                           std::to_string(l->w.rows()) + " x " + std::to_string(l->w.cols()) +
                           ") cannot run there: " + why +
                           ". Nothing was run; to run such layers on the CPU instead, allow it with "
                           "--allow-cpu-fallback");
    } else {
      ++placement_.fallback;
      ++placement_.reasons[why];
      if (cpu.supports(l->w)) dev = &cpu;
    }
    device_of_[static_cast<size_t>(l->index)] = dev;
  }
  // Uploads only once the whole placement is known to be possible.
  int64_t prepared = 0;
  for (const Linear* l : linears) {
    sched::BitLinearBackend* dev = device_of_[static_cast<size_t>(l->index)];
    if (progress_) progress_("upload", prepared++, static_cast<int64_t>(linears.size()));
    if (!dev) continue;
    try {
      dev->prepare(l->w);
    } catch (const sched::Error&) {
      throw;
    } catch (const std::exception& e) {
      throw sched::Error(std::string(dev->name()) + ": preparing " + std::string(l->w.name()) + ": " + e.what());
    }
  }
  if (progress_) progress_("upload", prepared, prepared);

  // theta_i = base^(-2i / n_rot) (/ freq factor), in double: positions multiply it later.
  const int64_t half = hp_.n_rot / 2;
  inv_freq_.resize(static_cast<size_t>(half));
  const auto& ff = model.rope_freq_factors();
  for (int64_t i = 0; i < half; ++i) {
    double f = std::pow(static_cast<double>(hp_.rope_freq_base), -2.0 * static_cast<double>(i) / static_cast<double>(hp_.n_rot));
    if (!ff.empty()) f /= ff[static_cast<size_t>(i)];
    inv_freq_[static_cast<size_t>(i)] = f * hp_.rope_freq_scale;
  }
}

std::string Placement::summary() const {
  std::string s = fmt::format("placement: {} of {} BitLinears on {}", on_device, total, device);
  if (fallback > 0) {
    s += fmt::format(", {} on the CPU (--allow-cpu-fallback):", fallback);
    const char* sep = " ";
    for (const auto& [why, n] : reasons) {
      s += fmt::format("{}{} because {}", sep, n, why);
      sep = "; ";
    }
  }
  return s;
}

void Session::matmul_float(const Matrix& w, const float* x, int64_t M, float* y) {
  const int64_t N = w.rows(), K = w.cols();
  std::optional<kernels::FloatType> ft;
  switch (w.info().type()) {
    case gguf::TensorType::F32: ft = kernels::FloatType::F32; break;
    case gguf::TensorType::F16: ft = kernels::FloatType::F16; break;
    case gguf::TensorType::BF16: ft = kernels::FloatType::BF16; break;
    default: break;
  }
  if (ft && !w.is_ternary()) {
    // Read in place from the mapping by the vectorised kernel; rows in chunks across threads.
    const uint8_t* data = w.info().data;
    const auto row_bytes = static_cast<int64_t>(w.info().row_bytes);
    pool_.parallel_for(0, N, 64, [&](int64_t n0, int64_t n1) {
      kernels::gemm_float(*ft, data, row_bytes, n0, n1, K, x, K, M, y, N);
    });
    return;
  }
  pool_.parallel_for(0, N, 16, [&](int64_t n0, int64_t n1) {
    std::vector<float> row(static_cast<size_t>(K));
    for (int64_t n = n0; n < n1; ++n) {
      w.row_f32(n, row.data());
      for (int64_t m = 0; m < M; ++m) y[m * N + n] = kernels::dot_f32(x + m * K, row.data(), K);
    }
  });
}

void Session::quantize(const float* x, int64_t M, int64_t K, QuantizedRows& q) {
  if (q.valid) return;
  q.q.resize(static_cast<size_t>(M * K));
  q.s.resize(static_cast<size_t>(M));
  pool_.parallel_for(0, M, 8, [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m)
      q.s[static_cast<size_t>(m)] = kernels::quantize_row_i8_absmax(x + m * K, K, q.q.data() + m * K);
  });
  q.valid = true;
}

void Session::bitlinear(const Linear& l, const float* x, QuantizedRows& q, int64_t M, float* y) {
  const Linear* one[1] = {&l};
  float* out[1] = {y};
  bitlinears(one, x, q, M, out);
}

void Session::bitlinears(std::span<const Linear* const> ls, const float* x, QuantizedRows& q, int64_t M,
                         std::span<float* const> ys) {
  StageTimer timer(times_.bitlinear_s);
  // One run() per device, in group order: on an accelerator that is one submission for the whole
  // group, on the CPU one parallel loop.
  bool done[4] = {};
  if (ls.size() > 4) throw Error("bitlinears: at most 4 matrices per group");
  for (size_t i = 0; i < ls.size(); ++i) {
    if (done[i]) continue;
    sched::BitLinearBackend* dev = device_of_[static_cast<size_t>(ls[i]->index)];
    const Matrix& w = ls[i]->w;
    const int64_t K = w.cols();
    if (dev) {
      quantize(x, M, K, q);
      sched::BitLinearBackend::Job jobs[4];
      size_t n = 0;
      for (size_t j = i; j < ls.size(); ++j)
        if (!done[j] && device_of_[static_cast<size_t>(ls[j]->index)] == dev) {
          jobs[n++] = {&ls[j]->w, ys[j]};
          done[j] = true;
        }
      dev->run(std::span<const sched::BitLinearBackend::Job>(jobs, n), q.q.data(), q.s.data(), M);
    } else if (!w.is_ternary()) {
      matmul_float(w, x, M, ys[i]);
      done[i] = true;
    } else {
      quantize(x, M, K, q);
      cpu_.gemm_blockwise(w, q.q.data(), q.s.data(), M, ys[i]);
      done[i] = true;
    }
  }
  for (size_t i = 0; i < ls.size(); ++i) {
    const Linear& l = *ls[i];
    float* y = ys[i];
    const int64_t N = l.w.rows();
    if (l.has_out_scale)
      for (int64_t j = 0; j < M * N; ++j) y[j] *= l.out_scale;
    if (!l.bias.empty())
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n) y[m * N + n] += l.bias[static_cast<size_t>(n)];
  }
}

void Session::rope_tables(int64_t M) {
  // cos/sin of every (position, pair) of this batch, computed once for all layers (angles in
  // double: positions multiply the frequencies).
  const int64_t half = hp_.n_rot / 2;
  rope_cos_.resize(static_cast<size_t>(M * half));
  rope_sin_.resize(static_cast<size_t>(M * half));
  for (int64_t m = 0; m < M; ++m) {
    const auto pos = static_cast<double>(n_past_ + m);
    for (int64_t i = 0; i < half; ++i) {
      const double a = pos * inv_freq_[static_cast<size_t>(i)];
      rope_cos_[static_cast<size_t>(m * half + i)] = static_cast<float>(std::cos(a));
      rope_sin_[static_cast<size_t>(m * half + i)] = static_cast<float>(std::sin(a));
    }
  }
}

void Session::attention(int layer, float* q, float* k, const float* v, int64_t M, float* out) {
  StageTimer timer(times_.attention_s);
  const int64_t hd = hp_.head_dim, nh = hp_.n_head, nkv = hp_.n_head_kv;
  const int64_t kv_dim = hp_.n_embd_kv(), q_dim = hp_.n_embd_q();
  const int64_t group = nh / nkv;
  const int64_t half = hp_.n_rot / 2;

  // RoPE on q and k, then append k and v to the cache.
  float* kc = k_cache_.get() + static_cast<size_t>(layer) * static_cast<size_t>(n_ctx_ * kv_dim);
  float* vc = v_cache_.get() + static_cast<size_t>(layer) * static_cast<size_t>(n_ctx_ * kv_dim);
  for (int64_t m = 0; m < M; ++m) {
    const float* cos = rope_cos_.data() + m * half;
    const float* sin = rope_sin_.data() + m * half;
    for (int64_t h = 0; h < nh; ++h) kernels::rope_neox(q + m * q_dim + h * hd, hp_.n_rot, cos, sin);
    for (int64_t h = 0; h < nkv; ++h) kernels::rope_neox(k + m * kv_dim + h * hd, hp_.n_rot, cos, sin);
    std::copy(k + m * kv_dim, k + (m + 1) * kv_dim, kc + (n_past_ + m) * kv_dim);
    std::copy(v + m * kv_dim, v + (m + 1) * kv_dim, vc + (n_past_ + m) * kv_dim);
  }
  dump("Qcur", layer, q, M, q_dim);
  dump("Kcur", layer, k, M, kv_dim);

  // softmax(q k^T / sqrt(hd) + causal mask) v, one (token, head) pair per work item. Threads
  // only when the work outweighs a hand-off: 2^16 multiply-adds are about 10 us of attention
  // and a region costs about 1 us (decode of the 2B4T shape splits its heads from 26 keys on).
  const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
  const int64_t work = M * nh * (n_past_ + M) * hd;
  const int64_t grain = work < (int64_t{1} << 16) ? M * nh : 1;
  pool_.parallel_for(0, M * nh, grain, [&](int64_t i0, int64_t i1) {
    std::vector<float> scores(static_cast<size_t>(n_past_ + M));
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t m = i / nh, h = i % nh, g = h / group;
      kernels::attention_head(q + m * q_dim + h * hd, kc + g * hd, vc + g * hd, kv_dim, n_past_ + m + 1, hd, scale,
                              out + m * q_dim + h * hd, scores.data());
    }
  });
}

void Session::norm(const char* name, int layer, const float* x, const std::vector<float>& w, float* y, int64_t M,
                   int64_t n) {
  {
    StageTimer timer(times_.other_s);
    pool_.parallel_for(0, M, 16, [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) kernels::rms_norm(x + m * n, w.data(), y + m * n, n, hp_.rms_eps);
    });
  }
  dump(name, layer, y, M, n);
}

void Session::linear_alone(const char* name, int layer, const Linear& l, const float* x, int64_t M, float* y) {
  QuantizedRows xq;
  bitlinear(l, x, xq, M, y);
  dump(name, layer, y, M, l.w.rows());
}

void Session::add_rows(const char* name, int layer, float* x, const float* delta, int64_t M, int64_t n) {
  {
    StageTimer timer(times_.other_s);
    for (int64_t i = 0; i < M * n; ++i) x[i] += delta[i];
  }
  dump(name, layer, x, M, n);
}

std::vector<float> Session::eval(std::span<const int32_t> tokens, bool all_logits) {
  const auto M = static_cast<int64_t>(tokens.size());
  if (M == 0) throw Error("eval: empty batch");
  if (n_past_ + M > n_ctx_)
    throw Error("context full: " + std::to_string(n_past_) + " positions used + " + std::to_string(M) +
                " new tokens exceed the context of " + std::to_string(n_ctx_) + " (see -c)");
  for (int64_t m = 0; m < M; ++m) {
    const int32_t id = tokens[static_cast<size_t>(m)];
    if (id < 0 || id >= hp_.n_vocab)
      throw Error("token id " + std::to_string(id) + " at batch position " + std::to_string(m) +
                  " is outside the vocabulary [0, " + std::to_string(hp_.n_vocab) + ")");
  }
  const int64_t E = hp_.n_embd, Q = hp_.n_embd_q(), KV = hp_.n_embd_kv(), F = hp_.n_ff;
  const auto sz = [M](int64_t cols) { return static_cast<size_t>(M * cols); };
  // Activations of this batch; the buffers are the session's, reused across calls.
  Buffers& b = buffers_;
  for (auto [buf, cols] : {std::pair{&b.x, E}, {&b.h, E}, {&b.q, Q}, {&b.k, KV}, {&b.v, KV}, {&b.att, Q}, {&b.o, E},
                           {&b.gate, F}, {&b.up, F}})
    buf->resize(sz(cols));
  std::vector<float>&x = b.x, &h = b.h, &q = b.q, &k = b.k, &v = b.v, &att = b.att, &o = b.o, &gate = b.gate, &up = b.up;
  rope_tables(M);

  {
    StageTimer timer(times_.other_s);
    for (int64_t m = 0; m < M; ++m) model_.token_embd().row_f32(tokens[static_cast<size_t>(m)], x.data() + m * E);
  }
  dump("inp_embd", -1, x.data(), M, E);

  for (int il = 0; il < static_cast<int>(hp_.n_layer); ++il) {
    if (progress_) progress_("layer", il, hp_.n_layer);
    const Layer& L = model_.layers()[static_cast<size_t>(il)];
    norm("attn_norm", il, x.data(), L.attn_norm, h.data(), M, E);
    QuantizedRows& hq = b.hq;  // q, k and v read the same input: quantise it once
    hq.valid = false;
    {
      const Linear* qkv[3] = {&L.wq, &L.wk, &L.wv};
      float* out[3] = {q.data(), k.data(), v.data()};
      bitlinears(qkv, h.data(), hq, M, out);
    }
    dump("Vcur", il, v.data(), M, KV);
    attention(il, q.data(), k.data(), v.data(), M, att.data());
    dump("kqv_out", il, att.data(), M, Q);
    norm("attn_sub_norm", il, att.data(), L.attn_sub_norm, att.data(), M, Q);
    linear_alone("attn_o_out", il, L.wo, att.data(), M, o.data());
    add_rows("ffn_inp", il, x.data(), o.data(), M, E);
    norm("ffn_norm", il, x.data(), L.ffn_norm, h.data(), M, E);
    QuantizedRows& fq = b.fq;  // gate and up share their input
    fq.valid = false;
    {
      const Linear* gu[2] = {&L.ffn_gate, &L.ffn_up};
      float* out[2] = {gate.data(), up.data()};
      bitlinears(gu, h.data(), fq, M, out);
    }
    {
      StageTimer timer(times_.other_s);
      const bool relu2 = hp_.ffn_act == FfnActivation::SquaredRelu;
      pool_.parallel_for(0, M, 8, [&](int64_t m0, int64_t m1) {
        float* g = gate.data() + m0 * F;
        const float* u = up.data() + m0 * F;
        const int64_t n = (m1 - m0) * F;
        if (relu2) {
          kernels::squared_relu_mul(g, u, n);
        } else {
          kernels::silu_mul(g, u, n);
        }
      });
    }
    dump("ffn_sub_out", il, gate.data(), M, F);
    norm("ffn_sub_norm", il, gate.data(), L.ffn_sub_norm, gate.data(), M, F);
    linear_alone("ffn_down", il, L.ffn_down, gate.data(), M, o.data());
    add_rows("l_out", il, x.data(), o.data(), M, E);
  }
  if (progress_) progress_("layer", hp_.n_layer, hp_.n_layer);
  n_past_ += M;

  StageTimer timer(times_.head_s);
  const int64_t first = all_logits ? 0 : M - 1;
  const int64_t rows = M - first;
  std::vector<float> normed(static_cast<size_t>(rows * E));
  rms_norm_rows(x.data() + first * E, model_.output_norm(), normed.data(), rows, E, hp_.rms_eps);
  dump("result_norm", -1, normed.data(), rows, E);
  std::vector<float> logits(static_cast<size_t>(rows * hp_.n_vocab));
  if (const kernels::Q8Matrix* q8 = model_.output_q8()) {
    head_q8_.quantize(normed.data(), rows, E, E, q8->cols_padded());
    pool_.parallel_for(0, q8->groups(), 4, [&](int64_t g0, int64_t g1) {
      kernels::gemm_q8(*q8, g0, g1, head_q8_.input(), logits.data(), hp_.n_vocab);
    });
  } else {
    matmul_float(model_.output(), normed.data(), rows, logits.data());
  }
  dump("result_output", -1, logits.data(), rows, hp_.n_vocab);
  for (size_t i = 0; i < logits.size(); ++i) {
    if (!std::isfinite(logits[i]))
      throw Error("non-finite logit at position " + std::to_string(n_past_ - rows + static_cast<int64_t>(i) / hp_.n_vocab) +
                  " (token " + std::to_string(static_cast<int64_t>(i) % hp_.n_vocab) +
                  "): the model's weights or scales hold NaN/Inf or overflow");
  }
  return logits;
}

}  // namespace trit::runtime
