#include "model_builder.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include "gguf/tensor_decode.hpp"
#include "gguf/writer.hpp"

namespace trit::testutil {

uint8_t base3_byte(int v) { return static_cast<uint8_t>((256 * v + 242) / 243); }

// TQ2_0 (ggml-common.h): element 128h + 32l + m lives in bits 2l..2l+1 of qs[32h + m]; fp16 d last.
std::vector<uint8_t> pack_tq2_0(const int8_t* c, uint16_t d) {
  std::vector<uint8_t> b(66, 0);
  for (int h = 0; h < 2; ++h)
    for (int l = 0; l < 4; ++l)
      for (int m = 0; m < 32; ++m) b[32 * h + m] |= static_cast<uint8_t>((c[128 * h + 32 * l + m] + 1) << (2 * l));
  std::memcpy(&b[64], &d, 2);
  return b;
}

// TQ1_0: qs[m] (m<32) = elements m, 32+m, ..., 128+m with the first most significant;
// qs[32+m] (m<16) = elements 160+m, 176+m, ..., 224+m; qh[j] = elements 240+j, 244+j, 248+j,
// 252+j, then a zero trit; fp16 d last.
std::vector<uint8_t> pack_tq1_0(const int8_t* c, uint16_t d) {
  std::vector<uint8_t> b(54, 0);
  for (int m = 0; m < 32; ++m) {
    int v = 0;
    for (int n = 0; n < 5; ++n) v = v * 3 + (c[32 * n + m] + 1);
    b[m] = base3_byte(v);
  }
  for (int m = 0; m < 16; ++m) {
    int v = 0;
    for (int n = 0; n < 5; ++n) v = v * 3 + (c[160 + 16 * n + m] + 1);
    b[32 + m] = base3_byte(v);
  }
  for (int j = 0; j < 4; ++j) {
    int v = 0;
    for (int n = 0; n < 4; ++n) v = v * 3 + (c[240 + 4 * n + j] + 1);
    b[48 + j] = base3_byte(v * 3);
  }
  std::memcpy(&b[52], &d, 2);
  return b;
}

// IQ2_BN block: byte j holds elements j, j+16, j+32, j+48 from the low bits up.
std::vector<uint8_t> pack_iq2_bn_block(const int8_t* c) {
  std::vector<uint8_t> b(16, 0);
  for (int j = 0; j < 16; ++j)
    for (int l = 0; l < 4; ++l) b[j] |= static_cast<uint8_t>((c[j + 16 * l] + 1) << (2 * l));
  return b;
}

// IQ1_BN block: ql[3g+k] = 5 trits of elements 16g+5k+j with element j weighted 3^j;
// extra = trits of elements 16g+15 with group g weighted 3^g.
std::vector<uint8_t> pack_iq1_bn_block(const int8_t* c) {
  std::vector<uint8_t> b(13, 0);
  int extra = 0, wg = 1;
  for (int g = 0; g < 4; ++g, wg *= 3) {
    for (int k = 0; k < 3; ++k) {
      int v = 0, w = 1;
      for (int j = 0; j < 5; ++j, w *= 3) v += w * (c[16 * g + 5 * k + j] + 1);
      b[3 * g + k] = base3_byte(v);
    }
    extra += wg * (c[16 * g + 15] + 1);
  }
  b[12] = base3_byte(extra);
  return b;
}

// I2_S block of 128: byte j holds elements j, j+32, j+64, j+96 from the high bits down.
std::vector<uint8_t> pack_i2_s_block(const int8_t* c) {
  std::vector<uint8_t> b(32, 0);
  for (int j = 0; j < 32; ++j)
    for (int g = 0; g < 4; ++g) b[j] |= static_cast<uint8_t>((c[32 * g + j] + 1) << (6 - 2 * g));
  return b;
}

namespace {

void append(std::vector<uint8_t>& out, const std::vector<uint8_t>& more) { out.insert(out.end(), more.begin(), more.end()); }

template <typename T>
void append_scalar(std::vector<uint8_t>& out, T v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

std::vector<uint8_t> pack_floats(uint32_t type, const std::vector<float>& v) {
  std::vector<uint8_t> out;
  for (float x : v) {
    switch (static_cast<gguf::TensorType>(type)) {
      case gguf::TensorType::F32: append_scalar(out, x); break;
      case gguf::TensorType::F16: append_scalar(out, gguf::f32_to_fp16(x)); break;
      case gguf::TensorType::BF16: {
        uint32_t u;
        std::memcpy(&u, &x, 4);
        append_scalar(out, static_cast<uint16_t>(u >> 16));  // truncation: exact for bf16-valued data
        break;
      }
      default: throw std::invalid_argument("pack_floats: not a float type");
    }
  }
  return out;
}

}  // namespace

std::vector<uint8_t> pack_ternary_matrix(uint32_t type, const std::vector<int8_t>& codes, int64_t N, int64_t K,
                                         float scale) {
  std::vector<uint8_t> out;
  const uint16_t d = gguf::f32_to_fp16(scale);
  switch (static_cast<gguf::TensorType>(type)) {
    case gguf::TensorType::F32:
    case gguf::TensorType::F16:
    case gguf::TensorType::BF16: {
      std::vector<float> v(codes.size());
      for (size_t i = 0; i < v.size(); ++i) v[i] = scale * codes[i];
      return pack_floats(type, v);
    }
    case gguf::TensorType::TQ2_0:
    case gguf::TensorType::TQ1_0:
      for (int64_t r = 0; r < N; ++r)
        for (int64_t b = 0; b < K / 256; ++b) {
          const int8_t* c = codes.data() + r * K + b * 256;
          append(out, type == 35 ? pack_tq2_0(c, d) : pack_tq1_0(c, d));
        }
      return out;
    case gguf::TensorType::IQ2_BN:
    case gguf::TensorType::IQ1_BN:
      for (int64_t r = 0; r < N; ++r) {
        if (type == 135) {
          append_scalar(out, scale);
        } else {
          append_scalar(out, d);
        }
        for (int64_t b = 0; b < K / 64; ++b) {
          const int8_t* c = codes.data() + r * K + b * 64;
          append(out, type == 135 ? pack_iq2_bn_block(c) : pack_iq1_bn_block(c));
        }
      }
      return out;
    case gguf::TensorType::I2_S: {
      for (size_t b = 0; b < codes.size() / 128; ++b) append(out, pack_i2_s_block(codes.data() + b * 128));
      std::vector<uint8_t> slot(32, 0);
      std::memcpy(slot.data(), &scale, 4);
      append(out, slot);
      return out;
    }
    default:
      throw std::invalid_argument("pack_ternary_matrix: unsupported type " + gguf::type_name(type));
  }
}

std::vector<uint8_t> build_synthetic_model(const SynthSpec& s) {
  std::mt19937 rng(s.seed);
  std::uniform_real_distribution<float> uni(0.0f, 1.0f);
  const auto fp16_round = [](float x) { return gguf::fp16_to_f32(gguf::f32_to_fp16(x)); };
  const auto bf16_round = [](float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;  // round to nearest even
    float r;
    std::memcpy(&r, &u, 4);
    return r;
  };
  const int64_t hd = s.n_embd / s.n_head, nq = s.n_head * hd, nkv = s.n_head_kv * hd;

  gguf::Writer w;
  const std::string a = s.arch;
  w.add_string("general.architecture", a);
  w.add_string("general.name", "trit-synthetic");
  w.add_u32(a + ".context_length", static_cast<uint32_t>(s.n_ctx));
  w.add_u32(a + ".embedding_length", static_cast<uint32_t>(s.n_embd));
  w.add_u32(a + ".block_count", static_cast<uint32_t>(s.n_layer));
  w.add_u32(a + ".feed_forward_length", static_cast<uint32_t>(s.n_ff));
  w.add_u32(a + ".attention.head_count", static_cast<uint32_t>(s.n_head));
  w.add_u32(a + ".attention.head_count_kv", static_cast<uint32_t>(s.n_head_kv));
  w.add_u32(a + ".rope.dimension_count", static_cast<uint32_t>(hd));
  w.add_f32(a + ".rope.freq_base", 10000.0f);
  w.add_f32(a + ".attention.layer_norm_rms_epsilon", 1e-5f);
  w.add_u32(a + ".vocab_size", static_cast<uint32_t>(s.n_vocab));
  if (s.tokenizer) {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<float> scores = {0, 0, 0};
    std::vector<int32_t> types = {2, 3, 3};
    for (int64_t i = 3; i < s.n_vocab; ++i) {
      tokens.push_back(std::string(1, static_cast<char>('a' + (i - 3) % 26)) + std::to_string(i));
      scores.push_back(-static_cast<float>(i));
      types.push_back(1);
    }
    w.add_string("tokenizer.ggml.model", "llama");
    w.add_string_array("tokenizer.ggml.tokens", tokens);
    w.add_f32_array("tokenizer.ggml.scores", scores);
    w.add_i32_array("tokenizer.ggml.token_type", types);
    w.add_u32("tokenizer.ggml.bos_token_id", 1);
    w.add_u32("tokenizer.ggml.eos_token_id", 2);
  }

  auto floats = [&](const std::string& name, std::vector<float> v, uint32_t type, std::vector<uint64_t> ne) {
    w.add_tensor(name, type, std::move(ne), pack_floats(type, v));
  };
  auto norm = [&](const std::string& name, int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = 0.8f + 0.4f * uni(rng);
    floats(name, v, 0, {static_cast<uint64_t>(n)});
  };
  auto linear = [&](const std::string& base, int64_t n_in, int64_t n_out) {
    std::vector<int8_t> codes(static_cast<size_t>(n_in * n_out));
    for (auto& c : codes) {
      const float u = uni(rng);
      c = static_cast<int8_t>(u < 0.4f ? 0 : (u < 0.7f ? -1 : 1));
    }
    // 8 significant bits: exact in fp16 and bf16, so every weight type holds the same values.
    const float scale = bf16_round((0.75f + 0.5f * uni(rng)) / std::sqrt(0.6f * static_cast<float>(n_in)));
    const std::vector<uint64_t> ne = {static_cast<uint64_t>(n_in), static_cast<uint64_t>(n_out)};
    const auto override_type = s.weight_type_of.find(base);
    const uint32_t type = override_type != s.weight_type_of.end() ? override_type->second : s.weight_type;
    if (s.scale_tensors) {
      // Unscaled codes in the weight, the scale in its own tensor (mainline `bitnet` layout).
      w.add_tensor(base + ".weight", type, ne, pack_ternary_matrix(type, codes, n_out, n_in, 1.0f));
      floats(base + ".scale", {scale}, 0, {1});
    } else {
      w.add_tensor(base + ".weight", type, ne, pack_ternary_matrix(type, codes, n_out, n_in, scale));
    }
    if (s.biases) {
      std::vector<float> b(static_cast<size_t>(n_out));
      for (auto& x : b) x = 0.1f * (uni(rng) - 0.5f);
      floats(base + ".bias", b, 0, {static_cast<uint64_t>(n_out)});
    }
  };

  std::normal_distribution<float> normal(0.0f, 2.0f / std::sqrt(static_cast<float>(s.n_embd)));
  std::vector<float> embd(static_cast<size_t>(s.n_vocab * s.n_embd));
  for (auto& x : embd) x = fp16_round(normal(rng));
  const std::vector<uint64_t> embd_ne = {static_cast<uint64_t>(s.n_embd), static_cast<uint64_t>(s.n_vocab)};
  floats("token_embd.weight", embd, s.embd_type, embd_ne);
  if (s.untied_output) floats("output.weight", embd, s.embd_type, embd_ne);
  norm("output_norm.weight", s.n_embd);
  if (s.rope_freqs) floats("rope_freqs.weight", std::vector<float>(static_cast<size_t>(hd / 2), 1.0f), 0, {static_cast<uint64_t>(hd / 2)});
  for (int64_t il = 0; il < s.n_layer; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    norm(p + "attn_norm.weight", s.n_embd);
    linear(p + "attn_q", s.n_embd, nq);
    linear(p + "attn_k", s.n_embd, nkv);
    linear(p + "attn_v", s.n_embd, nkv);
    norm(p + "attn_sub_norm.weight", nq);
    linear(p + "attn_output", nq, s.n_embd);
    norm(p + "ffn_norm.weight", s.n_embd);
    linear(p + "ffn_gate", s.n_embd, s.n_ff);
    linear(p + "ffn_up", s.n_embd, s.n_ff);
    norm(p + "ffn_sub_norm.weight", s.n_ff);
    linear(p + "ffn_down", s.n_ff, s.n_embd);
  }
  return w.finish();
}

}  // namespace trit::testutil
