// trit-synth-model: writes a synthetic BitNet b1.58 GGUF with the BitNet b1.58 2B4T shapes
// (hidden 2560, 30 layers, FFN 6912, 20 heads, 5 KV heads, vocabulary 128,256, tied F16
// embeddings) in one ternary weight type, for benchmarks. The weights are random (seeded) in the
// distribution the tests use; the numbers are meaningless, the shapes and byte counts are real.
// Built on the test packers (tests/host/model_builder), which follow the published layouts
// independently of the runtime's decoders.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "gguf/types.hpp"
#include "model_builder.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Write a synthetic BitNet b1.58 2B4T-shaped GGUF model"};
  std::string type_name = "i2_s", out;
  trit::testutil::SynthSpec s;
  s.n_embd = 2560;
  s.n_layer = 30;
  s.n_ff = 6912;
  s.n_head = 20;
  s.n_head_kv = 5;
  s.n_vocab = 128256;
  s.n_ctx = 4096;
  s.embd_type = 1;  // F16, tied: the LM head is token_embd, as in the published 2B4T file
  app.add_option("--type", type_name, "ternary weight type: i2_s, tq1_0, tq2_0, iq1_bn, iq2_bn")->capture_default_str();
  app.add_option("-o,--out", out, "output GGUF path")->required();
  app.add_option("--layers", s.n_layer, "layers (smaller models for quick runs)")->capture_default_str();
  app.add_option("--vocab", s.n_vocab, "vocabulary size")->capture_default_str();
  app.add_option("--seed", s.seed, "random seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  static const std::map<std::string, uint32_t> kTypes = {
      {"i2_s", 36}, {"tq1_0", 34}, {"tq2_0", 35}, {"iq1_bn", 134}, {"iq2_bn", 135}, {"f16", 1}};
  const auto it = kTypes.find(type_name);
  if (it == kTypes.end()) {
    std::cerr << "error: unknown --type " << type_name << "\n";
    return 1;
  }
  s.weight_type = it->second;
  try {
    const std::vector<uint8_t> bytes = trit::testutil::build_synthetic_model(s);
    const std::string tmp = out + ".part";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!f) throw std::runtime_error("cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), out.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp + " to " + out);
    std::cout << out << ": " << bytes.size() << " bytes, " << trit::gguf::type_name(s.weight_type) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
