// The BitNet b1.58 model as its GGUF files describe it: hyperparameters from metadata, the
// weights as views into the mapped file, validated against each other at load.
//
// Two graphs (docs/host.md has the table):
//  - `bitnet-b1.58` (also `bitnet-25`): BitNet b1.58 2B4T as bitnet.cpp / ik_llama.cpp run it.
//    Squared-ReLU gate, scales inside the weights, output.weight optional (else tied).
//  - `bitnet` (mainline llama.cpp, 1bitLLM-style): SiLU gate, optional per-tensor `*.scale`
//    tensors multiplied onto matmul outputs.
// Shared: RMSNorm, GQA attention, NEOX RoPE, attn_sub_norm before Wo, ffn_sub_norm before
// Wdown, residuals, output_norm.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gguf/reader.hpp"
#include "kernels/q8_gemm.hpp"
#include "model/weight.hpp"

namespace trit::model {

enum class Arch { BitNetB158, BitNet };
enum class FfnActivation { SquaredRelu, Silu };

struct HParams {
  Arch arch = Arch::BitNetB158;
  std::string arch_name;  // as in general.architecture; also the metadata key prefix
  int64_t n_vocab = 0;
  int64_t n_ctx_train = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  int64_t n_ff = 0;
  int64_t n_rot = 0;  // rotated dims per head (== head_dim for BitNet)
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // positions are multiplied by this (linear scaling)
  float rms_eps = 1e-5f;
  FfnActivation ffn_act = FfnActivation::SquaredRelu;

  int64_t n_embd_q() const { return n_head * head_dim; }
  int64_t n_embd_kv() const { return n_head_kv * head_dim; }
};

// Reads and checks the hyperparameters (throws Error naming the key).
HParams read_hparams(const gguf::File& f);
// Architecture names we accept, with the graph each one selects.
std::optional<Arch> arch_from_name(std::string_view name);

struct ModelOptions {
  // Run float-stored BitLinear weights through the int8 path too (test/diagnostic option):
  // each is treated as ternary with its absmax as the scale (Matrix::make_ternary).
  bool force_int8 = false;
  // Quantise a float-stored LM head (F16/BF16/F32) to Q8_0's numbers at load (int8 per weight,
  // one fp16 scale per 32): decode streams 1.06 instead of 2 bytes per head weight, at a small
  // accuracy cost (docs/kernels.md has the measurements). A head stored as Q8_0 always runs
  // this way.
  bool quantize_head = false;
};

// One BitLinear: its weight, and what the graph applies after the matmul.
struct Linear {
  Matrix w;
  float out_scale = 1.0f;    // `bitnet` arch: value of the optional `<name>.scale` tensor
  bool has_out_scale = false;
  std::vector<float> bias;   // optional `<name>.bias` [N]; empty when absent
  int index = 0;             // position in Model::linears(), for per-op state in sessions
};

struct Layer {
  std::vector<float> attn_norm, attn_sub_norm, ffn_norm, ffn_sub_norm;
  Linear wq, wk, wv, wo, ffn_gate, ffn_up, ffn_down;
};

class Model {
 public:
  // Builds the model over `file`, which must outlive it.
  static Model load(const gguf::File& file, const ModelOptions& opt = {});

  const HParams& hparams() const { return hp_; }
  const gguf::File& file() const { return *file_; }
  const Matrix& token_embd() const { return token_embd_; }
  const Matrix& output() const { return output_.valid() ? output_ : token_embd_; }
  // The LM head repacked for the Q8 kernels (Q8_0-stored heads, or ModelOptions::quantize_head),
  // else null.
  const kernels::Q8Matrix* output_q8() const { return output_q8_.get(); }
  bool tied_output() const { return !output_.valid(); }
  const std::vector<float>& output_norm() const { return output_norm_; }
  const std::vector<Layer>& layers() const { return layers_; }
  // Per-dimension RoPE frequency factors (rope_freqs.weight), empty when absent.
  const std::vector<float>& rope_freq_factors() const { return rope_freqs_; }
  // Every BitLinear, in graph order (layer by layer: q k v o gate up down).
  std::vector<const Linear*> linears() const;
  // Float-stored BitLinears that make_ternary() found not exactly ternary (force_int8 only).
  const std::vector<std::string>& inexact_forced() const { return inexact_forced_; }

 private:
  static std::shared_ptr<const kernels::Q8Matrix> quantized_head(const Matrix& head, bool quantize_float);
  const gguf::File* file_ = nullptr;
  HParams hp_;
  Matrix token_embd_, output_;
  std::shared_ptr<const kernels::Q8Matrix> output_q8_;
  std::vector<float> output_norm_;
  std::vector<float> rope_freqs_;
  std::vector<Layer> layers_;
  std::vector<std::string> inexact_forced_;
};

}  // namespace trit::model
