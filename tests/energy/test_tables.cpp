// The shipped tables and settings load and carry their sources; malformed tables fail with a
// message naming the file and the key; event counts and accelerators behave.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "energy_test_util.hpp"

namespace trit::energy {
namespace {

using testing::TempDir;

TEST(EnergyTables, ShippedTablesLoadWithSources) {
  const auto names = table_names();
  for (const char* want : {"horowitz45-ddr3", "asic16-ddr4", "asic7-lpddr4", "kv260-zu16-ddr4"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  for (const auto& name : names) {
    const Table t = find_table(name);
    EXPECT_EQ(t.name, name) << t.path;
    EXPECT_FALSE(t.description.empty()) << name;
    for (unsigned i = 0; i < kNumKeys; ++i) {
      EXPECT_GE(t.entries[i].value, 0) << name << " " << key_name(static_cast<Key>(i));
      EXPECT_GT(t.entries[i].source.size(), 10u) << name << " " << key_name(static_cast<Key>(i));
    }
    ASSERT_FALSE(t.sram.empty()) << name;
    for (const auto& p : t.sram) EXPECT_GT(p.source.size(), 10u) << name;
  }
}

TEST(EnergyTables, PublishedAnchors) {
  // Horowitz, ISSCC 2014, 45 nm: the numbers as published.
  const Table h = find_table("horowitz45-ddr3");
  EXPECT_DOUBLE_EQ(h[Key::add_int8_pj], 0.03);
  EXPECT_DOUBLE_EQ(h[Key::add_int32_pj], 0.1);
  EXPECT_DOUBLE_EQ(h[Key::mul_int8_pj], 0.2);
  ASSERT_EQ(h.sram.size(), 3u);
  EXPECT_DOUBLE_EQ(h.sram[0].pj, 10);
  EXPECT_DOUBLE_EQ(h.sram[1].pj, 20);
  EXPECT_DOUBLE_EQ(h.sram[2].pj, 100);
  EXPECT_NEAR(h[Key::dram_read_pj_per_bit] * 64, 1950, 1);  // midpoint of 1.3-2.6 nJ per 64 bits
  // The node rule: 7 nm from the published 45 -> 7 nm ratios, 16 nm in between, FPGA above ASIC.
  const Table a7 = find_table("asic7-lpddr4"), a16 = find_table("asic16-ddr4"), kv = find_table("kv260-zu16-ddr4");
  EXPECT_DOUBLE_EQ(a7[Key::add_int8_pj], 0.007);
  for (Key k : {Key::add_int8_pj, Key::add_int32_pj, Key::mul_int8_pj, Key::reg_bit_pj}) {
    EXPECT_LT(a7[k], a16[k]) << key_name(k);
    EXPECT_LT(a16[k], h[k]) << key_name(k);
    EXPECT_GT(kv[k], a16[k]) << key_name(k);
  }
  EXPECT_NEAR(kv[Key::add_int8_pj] / a16[Key::add_int8_pj], 14, 0.05);  // Kuon & Rose's logic factor
  EXPECT_DOUBLE_EQ(a7[Key::dram_read_pj_per_bit], 8);                     // LPDDR4
  EXPECT_DOUBLE_EQ(kv[Key::dram_read_pj_per_bit], a16[Key::dram_read_pj_per_bit]);  // the same DDR4
  EXPECT_GT(kv[Key::sram_macro_bytes], 0);                                // block RAM macros
}

TEST(EnergyTables, SettingsResolve) {
  const auto all = load_settings();
  ASSERT_GE(all.size(), 2u);
  for (const auto& s : all) {
    EXPECT_NO_THROW(s.load_table()) << s.name;
    EXPECT_NO_THROW(s.accelerator().validate()) << s.name;
  }
  const Setting kv = find_setting("kv260");
  EXPECT_EQ(kv.accelerator().array.name(), "r8c20v16b512");
  EXPECT_DOUBLE_EQ(kv.clock_hz, 250e6);
  EXPECT_EQ(kv.load_table().name, "kv260-zu16-ddr4");
  const Setting asic = find_setting("asic7");
  EXPECT_DOUBLE_EQ(asic.clock_hz, 1e9);
  EXPECT_EQ(asic.load_table().name, "asic7-lpddr4");
  try {
    find_setting("nonsense");
    FAIL() << "no error";
  } catch (const EnergyError& e) {
    EXPECT_NE(std::string(e.what()).find("kv260"), std::string::npos) << e.what();
  }
}

// Expects parse_table of `text` (written to a file) to fail with a message naming the file and
// every string of `needles`.
void expect_bad(const TempDir& dir, const std::string& file, const std::string& text,
                std::initializer_list<const char*> needles) {
  const std::string path = dir.write(file, text);
  try {
    load_table(path);
    ADD_FAILURE() << file << ": loaded";
  } catch (const EnergyError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    for (const char* n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
  }
}

std::string edited(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(testing::kHandTable);
  edit(j);
  return j.dump(2);
}

TEST(EnergyTables, MalformedTablesNameFileAndKey) {
  TempDir dir("trit-energy-test-tables");
  expect_bad(dir, "missing.json", edited([](auto& j) { j["entries"].erase("reg_bit_pj"); }),
             {"entries.reg_bit_pj", "missing"});
  expect_bad(dir, "negative.json", edited([](auto& j) { j["entries"]["dram_read_pj_per_bit"]["value"] = -1; }),
             {"entries.dram_read_pj_per_bit.value", "zero or positive"});
  expect_bad(dir, "string.json", edited([](auto& j) { j["entries"]["static_w"]["value"] = "0.3"; }),
             {"entries.static_w.value", "number"});
  expect_bad(dir, "nosource.json", edited([](auto& j) { j["entries"]["add_int8_pj"]["source"] = " "; }),
             {"entries.add_int8_pj.source", "non-empty"});
  expect_bad(dir, "unit.json", edited([](auto& j) { j["entries"]["static_w"]["unit"] = "mW"; }),
             {"entries.static_w.unit", "\"W\""});
  expect_bad(dir, "unknown.json", edited([](auto& j) { j["entries"]["add_int16_pj"] = j["entries"]["add_int8_pj"]; }),
             {"entries.add_int16_pj", "unknown key"});
  expect_bad(dir, "sram.json", edited([](auto& j) {
               j["sram_read_64b"].push_back({{"bytes", 512}, {"value", 3}, {"unit", "pJ"}, {"source", "x"}});
             }),
             {"sram_read_64b[1].bytes", "increase"});
  expect_bad(dir, "nosram.json", edited([](auto& j) { j["sram_read_64b"] = nlohmann::json::array(); }),
             {"sram_read_64b", "at least one point"});
  expect_bad(dir, "badjson.json", "{\"name\": \"x\", \"entries\": {", {"not valid JSON"});
  expect_bad(dir, "array.json", "[1, 2]", {"JSON object"});
  try {
    load_table((dir.path / "does-not-exist.json").string());
    ADD_FAILURE() << "loaded a missing file";
  } catch (const EnergyError& e) {
    EXPECT_NE(std::string(e.what()).find("does-not-exist.json"), std::string::npos);
  }
  try {
    find_table("no-such-table");
    ADD_FAILURE() << "found a table that does not exist";
  } catch (const EnergyError& e) {
    EXPECT_NE(std::string(e.what()).find("kv260-zu16-ddr4"), std::string::npos) << e.what();
  }
}

TEST(EventCounts, Arithmetic) {
  EventCounts a, b;
  uint64_t v = 1;
  for (const auto& f : EventCounts::fields()) {
    a.*f.member = 10 * v;
    b.*f.member = v++;
  }
  const EventCounts s = a + b, d = a - b, m = b * 3;
  for (const auto& f : EventCounts::fields()) {
    EXPECT_EQ(s.*f.member, a.*f.member + b.*f.member) << f.name;
    EXPECT_EQ(d.*f.member, a.*f.member - b.*f.member) << f.name;
    EXPECT_EQ(m.*f.member, 3 * (b.*f.member)) << f.name;
  }
  EXPECT_EQ(d + b, a);
  try {
    (void)(b - a);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cycles"), std::string::npos) << e.what();
  }
  EXPECT_EQ(EventCounts::fields().size(), 24u);
}

TEST(EventCounts, Json) {
  EventCounts a;
  a.cycles = 5;
  a.write_bursts = 1ull << 40;
  EXPECT_EQ(counts_from_json(to_json(a), "test"), a);
  const auto j = to_json(a);
  EXPECT_EQ(j.size(), EventCounts::fields().size());
  EXPECT_EQ(j["act_read_bytes"], 0);
  EXPECT_EQ(counts_from_json(nlohmann::json{{"_comment", "x"}, {"issue", 3}}, "t").issue, 3u);
  auto bad = [](const nlohmann::json& in, const char* needle) {
    try {
      counts_from_json(in, "counts.json");
      ADD_FAILURE() << in.dump();
    } catch (const EnergyError& e) {
      EXPECT_NE(std::string(e.what()).find("counts.json"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  bad({{"lane_opps", 3}}, "unknown counter 'lane_opps'");
  bad({{"cycles", -1}}, "'cycles' must be a non-negative integer");
  bad({{"cycles", 1.5}}, "'cycles' must be a non-negative integer");
  bad(nlohmann::json::array(), "JSON object");
}

TEST(Accelerator, NamedAndShapes) {
  const Accelerator bench = named_accelerator("r8c20v16b512");
  EXPECT_EQ(bench.weight_fifo_beats, 512u);
  EXPECT_DOUBLE_EQ(bench.clock_hz, 250e6);
  EXPECT_EQ(bench.array.k_max, 8192u);
  EXPECT_EQ(bench.actbuf_row_bytes(), 2u * 8192);
  EXPECT_EQ(bench.wfifo_bytes(), 512u * 64);
  const Accelerator test = named_accelerator("r2c4v4b64");
  EXPECT_EQ(test.actbuf_row_bytes(), 2u * 512);
  EXPECT_EQ(test.weight_fifo_beats, 64u);
  Accelerator odd = accelerator_from_name("r5c3v2b64");
  odd.array.k_max = 40;  // 5 beats per bank: the beat index takes 3 bits
  EXPECT_EQ(odd.actbuf_row_bytes(), 2u * 8 * 8);
  EXPECT_EQ(accelerator_from_name("r4c8v8b128").array.cols, 8u);
  try {
    accelerator_from_name("nonsense");
    FAIL() << "no error";
  } catch (const EnergyError& e) {
    EXPECT_NE(std::string(e.what()).find("r8c20v16b512"), std::string::npos) << e.what();
  }
  Accelerator bad = bench;
  bad.act_read_word_bytes = 8;  // below V = 16
  EXPECT_THROW(bad.validate(), EnergyError);
}

}  // namespace
}  // namespace trit::energy
