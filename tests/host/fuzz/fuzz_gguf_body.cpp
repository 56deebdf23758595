// What the GGUF fuzzer does with one input: the reader, every metadata accessor, the tensor
// decoders and the model loader on arbitrary bytes; for small valid models, a two-token forward
// pass too. Expected outcome for any input: success or a gguf::Error / model::Error. Anything
// else (a crash, a sanitizer report, another exception type, a hang) is a finding.
// Shared by the libFuzzer target (fuzz_gguf_main.cpp) and the regression test that replays
// past findings in every build (tests/host/test_fuzz_regressions.cpp).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gguf/reader.hpp"
#include "gguf/tensor_decode.hpp"
#include "kernels/thread_pool.hpp"
#include "model/model.hpp"
#include "runtime/session.hpp"
#include "sched/cpu_backend.hpp"
#include "fuzz_gguf_body.hpp"

using namespace trit;

namespace {

void touch_value(const gguf::Value& v) {
  (void)v.to_display_string();
  try {
    switch (v.type()) {
      case gguf::ValueType::STRING: (void)v.as_string(); break;
      case gguf::ValueType::F32:
      case gguf::ValueType::F64: (void)v.as_f32(); break;
      case gguf::ValueType::BOOL: (void)v.as_bool(); break;
      case gguf::ValueType::ARRAY:
        switch (v.array_type()) {
          case gguf::ValueType::STRING: (void)v.as_string_array(); break;
          case gguf::ValueType::F32:
          case gguf::ValueType::F64: (void)v.as_f32_array(); break;
          case gguf::ValueType::ARRAY:
            for (const auto& e : v.as_array_of_arrays()) touch_value(e);
            break;
          case gguf::ValueType::BOOL: break;
          default: (void)v.as_i32_array(); break;
        }
        break;
      default: (void)v.as_i32(); (void)v.as_u64(); break;
    }
  } catch (const gguf::Error&) {
  }
}

void touch_tensor(const gguf::TensorInfo& t) {
  const gguf::TypeTraits* tr = gguf::type_traits(t.type_id);
  if (tr == nullptr || !tr->decodable || t.n_rows() == 0 || t.ne[0] > (1u << 20)) return;
  std::vector<float> f(t.ne[0]);
  std::vector<int8_t> c(t.ne[0]);
  std::vector<float> s(t.ne[0] / 256 + 1);
  for (uint64_t row : {uint64_t{0}, t.n_rows() - 1}) {
    gguf::dequantize_row(t, row, f.data());
    if (gguf::is_ternary_type(t.type_id)) {
      gguf::ternary_row_codes(t, row, c.data());
      gguf::ternary_row_scales(t, row, s.data());
    }
  }
  if (gguf::is_ternary_type(t.type_id)) (void)gguf::find_invalid_code(t);
}

}  // namespace

void fuzz_gguf_one_input(const uint8_t* data, size_t size) {
  try {
    const gguf::File f = gguf::File::view_of({data, size}, "fuzz.gguf");
    for (auto key : f.keys()) touch_value(f.get(key));
    for (const auto& t : f.tensors()) touch_tensor(t);
    const model::Model m = model::Model::load(f);
    const auto& hp = m.hparams();
    // A forward pass only for models small enough to keep executions fast.
    int64_t weights = 0;
    for (const auto* l : m.linears()) weights += l->w.rows() * l->w.cols();
    if (weights <= (int64_t{1} << 17) && hp.n_vocab * hp.n_embd <= (int64_t{1} << 17)) {
      kernels::ThreadPool pool(1);
      sched::CpuBackend cpu(pool);
      runtime::SessionOptions so;
      so.n_ctx = 8;
      runtime::Session s(m, cpu, cpu, pool, so);
      const int32_t tokens[2] = {0, static_cast<int32_t>(hp.n_vocab - 1)};
      (void)s.eval(tokens, true);
    }
  } catch (const gguf::Error&) {
  } catch (const model::Error&) {
  }
}
