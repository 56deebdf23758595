// The shipped presets: they load with a source for every number, stream sequential reads near the
// bus peak (refresh keeps them below it), and malformed presets fail naming the file and the key.
// The streaming and random-read utilisations printed here are the numbers quoted in docs/dram.md.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trit/vp/dram.hpp"

namespace trit::vp {
namespace {

const char* const kShipped[] = {"ddr4-2400-x64", "lpddr4-4266-x32"};

TEST(DramPresets, ShippedPresetsLoadWithSources) {
  for (const char* name : kShipped) {
    const DramTiming t = load_preset(name);
    EXPECT_EQ(t.name, name);
    EXPECT_FALSE(t.description.empty()) << name;
    EXPECT_EQ(t.burst_bytes(), 64u) << name;
    for (const auto& key : preset_keys()) {
      const auto it = t.sources.find(std::string(key.name));
      ASSERT_NE(it, t.sources.end()) << name << " " << key.name;
      EXPECT_GT(it->second.size(), 10u) << name << " " << key.name;
    }
    EXPECT_NO_THROW(DramModel{t}) << name;
  }
  const auto names = preset_names();
  for (const char* name : kShipped) EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;

  // The numbers the presets are named after.
  const DramTiming ddr4 = load_preset("ddr4-2400-x64");
  EXPECT_EQ(ddr4.tck_ps, 833u);
  EXPECT_EQ(ddr4.tCL, 16u);  // DDR4-2400R: 16-16-16
  EXPECT_EQ(ddr4.tRCD, 16u);
  EXPECT_EQ(ddr4.tRP, 16u);
  EXPECT_EQ(ddr4.capacity_bytes(), uint64_t{4} << 30);  // the KV260's 4 GB
  EXPECT_NEAR(DramModel(ddr4).peak_bytes_per_second(), 19.2e9, 0.05e9);
  const DramTiming lp4 = load_preset("lpddr4-4266-x32");
  EXPECT_EQ(lp4.tck_ps, 469u);
  EXPECT_EQ(lp4.bank_groups, 1u);
  EXPECT_NEAR(DramModel(lp4).peak_bytes_per_second(), 17.06e9, 0.05e9);
}

// The bit positions docs/dram.md draws for the default mappings.
TEST(DramPresets, DefaultMappingBitPositions) {
  const DramModel ddr4(load_preset("ddr4-2400-x64")), lp4(load_preset("lpddr4-4266-x32"));
  EXPECT_EQ(ddr4.decode(uint64_t{1} << 6).bank_group, 1u);
  EXPECT_EQ(ddr4.decode(uint64_t{1} << 7).column, 1u);
  EXPECT_EQ(ddr4.decode(uint64_t{1} << 13).column, 64u);
  EXPECT_EQ(ddr4.decode(uint64_t{1} << 14).bank, 1u);
  EXPECT_EQ(ddr4.decode(uint64_t{1} << 16).row, 1u);
  EXPECT_EQ(ddr4.decode(uint64_t{1} << 31).row, 1u << 15);
  EXPECT_EQ(lp4.decode(uint64_t{1} << 6).column, 1u);
  EXPECT_EQ(lp4.decode(uint64_t{1} << 12).bank, 1u);
  EXPECT_EQ(lp4.decode(uint64_t{1} << 15).row, 1u);
  EXPECT_EQ(lp4.decode(uint64_t{1} << 30).row, 1u << 15);
}

TEST(DramPresets, LoadsByPathAndFromTheEnvironment) {
  const DramTiming by_name = load_preset("ddr4-2400-x64");
  const std::string dir = testing::TempDir() + "dram_presets_env";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(std::string(TRIT_DRAM_TEST_PRESET_DIR) + "/ddr4-2400-x64.json", dir + "/my-ddr4.json",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(load_preset(dir + "/my-ddr4.json").tRFC, by_name.tRFC);
  ::setenv("TRIT_DRAM_PRESETS", dir.c_str(), 1);
  EXPECT_EQ(load_preset("my-ddr4").tRFC, by_name.tRFC);
  const auto names = preset_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "my-ddr4"), names.end());
  ::unsetenv("TRIT_DRAM_PRESETS");
}

// A lone read on each preset: to a closed bank, to the open row, to another row of the same bank.
TEST(DramPresets, LoneReadLatencies) {
  for (const char* name : kShipped) {
    const DramTiming t = load_preset(name);
    DramModel m(t);
    const uint64_t tck = t.tck_ps, lat = t.controller_latency_ps, bl2 = t.burst_length / 2;
    const uint64_t miss = m.access(0, 64, false, 0);
    const uint64_t arrival = 1000 * tck;  // long after: every constraint met, no refresh due yet
    const uint64_t hit = m.access(64 * 2, 64, false, arrival) - arrival;
    const uint64_t other_row = m.address_of({0, 0, 1, 0});
    const uint64_t conflict = m.access(other_row, 64, false, 2 * arrival) - 2 * arrival;
    EXPECT_EQ(miss, (t.tRCD + t.tCL + bl2) * tck + lat) << name;
    EXPECT_EQ(hit, (t.tCL + bl2) * tck + lat) << name;
    EXPECT_EQ(conflict, (t.tRP + t.tRCD + t.tCL + bl2) * tck + lat) << name;
    ASSERT_EQ(m.stats().row_hits, 1u) << name;
    ASSERT_EQ(m.stats().row_conflicts, 1u) << name;
    std::printf("%-16s lone read: closed bank %.2f ns, open row %.2f ns, other row %.2f ns "
                "(controller latency %.1f ns included)\n",
                name, miss / 1e3, hit / 1e3, conflict / 1e3, lat / 1e3);
  }
}

// Bytes per second the model delivered over its statistics window.
double delivered(const DramModel& m, uint64_t bytes) {
  const DramStats& s = m.stats();
  return static_cast<double>(bytes) / (static_cast<double>(s.last_done_ps - s.first_arrival_ps) * 1e-12);
}

TEST(DramPresets, SequentialStreamsNearThePeak) {
  constexpr uint64_t kBytes = 16u << 20;
  constexpr uint32_t kAccess = 4096;  // one DMA burst of the accelerator's read engine, say
  for (const char* name : kShipped) {
    for (bool write : {false, true}) {
      DramModel m(load_preset(name));
      // All accesses queued at once: the controller always has the next one.
      for (uint64_t addr = 0; addr < kBytes; addr += kAccess) m.access(addr, kAccess, write, 0);
      const double u = m.bus_utilization(), bw = delivered(m, kBytes);
      std::printf("%-16s sequential %-5s 16 MiB: bus utilisation %.4f, %.2f GB/s of %.2f GB/s peak; "
                  "row hits %llu, misses %llu, conflicts %llu, refreshes %llu\n",
                  name, write ? "write" : "read", u, bw / 1e9, m.peak_bytes_per_second() / 1e9,
                  static_cast<unsigned long long>(m.stats().row_hits),
                  static_cast<unsigned long long>(m.stats().row_misses),
                  static_cast<unsigned long long>(m.stats().row_conflicts),
                  static_cast<unsigned long long>(m.stats().refreshes));
      if (!write) {
        EXPECT_GE(u, 0.85) << name;
        EXPECT_LT(u, 1.0) << name << ": refresh must cost something";
      }
      EXPECT_GT(m.stats().refreshes, 0u) << name;
      EXPECT_LE(bw, m.peak_bytes_per_second()) << name;
      EXPECT_EQ(m.stats().row_hits + m.stats().row_misses + m.stats().row_conflicts, kBytes / 64) << name;
    }
  }
}

TEST(DramPresets, RandomReadsFallFarBelowTheStream) {
  constexpr int kReads = 100000;
  for (const char* name : kShipped) {
    DramModel m(load_preset(name));
    std::mt19937_64 rng(2024);  // fixed: the utilisation quoted in docs/dram.md
    std::uniform_int_distribution<uint64_t> burst(0, m.timing().capacity_bytes() / 64 - 1);
    for (int i = 0; i < kReads; ++i) m.access(burst(rng) * 64, 64, false, 0);
    const double u = m.bus_utilization();
    std::printf("%-16s random 64 B reads (%d): bus utilisation %.4f, %.2f GB/s; row hits %llu, misses %llu, "
                "conflicts %llu\n",
                name, kReads, u, delivered(m, uint64_t{64} * kReads) / 1e9,
                static_cast<unsigned long long>(m.stats().row_hits),
                static_cast<unsigned long long>(m.stats().row_misses),
                static_cast<unsigned long long>(m.stats().row_conflicts));
    EXPECT_GT(u, 0.0) << name;
    EXPECT_LT(u, 0.85) << name;
    EXPECT_LE(delivered(m, uint64_t{64} * kReads), m.peak_bytes_per_second()) << name;
  }
}

// ---- malformed presets ----------------------------------------------------------------------

// One malformed preset: the shipped DDR4 preset with one edit (or raw text), and what the error
// message must say besides the file's path.
struct BadPreset {
  const char* file;
  std::function<void(nlohmann::json& parameters, nlohmann::json& top)> edit;
  std::vector<std::string> says;
  const char* text = nullptr;  // used instead of the edited preset when set
};

TEST(DramPresets, MalformedPresetsNameTheFileAndTheKey) {
  using J = nlohmann::json;
  const BadPreset cases[] = {
      {"missing.json", [](J& p, J&) { p.erase("tRCD"); }, {"parameters.tRCD", "missing"}},
      {"negative.json", [](J& p, J&) { p["tRP"]["value"] = -3; }, {"parameters.tRP.value", "must be positive, not -3"}},
      {"zero.json", [](J& p, J&) { p["tRAS"]["value"] = 0; }, {"parameters.tRAS.value", "must be positive, not 0"}},
      {"fraction.json", [](J& p, J&) { p["tCL"]["value"] = 16.5; }, {"parameters.tCL.value", "whole number"}},
      {"mapping.json", [](J& p, J&) { p["address_mapping"]["value"] = "zigzag"; },
       {"parameters.address_mapping.value", "unknown address mapping \"zigzag\"", "row-column-bank"}},
      {"policy.json", [](J& p, J&) { p["page_policy"]["value"] = "adaptive"; },
       {"parameters.page_policy.value", "unknown page policy"}},
      {"unit.json", [](J& p, J&) { p["tCL"]["unit"] = "ns"; }, {"parameters.tCL.unit", "nCK"}},
      {"source.json", [](J& p, J&) { p["tWR"].erase("source"); }, {"parameters.tWR.source"}},
      {"unknown.json", [](J& p, J&) { p["tXYZ"] = {{"value", 1}}; }, {"parameters.tXYZ", "unknown key"}},
      {"trc.json", [](J& p, J&) { p["tRC"]["value"] = 40; }, {"parameters.tRC", "less than tRAS + tRP"}},
      {"burst.json", [](J& p, J&) { p["burst_length"]["value"] = 6; },
       {"parameters.burst_length", "48 bytes is not a power of two"}},
      {"tccd.json", [](J& p, J&) { p["tCCD_L"]["value"] = 3; }, {"parameters.tCCD_L", "tCCD_S"}},
      {"refresh.json", [](J& p, J&) { p["tRFC"]["value"] = 10000; }, {"parameters.tRFC", "tREFI"}},
      {"name.json", [](J&, J& top) { top.erase("name"); }, {"name", "missing"}},
      {"syntax.json", nullptr, {"not valid JSON"}, "{\"name\": "},
  };
  std::ifstream shipped(std::string(TRIT_DRAM_TEST_PRESET_DIR) + "/ddr4-2400-x64.json");
  const J good = J::parse(shipped);
  for (const BadPreset& c : cases) {
    std::string text = c.text ? c.text : "";
    if (!c.text) {
      J j = good;
      c.edit(j["parameters"], j);
      text = j.dump(2);
    }
    const std::string path = testing::TempDir() + c.file;
    std::ofstream(path) << text;
    std::string message;
    try {
      load_preset(path);
    } catch (const DramConfigError& e) {
      message = e.what();
    }
    ASSERT_FALSE(message.empty()) << c.file << " loaded";
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    for (const auto& s : c.says) EXPECT_NE(message.find(s), std::string::npos) << "'" << s << "' not in: " << message;
  }
}

TEST(DramPresets, UnknownNamesAndMissingFiles) {
  try {
    load_preset("nope");
    FAIL() << "no error";
  } catch (const DramConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("no DRAM preset 'nope'"), std::string::npos) << msg;
    EXPECT_NE(msg.find(TRIT_DRAM_TEST_PRESET_DIR), std::string::npos) << msg;
    EXPECT_NE(msg.find("ddr4-2400-x64"), std::string::npos) << msg;
  }
  const std::string path = testing::TempDir() + "no-such-preset.json";
  try {
    load_preset(path);
    FAIL() << "no error";
  } catch (const DramConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": cannot open"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trit::vp
