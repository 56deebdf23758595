// Test-side writers for ternary block formats and whole synthetic BitNet GGUF models.
//
// The packers are written from the published format descriptions (ggml-common.h's block
// comments for TQ1_0/TQ2_0, bitnet.cpp's I2_S packing, ik_llama.cpp's IQ1_BN/IQ2_BN rows; see
// docs/host.md), independently of the runtime's decoders, so tests can check one against the
// other. The model builder makes small models with every optional feature (scale tensors,
// biases, untied head, rope_freqs) for tests and fuzz seeds. Depends only on gguf/.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gguf/types.hpp"

namespace trit::testutil {

// ceil(256 * v / 243): base-3 fixed point of a 5-trit value v < 243.
uint8_t base3_byte(int v);

// codes: {-1, 0, +1}; scales as fp16 bits where the format stores fp16.
std::vector<uint8_t> pack_tq2_0(const int8_t* codes /*[256]*/, uint16_t d_fp16);
std::vector<uint8_t> pack_tq1_0(const int8_t* codes /*[256]*/, uint16_t d_fp16);
std::vector<uint8_t> pack_iq2_bn_block(const int8_t* codes /*[64]*/);
std::vector<uint8_t> pack_iq1_bn_block(const int8_t* codes /*[64]*/);
std::vector<uint8_t> pack_i2_s_block(const int8_t* codes /*[128]*/);

// A whole ternary matrix [N][K] (codes row-major) with one scale per tensor in `type`'s layout
// (F32/F16/BF16 store codes * scale). `scale` must be fp16-representable for fp16 formats.
std::vector<uint8_t> pack_ternary_matrix(uint32_t type, const std::vector<int8_t>& codes, int64_t N, int64_t K,
                                         float scale);

struct SynthSpec {
  std::string arch = "bitnet-b1.58";
  int64_t n_embd = 256, n_ff = 256, n_head = 4, n_head_kv = 2, n_layer = 1, n_vocab = 32, n_ctx = 64;
  uint32_t weight_type = 0;  // F32 (the type of every BitLinear weight)
  std::map<std::string, uint32_t> weight_type_of;  // per BitLinear ("blk.0.ffn_up"): overrides weight_type
  uint32_t embd_type = 0;    // F32 or F16
  bool scale_tensors = false;  // `bitnet`: add `<linear>.scale` tensors (weights then unscaled)
  bool biases = false;
  bool untied_output = false;  // add output.weight (a copy of token_embd)
  bool rope_freqs = false;     // add rope_freqs.weight (all ones: no effect)
  bool tokenizer = true;       // tokenizer.ggml.* for a byte-level "llama" vocabulary
  uint32_t seed = 1;
};

// A complete GGUF file. Weights: codes with P(0) = 0.4, scale about 1/sqrt(0.6 * n_in) rounded
// to 8 significant bits (exact in every weight type, BF16 included); norms in [0.8, 1.2] (F32);
// embeddings ~ N(0, 2/sqrt(n_embd)) rounded to fp16.
std::vector<uint8_t> build_synthetic_model(const SynthSpec& spec);

}  // namespace trit::testutil
