// GGUF reader: every value type, alignment, tensor info, and a clear Error (never a crash) for
// every kind of broken file. Files are built byte by byte with gguf::Writer (whose layout is
// checked here against hand-written bytes) or taken from the reference data.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "gguf/reader.hpp"
#include "gguf/writer.hpp"
#include "testutil.hpp"

using namespace trit::gguf;
using trit::testutil::model_path;

namespace {

// Asserts that `fn` throws gguf::Error whose message contains `needle`.
template <typename Fn>
void expect_error(Fn&& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected gguf::Error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << needle;
  }
}

std::vector<uint8_t> f32_bytes(std::initializer_list<float> v) {
  std::vector<uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), std::data(v), out.size());
  return out;
}

// A small valid file with one of everything.
std::vector<uint8_t> sample_file(uint64_t alignment = 32, uint32_t version = 3) {
  Writer w(version);
  w.add_string("general.architecture", "bitnet-b1.58");
  w.add_u8("k.u8", 200);
  w.add_i8("k.i8", -100);
  w.add_u16("k.u16", 60000);
  w.add_i16("k.i16", -30000);
  w.add_u32("k.u32", 4000000000u);
  w.add_i32("k.i32", -2000000000);
  w.add_u64("k.u64", 1ull << 40);
  w.add_i64("k.i64", -(1ll << 40));
  w.add_f32("k.f32", 1.5f);
  w.add_f64("k.f64", -2.25);
  w.add_bool("k.bool", true);
  const std::vector<std::string> strs = {"<unk>", "", "héllo"};
  w.add_string_array("k.strs", strs);
  const std::vector<int32_t> ints = {1, -2, 3};
  w.add_i32_array("k.ints", ints);
  const std::vector<float> floats = {0.5f, -1.0f};
  w.add_f32_array("k.floats", floats);
  // [[1, 2], [3]] as an array of u8 arrays.
  std::vector<uint8_t> nested;
  Writer::put<uint32_t>(nested, static_cast<uint32_t>(ValueType::ARRAY));
  Writer::put<uint64_t>(nested, 2);
  Writer::put<uint32_t>(nested, static_cast<uint32_t>(ValueType::U8));
  Writer::put<uint64_t>(nested, 2);
  nested.push_back(1);
  nested.push_back(2);
  Writer::put<uint32_t>(nested, static_cast<uint32_t>(ValueType::U8));
  Writer::put<uint64_t>(nested, 1);
  nested.push_back(3);
  w.add_raw("k.nested", ValueType::ARRAY, nested);
  w.add_tensor("a", TensorType::F32, {3}, f32_bytes({1, 2, 3}));
  w.add_tensor("b", TensorType::F32, {2, 2}, f32_bytes({4, 5, 6, 7}));
  return w.finish(alignment);
}

}  // namespace

TEST(GgufWriter, ProducesTheDocumentedByteLayout) {
  // Hand-written expected bytes for a file with one u32 key and one 1-element F32 tensor.
  Writer w;
  w.add_u32("n", 7);
  w.add_tensor("t", TensorType::F32, {1}, f32_bytes({2.0f}));
  const auto bytes = w.finish();
  std::vector<uint8_t> expect = {'G', 'G', 'U', 'F', 3, 0, 0, 0,  // magic, version 3
                                 1, 0, 0, 0, 0, 0, 0, 0,          // n_tensors
                                 1, 0, 0, 0, 0, 0, 0, 0,          // n_kv
                                 1, 0, 0, 0, 0, 0, 0, 0, 'n',     // key
                                 4, 0, 0, 0, 7, 0, 0, 0,          // u32 7
                                 1, 0, 0, 0, 0, 0, 0, 0, 't',     // tensor name
                                 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,  // n_dims 1, ne[0] = 1
                                 0, 0, 0, 0,                       // type F32
                                 0, 0, 0, 0, 0, 0, 0, 0};          // offset 0
  expect.resize(96, 0);  // padding to 32 (the header above is 75 bytes)
  const float two = 2.0f;
  const auto* p = reinterpret_cast<const uint8_t*>(&two);
  expect.insert(expect.end(), p, p + 4);
  EXPECT_EQ(bytes, expect);
}

TEST(GgufReader, ReadsEveryValueType) {
  const File f = File::from_bytes(sample_file());
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.get_string("general.architecture"), "bitnet-b1.58");
  EXPECT_EQ(f.get("k.u8").as_u32(), 200u);
  EXPECT_EQ(f.get_i32("k.i8"), -100);
  EXPECT_EQ(f.get_u32("k.u16"), 60000u);
  EXPECT_EQ(f.get_i32("k.i16"), -30000);
  EXPECT_EQ(f.get_u32("k.u32"), 4000000000u);
  EXPECT_EQ(f.get_i32("k.i32"), -2000000000);
  EXPECT_EQ(f.get_u64("k.u64"), 1ull << 40);
  EXPECT_EQ(f.get("k.i64").as_i64(), -(1ll << 40));
  EXPECT_FLOAT_EQ(f.get_f32("k.f32"), 1.5f);
  EXPECT_DOUBLE_EQ(f.get("k.f64").as_f64(), -2.25);
  EXPECT_TRUE(f.get_bool("k.bool"));
  EXPECT_EQ(f.get_array_size("k.strs"), 3u);
  const auto strs = f.get_string_array("k.strs");
  ASSERT_EQ(strs.size(), 3u);
  EXPECT_EQ(strs[0], "<unk>");
  EXPECT_EQ(strs[1], "");
  EXPECT_EQ(strs[2], "héllo");
  EXPECT_EQ(f.get_i32_array("k.ints"), (std::vector<int32_t>{1, -2, 3}));
  EXPECT_EQ(f.get_f32_array("k.floats"), (std::vector<float>{0.5f, -1.0f}));
  const auto& nested = f.get("k.nested").as_array_of_arrays();
  ASSERT_EQ(nested.size(), 2u);
  EXPECT_EQ(nested[0].as_i32_array(), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(nested[1].as_i32_array(), (std::vector<int32_t>{3}));
  EXPECT_EQ(f.get("k.nested").array_type(), ValueType::ARRAY);

  const auto keys = f.keys();
  ASSERT_EQ(keys.size(), 16u);
  EXPECT_EQ(keys.front(), "general.architecture");
  EXPECT_EQ(keys.back(), "k.nested");
  EXPECT_TRUE(f.has("k.u8"));
  EXPECT_FALSE(f.has("k.missing"));
  EXPECT_EQ(f.find_u32("k.missing"), std::nullopt);
  EXPECT_EQ(f.find_u32("k.u32"), 4000000000u);
}

TEST(GgufReader, TypeMismatchesNameTheKey) {
  const File f = File::from_bytes(sample_file());
  expect_error([&] { (void)f.get_u32("general.architecture"); }, "'general.architecture': expected an integer, found string");
  expect_error([&] { (void)f.get_u32("k.i8"); }, "'k.i8': negative value -100");
  expect_error([&] { (void)f.get_i32("k.u32"); }, "does not fit i32");
  expect_error([&] { (void)f.get_u32("k.u64"); }, "does not fit u32");
  expect_error([&] { (void)f.get_string("k.u8"); }, "expected string, found u8");
  expect_error([&] { (void)f.get_string_array("k.ints"); }, "expected array of string, found array of i32");
  expect_error([&] { (void)f.get_f32_array("k.strs"); }, "found array of string");
  expect_error([&] { (void)f.get_u32("nope"); }, "missing metadata key 'nope'");
  expect_error([&] { (void)f.find_u32("k.f32"); }, "'k.f32': expected an integer");
}

TEST(GgufReader, TensorInfosAndData) {
  const File f = File::from_bytes(sample_file());
  ASSERT_EQ(f.tensors().size(), 2u);
  const TensorInfo& b = f.tensor("b");
  EXPECT_EQ(b.n_dims, 2u);
  EXPECT_EQ(b.ne[0], 2u);
  EXPECT_EQ(b.ne[1], 2u);
  EXPECT_EQ(b.n_elements(), 4u);
  EXPECT_EQ(b.n_bytes, 16u);
  EXPECT_EQ(b.row_bytes, 8u);
  EXPECT_EQ(b.offset, 32u);  // "a" (12 bytes) padded to 32
  EXPECT_EQ(b.shape_string(), "[2, 2]");
  float v[4];
  std::memcpy(v, b.data, 16);
  EXPECT_EQ(v[3], 7.0f);
  EXPECT_EQ(f.find_tensor("zzz"), nullptr);
  expect_error([&] { (void)f.tensor("zzz"); }, "missing tensor 'zzz'");
}

TEST(GgufReader, HonoursGeneralAlignment) {
  const File f = File::from_bytes(sample_file(64));
  EXPECT_EQ(f.alignment(), 64u);
  EXPECT_EQ(f.data_offset() % 64, 0u);
  EXPECT_EQ(f.tensor("b").offset, 64u);
  float v;
  std::memcpy(&v, f.tensor("b").data, 4);
  EXPECT_EQ(v, 4.0f);
}

TEST(GgufReader, AcceptsVersion2) {
  const File f = File::from_bytes(sample_file(32, 2));
  EXPECT_EQ(f.version(), 2u);
  EXPECT_EQ(f.tensors().size(), 2u);
}

TEST(GgufReader, RejectsWrongMagicAndVersions) {
  auto bytes = sample_file();
  bytes[0] = 'G';
  bytes[3] = 'X';
  expect_error([&] { File::from_bytes(bytes, "x.gguf"); }, "x.gguf: not a GGUF file: magic is 'GGUX'");
  bytes = sample_file();
  bytes[4] = 1;
  expect_error([&] { File::from_bytes(bytes); }, "GGUF version 1");
  bytes[4] = 0;
  bytes[7] = 3;
  expect_error([&] { File::from_bytes(bytes); }, "big-endian");
  bytes[7] = 0;
  bytes[4] = 9;
  expect_error([&] { File::from_bytes(bytes); }, "unsupported GGUF version 9");
  expect_error([&] { File::from_bytes({}); }, "truncated while reading magic");
}

TEST(GgufReader, EveryTruncationIsAnErrorNotACrash) {
  const auto full = sample_file();
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<long>(n));
    EXPECT_THROW(File::from_bytes(cut), Error) << "prefix of " << n << " bytes";
  }
  EXPECT_NO_THROW(File::from_bytes(full));
}

TEST(GgufReader, TruncatedTensorDataNamesTheTensor) {
  auto bytes = sample_file();
  bytes.resize(bytes.size() - 1);
  expect_error([&] { File::from_bytes(bytes); }, "tensor 'b' [2, 2] F32: data [32, +16) lies outside");
}

TEST(GgufReader, HugeCountsAndLengthsAreRejectedBeforeAllocation) {
  // n_kv = 2^62
  auto bytes = sample_file();
  const uint64_t huge = 1ull << 62;
  std::memcpy(bytes.data() + 16, &huge, 8);
  expect_error([&] { File::from_bytes(bytes); }, "metadata count 4611686018427387904 cannot fit");
  bytes = sample_file();
  std::memcpy(bytes.data() + 8, &huge, 8);
  expect_error([&] { File::from_bytes(bytes); }, "tensor count 4611686018427387904 cannot fit");
  // Length of the first key.
  bytes = sample_file();
  std::memcpy(bytes.data() + 24, &huge, 8);
  expect_error([&] { File::from_bytes(bytes); }, "key of metadata entry 0 has length 4611686018427387904");
  // Element count of an array.
  Writer w;
  const std::vector<int32_t> ints = {1, 2};
  w.add_i32_array("arr", ints);
  bytes = w.finish();
  // key "arr": 8 + 3, type 4, element type 4, then the count at 24 + 11 + 4 + 4.
  std::memcpy(bytes.data() + 24 + 11 + 4 + 4, &huge, 8);
  expect_error([&] { File::from_bytes(bytes); }, "metadata key 'arr': array of 4611686018427387904 i32 elements");
}

TEST(GgufReader, MalformedValuesAndTensors) {
  {
    Writer w;
    const uint8_t two = 2;
    w.add_raw("flag", ValueType::BOOL, std::span<const uint8_t>(&two, 1));
    expect_error([&] { File::from_bytes(w.finish()); }, "'flag': bool value 2");
  }
  {
    Writer w;
    const uint8_t x = 0;
    w.add_raw("weird", static_cast<ValueType>(13), std::span<const uint8_t>(&x, 1));
    expect_error([&] { File::from_bytes(w.finish()); }, "'weird': unknown value type 13");
  }
  {
    Writer w;
    w.add_u32("dup", 1);
    w.add_u32("dup", 2);
    expect_error([&] { File::from_bytes(w.finish()); }, "duplicate metadata key 'dup'");
  }
  {
    Writer w;
    w.add_tensor("t", TensorType::F32, {1}, f32_bytes({1}));
    w.add_tensor("t", TensorType::F32, {1}, f32_bytes({1}));
    expect_error([&] { File::from_bytes(w.finish()); }, "duplicate tensor 't'");
  }
  {
    Writer w;
    w.add_tensor("t5", TensorType::F32, {1, 1, 1, 1, 1}, f32_bytes({1}));
    expect_error([&] { File::from_bytes(w.finish()); }, "tensor 't5' has 5 dimensions");
  }
  {
    Writer w;
    w.add_tensor("q", TensorType::TQ2_0, {100, 2}, std::vector<uint8_t>(132));
    expect_error([&] { File::from_bytes(w.finish()); }, "tensor 'q' [100, 2]: TQ2_0 needs a row length (ne[0]) that is a multiple of 256");
  }
  {
    Writer w;
    w.add_tensor("u", 99, {4}, std::vector<uint8_t>(16));
    expect_error([&] { File::from_bytes(w.finish()); }, "tensor 'u' [4]: unknown tensor type id 99");
  }
  {
    Writer w;
    w.add_tensor("tl", 38, {4}, std::vector<uint8_t>(16));
    expect_error([&] { File::from_bytes(w.finish()); }, "TL1 (bitnet.cpp lookup-table type)");
  }
  {
    Writer w;
    w.add_u32("general.alignment", 24);
    expect_error([&] { File::from_bytes(w.finish()); }, "general.alignment = 24 is not a power of two");
  }
  {
    // Overflowing element count: 2^32 x 2^32.
    Writer w;
    w.add_tensor("big", TensorType::F32, {1ull << 32, 1ull << 32}, {});
    expect_error([&] { File::from_bytes(w.finish()); }, "tensor 'big' [4294967296, 4294967296]: element count overflows");
  }
  {
    // Misaligned offset: patch the offset of the only tensor to 4.
    Writer w;
    w.add_tensor("m", TensorType::F32, {1}, f32_bytes({1}));
    auto bytes = w.finish();
    // header 24 + name (8 + 1) + n_dims 4 + ne 8 + type 4 = 49: offset field.
    const uint64_t four = 4;
    std::memcpy(bytes.data() + 49, &four, 8);
    expect_error([&] { File::from_bytes(bytes); }, "tensor 'm': data offset 4 is not a multiple of the alignment 32");
  }
  {
    Writer w;
    std::vector<uint8_t> deep;
    for (int i = 0; i < 10; ++i) {
      Writer::put<uint32_t>(deep, static_cast<uint32_t>(ValueType::ARRAY));
      Writer::put<uint64_t>(deep, 1);
    }
    w.add_raw("deep", ValueType::ARRAY, deep);
    expect_error([&] { File::from_bytes(w.finish()); }, "nested deeper than 8");
  }
}

TEST(GgufReader, KnownButUndecodableTypesLoadAndNameThemselves) {
  Writer w;
  w.add_tensor("k", TensorType::Q4_K, {256, 2}, std::vector<uint8_t>(2 * 144));
  const File f = File::from_bytes(w.finish());
  EXPECT_EQ(f.tensor("k").n_bytes, 288u);
  EXPECT_EQ(type_name(f.tensor("k").type_id), "Q4_K");
}

TEST(GgufReader, SizesOfTernaryTypes) {
  // Row layouts from the format descriptions: IQ2_BN row = f32 scale + K/64 * 16 bytes;
  // IQ1_BN row = f16 scale + K/64 * 13; TQ2_0 = K/256 * 66; TQ1_0 = K/256 * 54;
  // I2_S tensor = n/4 + 32.
  const std::vector<uint64_t> ne = {512, 3};
  EXPECT_EQ(tensor_size(135, ne).tensor_bytes, 3u * (4 + 8 * 16));
  EXPECT_EQ(tensor_size(134, ne).tensor_bytes, 3u * (2 + 8 * 13));
  EXPECT_EQ(tensor_size(35, ne).tensor_bytes, 3u * 2 * 66);
  EXPECT_EQ(tensor_size(34, ne).tensor_bytes, 3u * 2 * 54);
  EXPECT_EQ(tensor_size(36, ne).tensor_bytes, 512u * 3 / 4 + 32);
  EXPECT_FALSE(tensor_size(36, std::vector<uint64_t>{100, 1}).ok);
}

TEST(GgufReader, ReferenceFilesParse) {
  for (const char* name : {"tiny_iq2_bn.gguf", "tiny_iq1_bn.gguf", "tiny_i2_s.gguf", "tiny-bitnet_tq1_0.gguf",
                           "tiny-bitnet_tq2_0.gguf", "tiny_f32.gguf", "tiny-bitnet_f32.gguf"}) {
    SCOPED_TRACE(name);
    const File f = File::open(model_path(name));
    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.tensors().size(), 35u);
    const std::string arch(f.get_string("general.architecture"));
    EXPECT_EQ(f.get_u32(arch + ".embedding_length"), 512u);
    EXPECT_EQ(f.get_u32(arch + ".block_count"), 3u);
    EXPECT_EQ(f.get_array_size("tokenizer.ggml.tokens"), 272u);
    EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens")[1], "<s>");
    EXPECT_EQ(f.get_i32_array("tokenizer.ggml.token_type").size(), 272u);
    const TensorInfo& q = f.tensor("blk.0.attn_q.weight");
    EXPECT_EQ(q.ne[0], 512u);
    EXPECT_EQ(q.ne[1], 512u);
    const TensorInfo& e = f.tensor("token_embd.weight");
    EXPECT_EQ(e.ne[1], 272u);
  }
}

TEST(GgufReader, OpenReportsMissingFiles) {
  expect_error([] { File::open("/nonexistent/model.gguf"); }, "/nonexistent/model.gguf: cannot open");
  expect_error([] { File::open("/"); }, "not a regular file");
}
