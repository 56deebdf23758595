#include "model/model.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

#include "gguf/tensor_decode.hpp"

namespace trit::model {

namespace {

// Metadata access with errors that name the file; wraps gguf::Error.
class Meta {
 public:
  Meta(const gguf::File& f, std::string prefix) : f_(f), prefix_(std::move(prefix)) {}
  std::string key(const std::string& suffix) const { return prefix_ + "." + suffix; }
  [[noreturn]] void fail(const std::string& what) const { throw Error(f_.path() + ": " + what); }
  // Runs a gguf getter, turning its error into a model::Error that names the file.
  template <typename Fn>
  auto wrap(Fn&& fn) const {
    try {
      return fn();
    } catch (const gguf::Error& e) {
      fail(e.what());
    }
  }

  int64_t required_count(const std::string& suffix) const {
    const std::string k = key(suffix);
    if (!f_.has(k)) fail("missing metadata key '" + k + "'");
    return positive(k, wrap([&] { return static_cast<int64_t>(f_.get_u32(k)); }));
  }
  std::optional<int64_t> optional_count(const std::string& suffix) const {
    const std::string k = key(suffix);
    if (!f_.has(k)) return std::nullopt;
    return positive(k, wrap([&] { return static_cast<int64_t>(f_.get_u32(k)); }));
  }
  std::optional<float> optional_f32(const std::string& suffix) const {
    const std::string k = key(suffix);
    if (!f_.has(k)) return std::nullopt;
    const float v = wrap([&] { return f_.get_f32(k); });
    if (!std::isfinite(v)) fail("metadata key '" + k + "' is not finite");
    return v;
  }
  std::optional<std::string> optional_string(const std::string& suffix) const {
    const std::string k = key(suffix);
    if (!f_.has(k)) return std::nullopt;
    return std::string(wrap([&] { return f_.get_string(k); }));
  }

 private:
  int64_t positive(const std::string& k, int64_t v) const {
    if (v <= 0) fail("metadata key '" + k + "' must be positive, got " + std::to_string(v));
    return v;
  }

  const gguf::File& f_;
  std::string prefix_;
};

std::string shape_str(std::initializer_list<int64_t> ne) {
  std::string s = "[";
  bool first = true;
  for (int64_t d : ne) {
    if (!first) s += ", ";
    s += std::to_string(d);
    first = false;
  }
  return s + "]";
}

class Loader {
 public:
  explicit Loader(const gguf::File& f) : f_(f) {}

  const gguf::TensorInfo* find(const std::string& name) const { return f_.find_tensor(name); }

  const gguf::TensorInfo& require(const std::string& name) const {
    const gguf::TensorInfo* t = find(name);
    if (t == nullptr) throw Error(f_.path() + ": missing tensor '" + name + "'");
    return *t;
  }

  void check_shape(const gguf::TensorInfo& t, std::initializer_list<int64_t> ne) const {
    bool ok = t.n_dims <= 4;
    size_t d = 0;
    for (int64_t e : ne) ok = ok && t.ne[d++] == static_cast<uint64_t>(e);
    for (; d < 4; ++d) ok = ok && t.ne[d] == 1;
    if (!ok)
      throw Error(f_.path() + ": tensor '" + std::string(t.name) + "' has shape " + t.shape_string() +
                  ", but the metadata implies " + shape_str(ne));
  }

  // A 1-D float vector (norm weights, biases), copied out (they are small).
  std::vector<float> vector(const gguf::TensorInfo& t, int64_t n) const {
    check_shape(t, {n});
    if (!gguf::is_float_type(t.type_id))
      throw Error(f_.path() + ": tensor '" + std::string(t.name) + "' has type " + gguf::type_name(t.type_id) +
                  "; norm weights and biases must be F32, F16 or BF16");
    std::vector<float> v(static_cast<size_t>(n));
    gguf::dequantize_row(t, 0, v.data());
    return v;
  }

  std::vector<float> vector(const std::string& name, int64_t n) const { return vector(require(name), n); }

  Matrix matrix(const gguf::TensorInfo& t, int64_t n_in, int64_t n_out) const {
    check_shape(t, {n_in, n_out});
    try {
      return Matrix(t);
    } catch (const Error& e) {
      throw Error(f_.path() + ": " + e.what());
    }
  }

  Linear linear(const std::string& base, int64_t n_in, int64_t n_out) const {
    Linear l;
    l.w = matrix(require(base + ".weight"), n_in, n_out);
    if (const gguf::TensorInfo* b = find(base + ".bias")) l.bias = vector(*b, n_out);
    if (const gguf::TensorInfo* s = find(base + ".scale")) {
      // `bitnet` arch: one F32 scale multiplied onto the matmul output.
      const auto v = vector(*s, 1);
      if (!std::isfinite(v[0]))
        throw Error(f_.path() + ": tensor '" + base + ".scale' is not finite");
      l.out_scale = v[0];
      l.has_out_scale = true;
    }
    return l;
  }

 private:
  const gguf::File& f_;
};

}  // namespace

std::optional<Arch> arch_from_name(std::string_view name) {
  if (name == "bitnet-b1.58" || name == "bitnet-25") return Arch::BitNetB158;
  if (name == "bitnet") return Arch::BitNet;
  return std::nullopt;
}

HParams read_hparams(const gguf::File& f) {
  HParams hp;
  if (!f.has("general.architecture"))
    throw Error(f.path() + ": missing metadata key 'general.architecture'");
  try {
    hp.arch_name = std::string(f.get_string("general.architecture"));
  } catch (const gguf::Error& e) {
    throw Error(f.path() + ": " + e.what());
  }
  const auto arch = arch_from_name(hp.arch_name);
  if (!arch)
    throw Error(f.path() + ": unsupported model architecture '" + hp.arch_name +
                "' (trit runs bitnet-b1.58, bitnet-25 and bitnet)");
  hp.arch = *arch;
  hp.ffn_act = hp.arch == Arch::BitNet ? FfnActivation::Silu : FfnActivation::SquaredRelu;

  const Meta m(f, hp.arch_name);
  hp.n_embd = m.required_count("embedding_length");
  hp.n_layer = m.required_count("block_count");
  hp.n_ff = m.required_count("feed_forward_length");
  hp.n_head = m.required_count("attention.head_count");
  hp.n_head_kv = m.optional_count("attention.head_count_kv").value_or(hp.n_head);
  hp.n_ctx_train = m.required_count("context_length");
  if (hp.n_embd % hp.n_head != 0)
    m.fail("embedding_length " + std::to_string(hp.n_embd) + " is not a multiple of head_count " +
           std::to_string(hp.n_head));
  hp.head_dim = m.optional_count("attention.key_length").value_or(hp.n_embd / hp.n_head);
  // Keeps n_head * head_dim (and every size derived from it) far from int64 overflow; real
  // models are below 2^20.
  if (hp.head_dim > (int64_t{1} << 20))
    m.fail("attention.key_length " + std::to_string(hp.head_dim) + " is larger than 2^20");
  const int64_t v_len = m.optional_count("attention.value_length").value_or(hp.head_dim);
  if (v_len != hp.head_dim)
    m.fail("attention.value_length " + std::to_string(v_len) + " differs from key_length " +
           std::to_string(hp.head_dim) + " (not supported)");
  if (hp.n_head % hp.n_head_kv != 0)
    m.fail("head_count " + std::to_string(hp.n_head) + " is not a multiple of head_count_kv " +
           std::to_string(hp.n_head_kv));
  hp.n_rot = m.optional_count("rope.dimension_count").value_or(hp.head_dim);
  if (hp.n_rot > hp.head_dim || hp.n_rot % 2 != 0)
    m.fail("rope.dimension_count " + std::to_string(hp.n_rot) + " must be even and at most the head size " +
           std::to_string(hp.head_dim));
  const auto eps = m.optional_f32("attention.layer_norm_rms_epsilon");
  if (!eps) m.fail("missing metadata key '" + m.key("attention.layer_norm_rms_epsilon") + "'");
  if (!(*eps > 0)) m.fail("attention.layer_norm_rms_epsilon must be positive");
  hp.rms_eps = *eps;
  hp.rope_freq_base = m.optional_f32("rope.freq_base").value_or(10000.0f);
  if (!(hp.rope_freq_base > 0)) m.fail("rope.freq_base must be positive");

  // RoPE scaling: none or linear (what mainline's converter writes, factor 1). Anything else
  // changes the positions in ways this runtime does not implement: refuse rather than guess.
  const std::string scaling = m.optional_string("rope.scaling.type").value_or("none");
  float factor = m.optional_f32("rope.scaling.factor").value_or(0.0f);
  if (const auto lin = m.optional_f32("rope.scale_linear")) factor = *lin;  // older key
  if (scaling != "none" && scaling != "linear")
    m.fail("rope.scaling.type '" + scaling + "' is not supported (none or linear)");
  if (factor < 0) m.fail("rope scaling factor must not be negative");
  hp.rope_freq_scale = factor == 0.0f ? 1.0f : 1.0f / factor;
  return hp;
}

std::vector<const Linear*> Model::linears() const {
  std::vector<const Linear*> out;
  for (const Layer& l : layers_)
    for (const Linear* p : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) out.push_back(p);
  return out;
}

Model Model::load(const gguf::File& file, const ModelOptions& opt) {
  Model md;
  md.file_ = &file;
  md.hp_ = read_hparams(file);
  HParams& hp = md.hp_;
  const Loader ld(file);
  const Meta m(file, hp.arch_name);

  const gguf::TensorInfo& embd = ld.require("token_embd.weight");
  hp.n_vocab = static_cast<int64_t>(embd.ne[1]);
  if (hp.n_vocab <= 0) m.fail("token_embd.weight " + embd.shape_string() + " has no rows");
  if (const auto nv = m.optional_count("vocab_size"); nv && *nv != hp.n_vocab)
    m.fail("vocab_size " + std::to_string(*nv) + " does not match token_embd.weight " + embd.shape_string());
  if (file.has("tokenizer.ggml.tokens")) {
    uint64_t n_tokens = 0;
    try {
      n_tokens = file.get_array_size("tokenizer.ggml.tokens");
    } catch (const gguf::Error& e) {
      m.fail(e.what());
    }
    // Fewer vocabulary entries than embedding rows is padding; more could never be embedded.
    if (n_tokens > static_cast<uint64_t>(hp.n_vocab))
      m.fail("the tokenizer has " + std::to_string(n_tokens) + " tokens but token_embd.weight has only " +
             std::to_string(hp.n_vocab) + " rows");
  }
  md.token_embd_ = ld.matrix(embd, hp.n_embd, hp.n_vocab);
  md.output_norm_ = ld.vector("output_norm.weight", hp.n_embd);
  if (const gguf::TensorInfo* out = ld.find("output.weight")) md.output_ = ld.matrix(*out, hp.n_embd, hp.n_vocab);
  if (const gguf::TensorInfo* rf = ld.find("rope_freqs.weight")) md.rope_freqs_ = ld.vector(*rf, hp.n_rot / 2);

  // Every layer has at least 11 tensors: a block_count the file cannot hold is refused before
  // anything is sized by it (fuzzer finding: block_count = 2^25 allocated 2^25 layers).
  if (static_cast<uint64_t>(hp.n_layer) > file.tensors().size() / 11)
    m.fail("block_count " + std::to_string(hp.n_layer) + " needs at least " + std::to_string(11 * hp.n_layer) +
           " tensors, the file has " + std::to_string(file.tensors().size()));
  const int64_t nq = hp.n_embd_q(), nkv = hp.n_embd_kv();
  md.layers_.resize(static_cast<size_t>(hp.n_layer));
  int index = 0;
  for (int64_t il = 0; il < hp.n_layer; ++il) {
    Layer& L = md.layers_[static_cast<size_t>(il)];
    const std::string p = "blk." + std::to_string(il) + ".";
    L.attn_norm = ld.vector(p + "attn_norm.weight", hp.n_embd);
    L.attn_sub_norm = ld.vector(p + "attn_sub_norm.weight", nq);
    L.ffn_norm = ld.vector(p + "ffn_norm.weight", hp.n_embd);
    L.ffn_sub_norm = ld.vector(p + "ffn_sub_norm.weight", hp.n_ff);
    L.wq = ld.linear(p + "attn_q", hp.n_embd, nq);
    L.wk = ld.linear(p + "attn_k", hp.n_embd, nkv);
    L.wv = ld.linear(p + "attn_v", hp.n_embd, nkv);
    L.wo = ld.linear(p + "attn_output", nq, hp.n_embd);
    L.ffn_gate = ld.linear(p + "ffn_gate", hp.n_embd, hp.n_ff);
    L.ffn_up = ld.linear(p + "ffn_up", hp.n_embd, hp.n_ff);
    L.ffn_down = ld.linear(p + "ffn_down", hp.n_ff, hp.n_embd);
    for (Linear* l : {&L.wq, &L.wk, &L.wv, &L.wo, &L.ffn_gate, &L.ffn_up, &L.ffn_down}) {
      l->index = index++;
      if (opt.force_int8 && !l->w.is_ternary() && !l->w.make_ternary())
        md.inexact_forced_.emplace_back(l->w.name());
    }
  }
  md.output_q8_ = quantized_head(md.output(), opt.quantize_head);
  return md;
}

std::shared_ptr<const kernels::Q8Matrix> Model::quantized_head(const Matrix& head, bool quantize_float) {
  const gguf::TensorInfo& t = head.info();
  const bool q8_0 = t.type() == gguf::TensorType::Q8_0;
  if (!q8_0 && !(quantize_float && gguf::is_float_type(t.type_id))) return nullptr;
  const int64_t N = head.rows(), K = head.cols();
  auto q = std::make_shared<kernels::Q8Matrix>(N, K);
  // Rows split over the hardware threads: 128k x 2560 heads take seconds on one.
  const int n_threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  std::vector<std::thread> threads;
  std::exception_ptr error;
  std::mutex mu;
  for (int i = 0; i < n_threads; ++i)
    threads.emplace_back([&, i] {
      try {
        std::vector<float> row(static_cast<size_t>(K));
        for (int64_t n = N * i / n_threads; n < N * (i + 1) / n_threads; ++n) {
          if (q8_0) {
            q->set_row_q8_0(n, t.data + static_cast<uint64_t>(n) * t.row_bytes);
          } else {
            head.row_f32(n, row.data());
            q->set_row(n, row.data());
          }
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
      }
    });
  for (auto& th : threads) th.join();
  if (error) std::rethrow_exception(error);
  // Decode reads the repacked head; token embedding lookups fault single rows back in.
  release_file_pages(t);
  return q;
}

}  // namespace trit::model
