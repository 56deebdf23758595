// Writes the seed corpus of fuzz_gguf: the first 64 KiB of every GGUF (or .gguf.gz) in the
// given reference folders (headers intact, data cut short) and small complete synthetic models
// for every weight type and both architectures with every optional tensor.
//   fuzz_gguf_seeds OUT_DIR REF_DIR...
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gguf/types.hpp"
#include "model_builder.hpp"

namespace fs = std::filesystem;

namespace {

constexpr size_t kPrefix = 64 * 1024;

std::vector<uint8_t> read_prefix(const fs::path& p) {
  std::vector<uint8_t> buf(kPrefix);
  gzFile f = gzopen(p.c_str(), "rb");  // reads plain files as they are
  if (f == nullptr) return {};
  const int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
  gzclose(f);
  buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return buf;
}

void write(const fs::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR REF_DIR...\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  fs::create_directories(out);
  int n = 0;
  for (int i = 2; i < argc; ++i) {
    if (!fs::is_directory(argv[i])) continue;
    for (const auto& e : fs::directory_iterator(argv[i])) {
      const std::string name = e.path().filename().string();
      if (name.find(".gguf") == std::string::npos) continue;
      const auto bytes = read_prefix(e.path());
      if (bytes.empty()) continue;
      write(out / ("ref-" + name + ".prefix"), bytes);
      ++n;
    }
  }
  using trit::gguf::TensorType;
  const std::pair<TensorType, int64_t> types[] = {{TensorType::F32, 128},   {TensorType::F16, 128},
                                                  {TensorType::BF16, 128},  {TensorType::I2_S, 128},
                                                  {TensorType::IQ2_BN, 128}, {TensorType::IQ1_BN, 128},
                                                  {TensorType::TQ2_0, 256}, {TensorType::TQ1_0, 256}};
  for (const auto& [type, dim] : types) {
    for (int variant = 0; variant < 2; ++variant) {
      trit::testutil::SynthSpec s;
      s.arch = variant == 0 ? "bitnet-b1.58" : "bitnet";
      s.n_embd = s.n_ff = dim;
      s.n_vocab = 16;
      s.n_ctx = 16;
      s.weight_type = static_cast<uint32_t>(type);
      s.embd_type = variant == 0 ? 1 : 0;
      s.scale_tensors = variant == 1;
      s.biases = variant == 0;
      s.untied_output = variant == 1;
      s.rope_freqs = variant == 0;
      s.seed = static_cast<uint32_t>(n);
      write(out / ("synthetic-" + s.arch + "-" + trit::gguf::type_name(type) + ".gguf"),
            trit::testutil::build_synthetic_model(s));
      ++n;
    }
  }
  std::printf("fuzz_gguf_seeds: %d seeds in %s\n", n, out.c_str());
  return 0;
}
