// The command-line tools end to end: reference logits through --dump-logits, greedy tokens
// through --json, perplexity against the reference logits, chat mode, and every kind of bad
// input giving "error: ..." on stderr and a non-zero exit code (never a crash).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstring>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "gguf/reader.hpp"
#include "testutil.hpp"

using namespace trit;
using testutil::ref_path;
using testutil::TempFile;

namespace {

using Result = testutil::ToolResult;

std::string quote(const std::string& s) { return testutil::shell_quote(s); }

Result run(const std::string& tool, const std::string& args, const std::string& stdin_text = "") {
  return testutil::run_tool(std::string(TRIT_BIN_DIR) + "/" + tool, args, stdin_text);
}

std::string tokens_arg(const std::string& file) {
  std::string s;
  for (int32_t id : testutil::read_token_file(ref_path(file))) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

// Expects a clean failure: exit code 1 and one "error: " line containing `needle`.
void expect_error(const Result& r, const std::string& needle) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err << "\nexpected: " << needle;
}

// Byte surgery on a copy of a reference model.
struct ModelBytes {
  std::vector<uint8_t> bytes;
  explicit ModelBytes(const std::string& name) : bytes(testutil::read_file(testutil::model_path(name))) {}
  // Offset of a tensor's info record fields (name start, type field, offset field).
  size_t type_field(const std::string& tensor) const {
    const gguf::File f = gguf::File::view_of(bytes);
    const gguf::TensorInfo& t = f.tensor(tensor);
    const auto name_at = static_cast<size_t>(reinterpret_cast<const uint8_t*>(t.name.data()) - bytes.data());
    return name_at + t.name.size() + 4 + 8 * t.n_dims;
  }
  size_t data_offset(const std::string& tensor) const {
    const gguf::File f = gguf::File::view_of(bytes);
    return static_cast<size_t>(f.tensor(tensor).data - bytes.data());
  }
  void put_u32(size_t at, uint32_t v) { std::memcpy(&bytes[at], &v, 4); }
  void put_u64(size_t at, uint64_t v) { std::memcpy(&bytes[at], &v, 8); }
  // Overwrites the first occurrence of `from` with `to` (same length).
  void replace(const std::string& from, const std::string& to) {
    ASSERT_EQ(from.size(), to.size());
    auto it = std::search(bytes.begin(), bytes.end(), from.begin(), from.end());
    ASSERT_NE(it, bytes.end()) << from;
    std::copy(to.begin(), to.end(), it);
  }
  // Writes to a temporary file and runs `trit` on it.
  Result run_trit(const std::string& args) const {
    TempFile f(".gguf");
    f.write(bytes);
    return run("trit", "-m " + quote(f.path()) + " " + args);
  }
};

}  // namespace

TEST(Cli, DumpLogitsMatchesTheReference) {
  TempFile dump(".f32");
  const Result r = run("trit", "-m " + quote(testutil::model_path("tiny_f32.gguf")) + " --tokens " +
                                   tokens_arg("tiny_p9.tokens.txt") + " -n 0 -t 2 --dump-logits " + quote(dump.path()));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto s = testutil::compare_logits(testutil::read_f32_file(ref_path("tiny_f32_p9.fp64ref.logits.f32")),
                                          testutil::read_f32_file(dump.path()), 272, 0.01);
  EXPECT_LE(s.max_abs_rel, 2e-4) << s.summary();
  EXPECT_GE(s.min_cos, 0.999999) << s.summary();
  EXPECT_EQ(s.top1_agree, s.rows_checked_top1) << s.summary();
  EXPECT_NE(r.err.find("prompt eval time"), std::string::npos);
}

TEST(Cli, GreedyJsonMatchesTheReferenceContinuation) {
  // tiny-bitnet F32 p9: every greedy step of the oracle has a margin >= 0.02, so all 16 agree.
  const Result r = run("trit", "-m " + quote(testutil::model_path("tiny-bitnet_f32.gguf")) + " --tokens " +
                                   tokens_arg("tiny-bitnet_p9.tokens.txt") + " -n 16 --temp 0 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tokens"].get<std::vector<int32_t>>(), testutil::read_token_file(ref_path("tiny-bitnet_f32_p9.gen.txt")));
  EXPECT_EQ(j["timings"]["prompt_tokens"], 9);
  EXPECT_EQ(j["timings"]["decode_runs"], 15);
  EXPECT_EQ(j["arch"], "bitnet");
}

TEST(Cli, SamplingIsReproducibleWithASeed) {
  const std::string args = "-m " + quote(testutil::model_path("tiny_iq2_bn.gguf")) +
                           " --tokens 1,75 -n 12 --temp 0.9 --top-k 20 --top-p 0.9 --min-p 0.02 --repeat-penalty 1.1 "
                           "-s 7 --json";
  const Result a = run("trit", args), b = run("trit", args);
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(nlohmann::json::parse(a.out)["tokens"], nlohmann::json::parse(b.out)["tokens"]);
}

TEST(Cli, PerplexityMatchesTheReferenceLogits) {
  // Score tiny_p40 as one chunk of 40: rows 20..38 predict tokens 21..39.
  const auto tokens = testutil::read_token_file(ref_path("tiny_p40.tokens.txt"));
  const auto ref = testutil::read_f32_file(ref_path("tiny_f32_p40.fp64ref.logits.f32"));
  double nll = 0;
  int n = 0;
  for (int i = 20; i < 39; ++i) {
    const float* row = &ref[static_cast<size_t>(i) * 272];
    double sum = 0;
    for (int v = 0; v < 272; ++v) sum += std::exp(double(row[v]));
    nll -= double(row[tokens[static_cast<size_t>(i) + 1]]) - std::log(sum);
    ++n;
  }
  const double expect = std::exp(nll / n);
  const Result r = run("trit-perplexity", "-m " + quote(testutil::model_path("tiny_f32.gguf")) + " --tokens " +
                                              tokens_arg("tiny_p40.tokens.txt") + " -c 40 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["scored"], 19);
  EXPECT_NEAR(j["ppl"].get<double>(), expect, 1e-4 * expect);
}

TEST(Cli, ChatModeRunsTurnsFromStdin) {
  const Result r = run("trit", "-m " + quote(testutil::model_path("tiny_f32.gguf")) + " -cnv -n 4 --temp 0 -p 'Be brief.'",
                       "Hello\nAgain\n");
  ASSERT_EQ(r.code, 0) << r.err;
  // Three prompts: before each of the two turns and before the end of input.
  size_t prompts = 0;
  for (size_t at = r.out.find("> "); at != std::string::npos; at = r.out.find("> ", at + 2)) ++prompts;
  EXPECT_GE(prompts, 3u) << r.out;
}

TEST(Cli, TextPromptUsesTheTokenizer) {
  const Result r = run("trit", "-m " + quote(testutil::model_path("tiny_f32.gguf")) + " -p 'Hello, w' -n 3 --temp 0 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["prompt_tokens"][0], 1);  // BOS added, as the model asks
  EXPECT_EQ(j["tokens"].size(), 3u);
}

TEST(CliErrors, MissingAndNonGgufFiles) {
  expect_error(run("trit", "-m /nonexistent.gguf --tokens 1"), "/nonexistent.gguf: cannot open");
  TempFile txt(".gguf");
  txt.write({'h', 'e', 'l', 'l', 'o', '\n'});
  expect_error(run("trit", "-m " + quote(txt.path()) + " --tokens 1"), "not a GGUF file: magic is 'hell'");
  EXPECT_NE(run("trit", "--tokens 1").code, 0);  // -m is required (CLI11's usage error)
}

TEST(CliErrors, TruncatedFiles) {
  const ModelBytes full("tiny_i2_s.gguf");
  for (size_t keep : {size_t{0}, size_t{3}, size_t{100}, size_t{4000}, size_t{9100}, full.bytes.size() / 2,
                      full.bytes.size() - 1}) {
    ModelBytes m = full;
    m.bytes.resize(keep);
    const Result r = m.run_trit("--tokens 1");
    EXPECT_EQ(r.code, 1) << keep << ": " << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << keep << ": " << r.err;
  }
  ModelBytes m = full;
  m.bytes.resize(m.bytes.size() - 1);
  expect_error(m.run_trit("--tokens 1"), "tensor 'output_norm.weight' [512] F32: data");
}

TEST(CliErrors, UnknownAndUnsupportedTensorTypes) {
  ModelBytes m("tiny_i2_s.gguf");
  m.put_u32(m.type_field("blk.0.attn_q.weight"), 99);
  expect_error(m.run_trit("--tokens 1"), "tensor 'blk.0.attn_q.weight' [512, 512]: unknown tensor type id 99");
  ModelBytes u("tiny_i2_s.gguf");
  u.put_u32(u.type_field("blk.0.attn_q.weight"), 24);  // I8: in bounds, not a weight type
  expect_error(u.run_trit("--tokens 1"), "tensor 'blk.0.attn_q.weight' [512, 512] I8: tensor type I8 is not supported");
  ModelBytes tl("tiny_i2_s.gguf");
  tl.put_u32(tl.type_field("blk.0.attn_q.weight"), 38);
  expect_error(tl.run_trit("--tokens 1"), "TL1 (bitnet.cpp lookup-table type)");
}

TEST(CliErrors, TensorOutOfBounds) {
  ModelBytes m("tiny_i2_s.gguf");
  m.put_u64(m.type_field("blk.1.ffn_up.weight") + 4, 1ull << 40);
  expect_error(m.run_trit("--tokens 1"), "tensor 'blk.1.ffn_up.weight' [512, 768] I2_S: data [1099511627776, +98336) lies outside");
}

TEST(CliErrors, ShapeMismatchWithMetadata) {
  ModelBytes m("tiny_i2_s.gguf");
  // ne[1] of attn_k: 256 -> 128 (the data shrinks, so it stays in bounds).
  m.put_u64(m.type_field("blk.0.attn_k.weight") - 8, 128);
  expect_error(m.run_trit("--tokens 1"), "tensor 'blk.0.attn_k.weight' has shape [512, 128], but the metadata implies [512, 256]");
}

TEST(CliErrors, MissingTensorArchitectureAndTokenizer) {
  ModelBytes t("tiny_i2_s.gguf");
  t.replace("blk.2.ffn_down.weight", "blk.2.ffn_down.weighx");
  expect_error(t.run_trit("--tokens 1"), "missing tensor 'blk.2.ffn_down.weight'");
  ModelBytes a("tiny_i2_s.gguf");
  a.replace("bitnet-b1.58", "bitnet-b1.59");
  expect_error(a.run_trit("--tokens 1"), "unsupported model architecture 'bitnet-b1.59'");
  ModelBytes k("tiny_i2_s.gguf");
  k.replace("tokenizer.ggml.model", "tokenizer.ggml.modex");
  expect_error(k.run_trit("-p hello"), "the model has no tokenizer");
  EXPECT_EQ(k.run_trit("--tokens 1,2 -n 2").code, 0);  // ids still work without one
  ModelBytes u("tiny_i2_s.gguf");
  u.replace("llama", "llamo");  // tokenizer.ggml.model: a vocabulary kind nobody knows
  const Result text = u.run_trit("-p hello");
  EXPECT_EQ(text.code, 1);
  EXPECT_NE(text.err.find("llamo"), std::string::npos) << text.err;
  const Result ids = u.run_trit("--tokens 1,2 -n 2 --verbose");
  EXPECT_EQ(ids.code, 0) << ids.err;
  EXPECT_NE(ids.err.find("warning: tokenizer unusable"), std::string::npos) << ids.err;
}

TEST(CliErrors, CorruptTernaryData) {
  ModelBytes m("tiny_i2_s.gguf");
  m.bytes[m.data_offset("blk.0.ffn_gate.weight") + 100] = 0xff;  // four 2-bit codes of 3
  expect_error(m.run_trit("--tokens 1"), "tensor 'blk.0.ffn_gate.weight' [512, 768] I2_S: element 388 (row 0) holds the 2-bit code 3");
}

TEST(CliErrors, BadArguments) {
  const std::string model = "-m " + quote(testutil::model_path("tiny_i2_s.gguf"));
  expect_error(run("trit", model + " --tokens 1,999"), "token id 999 at batch position 1 is outside the vocabulary [0, 272)");
  expect_error(run("trit", model + " --tokens 1,x"), "--tokens: element 1 ('x') is not a token id");
  expect_error(run("trit", model + " --tokens 1 --device tpu"), "unknown device 'tpu'");
  // A device of this build whose hardware is absent says what is missing.
  expect_error(run("trit", model + " --tokens 1 --device fpga"), "no UIO device named 'trit'");
  expect_error(run("trit", model + " --tokens 1 --repeat-penalty 0"), "--repeat-penalty must be positive");
  expect_error(run("trit", model), "no prompt");
  std::string long_prompt = "1";
  for (int i = 0; i < 300; ++i) long_prompt += ",3";
  expect_error(run("trit", model + " --tokens " + long_prompt), "exceed the context of 256");
  expect_error(run("trit", model + " -c 8 --tokens 1,2,3,4,5,6,7,8,9"), "exceed the context of 8");
  expect_error(run("trit-perplexity", model + " --tokens 1"), "need at least 2 tokens");
}

// --device X puts every BitLinear on X or stops: the error names the first layer that cannot go
// there and how to allow the CPU to take it; allowed, the run says where every layer went.
TEST(CliPlacement, AcceleratorRunsEveryLayerOrStopsNamingTheFirstItCannot) {
  const std::string tokens = " --tokens " + tokens_arg("tiny_p9.tokens.txt") + " -n 2 --temp 0";
  const Result on_ref = run("trit", "-m " + quote(testutil::model_path("tiny_i2_s.gguf")) + tokens + " --device ref");
  ASSERT_EQ(on_ref.code, 0) << on_ref.err;
  EXPECT_NE(on_ref.err.find("trit: placement: 21 of 21 BitLinears on ref\n"), std::string::npos) << on_ref.err;

  const std::string f32 = "-m " + quote(testutil::model_path("tiny_f32.gguf")) + tokens;
  expect_error(run("trit", f32 + " --device ref"),
               "--device ref: BitLinear blk.0.attn_q.weight (512 x 512) cannot run there: F32 weights are not ternary");
  expect_error(run("trit", f32 + " --device ref"), "--allow-cpu-fallback");
  const Result mixed = run("trit", f32 + " --device ref --allow-cpu-fallback --json");
  ASSERT_EQ(mixed.code, 0) << mixed.err;
  EXPECT_NE(mixed.err.find("trit: placement: 0 of 21 BitLinears on ref, 21 on the CPU (--allow-cpu-fallback): 21 "
                           "because F32 weights are not ternary"),
            std::string::npos)
      << mixed.err;
  const auto j = nlohmann::json::parse(mixed.out);
  EXPECT_EQ(j["placement"]["on_device"], 0);
  EXPECT_EQ(j["placement"]["on_cpu_fallback"], 21);
  // The same tokens as the CPU itself.
  const Result cpu = run("trit", f32 + " --json");
  ASSERT_EQ(cpu.code, 0) << cpu.err;
  EXPECT_EQ(nlohmann::json::parse(cpu.out)["tokens"], j["tokens"]);
  EXPECT_EQ(cpu.err.find("placement"), std::string::npos) << "the CPU run prints no placement without --verbose";
}

TEST(CliPlacement, DeviceParametersAreCheckedAndUnbuiltSimulatorsSayHowToBuildThem) {
  const std::string model = "-m " + quote(testutil::model_path("tiny_i2_s.gguf")) + " --tokens 1,2 -n 1";
  expect_error(run("trit", model + " --device ref --device-param no_such_key=1"),
               "ref: unknown parameter(s) no_such_key");
  expect_error(run("trit", model + " --device ref --device-param novalue"), "--device-param 'novalue': expected KEY=VALUE");
#ifdef TRIT_HAVE_SIM
  // A configuration of rtl/configs.json whose module is not where the registry looks.
  const Result r = testutil::run_tool("/usr/bin/env", "TRIT_SIM_PLUGIN_PATH=/nonexistent " +
                                                         quote(std::string(TRIT_BIN_DIR) + "/trit") + " " + model +
                                                         " --device sim:r8c20v16b512");
  expect_error(r, "sim:r8c20v16b512: the Verilated model of this configuration is not built");
  EXPECT_NE(r.err.find("cmake --build build --target trit-sim-r8c20v16b512"), std::string::npos) << r.err;
  expect_error(run("trit", model + " --device sim:r9c9v9b99"), "no such configuration");
#endif
}

// ---- the run report (docs/report.md) ------------------------------------------------------------

namespace {

// The keys docs/report.md documents, by table: "top", "tally", "layer_type", "bitlinear".
std::map<std::string, std::vector<std::string>> documented_keys() {
  std::map<std::string, std::vector<std::string>> keys;
  const auto bytes = testutil::read_file(std::string(TRIT_DOCS_DIR) + "/report.md");
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  std::string line, table;
  while (std::getline(in, line)) {
    if (line.rfind("<!-- keys: ", 0) == 0) {
      table = line.substr(11, line.find(" -->") - 11);
      continue;
    }
    if (table.empty()) continue;
    if (line.rfind("| `", 0) != 0) {
      if (line.rfind("|", 0) != 0) table.clear();  // the table ended
      continue;
    }
    // "| `n`, `k`, `m` | ..." -> n, k, m
    const std::string cell = line.substr(1, line.find('|', 1) - 1);
    for (size_t a = cell.find('`'); a != std::string::npos; a = cell.find('`', cell.find('`', a + 1) + 1)) {
      const size_t b = cell.find('`', a + 1);
      keys[table].push_back(cell.substr(a + 1, b - a - 1));
    }
  }
  return keys;
}

double sum_of(const nlohmann::json& obj) {
  double s = 0;
  for (const auto& [k, v] : obj.items()) s += v.get<double>();
  return s;
}

}  // namespace

TEST(CliReport, EveryDocumentedKeyIsThereAndTheEnergyAddsUp) {
  const auto keys = documented_keys();
  for (const char* t : {"top", "tally", "layer_type", "bitlinear"})
    ASSERT_FALSE(keys.count(t) == 0 || keys.at(t).empty()) << "docs/report.md lost its '" << t << "' key table";
  TempFile json_file(".json");
#ifdef TRIT_HAVE_SIM
  const std::string device = "sim:r3c5v8b128";
#else
  const std::string device = "ref";
#endif
  const Result r = run("trit", "-m " + quote(TRIT_DEFAULT_MODEL) + " -p " + quote("And God said,") +
                                   " -n 3 --temp 0 --device " + device + " --verbose --report " + quote(json_file.path()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("trit: what the BitLinears cost on " + device), std::string::npos) << r.err;
  const auto bytes = testutil::read_file(json_file.path());
  const auto rep = nlohmann::json::parse(bytes.begin(), bytes.end());

  for (const std::string& k : keys.at("top")) EXPECT_TRUE(rep.contains(k)) << "report lacks documented key " << k;
  std::vector<const nlohmann::json*> tallies = {&rep["prefill"], &rep["decode"], &rep["decode_per_token"], &rep["total"]};
  for (const auto& s : rep["spans"]) tallies.push_back(&s);
  for (const nlohmann::json* t : tallies)
    for (const std::string& k : keys.at("tally")) EXPECT_TRUE(t->contains(k)) << "a tally lacks " << k;
  ASSERT_EQ(rep["layer_types"].size(), 4u) << rep["layer_types"].dump();
  for (const auto& [name, t] : rep["layer_types"].items())
    for (const std::string& k : keys.at("layer_type")) EXPECT_TRUE(t.contains(k)) << name << " lacks " << k;
  ASSERT_EQ(rep["bitlinears"].size(), 2u * 28) << "28 BitLinears, in prefill and in decode";
  for (const auto& b : rep["bitlinears"])
    for (const std::string& k : keys.at("bitlinear")) EXPECT_TRUE(b.contains(k)) << b["weight"] << " lacks " << k;

  // One prefill span and two decode steps (-n 3 samples three tokens, evaluates two).
  ASSERT_EQ(rep["spans"].size(), 3u);
  EXPECT_EQ(rep["spans"][0]["kind"], "prefill");
  EXPECT_EQ(rep["decode"]["tokens"].get<double>(), 2);
  EXPECT_EQ(rep["total"]["submissions"].get<double>(), 3 * 4 * 4) << "4 groups x 4 layers per evaluation";
  EXPECT_EQ(rep["placement"]["on_device"], 28);
  // The parts add up to the whole, everywhere; the twin costs more than the ternary array.
  for (const nlohmann::json* t : tallies) {
    const double e = (*t)["energy_pj"].get<double>();
    EXPECT_GT(e, 0);
    EXPECT_NEAR(sum_of((*t)["energy_components_pj"]), e, 1e-9 * e);
    EXPECT_NEAR(sum_of((*t)["energy_groups_pj"]), e, 1e-9 * e);
    EXPECT_GT((*t)["mac_twin_energy_pj"].get<double>(), e);
    EXPECT_GT((*t)["mac_twin_datapath_energy_ratio"].get<double>(), 1.0);
    EXPECT_GE((*t)["energy_over_dram_floor"].get<double>(), 1.0);
  }
  double spans_pj = 0, spans_cycles = 0;
  for (const auto& s : rep["spans"]) {
    spans_pj += s["energy_pj"].get<double>();
    spans_cycles += s["cycles"].get<double>();
  }
  EXPECT_NEAR(spans_pj, rep["total"]["energy_pj"].get<double>(), 1e-9 * spans_pj);
  EXPECT_EQ(spans_cycles, rep["total"]["cycles"].get<double>());
  double types_pj = 0;
  for (const auto& [name, t] : rep["layer_types"].items()) types_pj += t["energy_pj"].get<double>();
  EXPECT_NEAR(types_pj, rep["total"]["energy_pj"].get<double>(), 1e-9 * types_pj);
}

TEST(CliReport, NeedsAnAcceleratorAndAUsableTable) {
  const std::string model = "-m " + quote(testutil::model_path("tiny_i2_s.gguf")) + " --tokens 1,2 -n 1";
  TempFile out(".json");
  expect_error(run("trit", model + " --report " + quote(out.path())), "--report needs an accelerator device");
  expect_error(run("trit", model + " --device ref --report " + quote(out.path()) + " --energy-table no-such-table"),
               "no-such-table");
}
