// trit-energy: the energy of a set of event counts on a Trit accelerator, broken down by
// component, next to its multiply-accumulate twin (docs/energy.md).
//
//   trit-energy counts.json --setting kv260
//   trit-energy counts.json --table asic7-lpddr4 --config r8c20v16b512 --clock-mhz 1000 --json
//   trit-energy --list
//   trit-energy --show-table kv260-zu16-ddr4
//
// counts.json holds the device's counters by name ({"cycles": .., "weight_bytes": .., ...}; see
// trit/energy/counts.hpp). Exit status: 0, or 2 with "error: ..." on bad input.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "trit/energy/energy.hpp"

using namespace trit;

namespace {

void list_all() {
  fmt::print("tables (--table; searched in {}):\n", [] {
    std::string s;
    for (const auto& d : energy::table_dirs()) s += fmt::format("{}{}", s.empty() ? "" : ":", d);
    return s;
  }());
  for (const auto& n : energy::table_names()) {
    std::string desc;
    try {
      desc = energy::find_table(n).description;
    } catch (const energy::EnergyError& e) {
      desc = fmt::format("(does not load: {})", e.what());
    }
    fmt::print("  {:<20} {}\n", n, desc);
  }
  fmt::print("settings (--setting; {}):\n", energy::default_settings_path());
  for (const auto& s : energy::load_settings())
    fmt::print("  {:<20} {} + {} at {:g} MHz: {}\n", s.name, s.table, s.config, s.clock_hz / 1e6, s.description);
  fmt::print("configurations (--config; rtl/configs.json, or any shape r<R>c<C>v<V>b<bits>):\n");
  for (const auto& n : energy::accelerator_names()) {
    const auto a = energy::named_accelerator(n);
    fmt::print("  {:<20} k_max {}, weight FIFO {} beats, clock {}\n", n, a.array.k_max, a.weight_fifo_beats,
               a.clock_hz > 0 ? fmt::format("{:g} MHz", a.clock_hz / 1e6) : std::string("not set"));
  }
}

void show_table(const energy::Table& t) {
  fmt::print("{} ({})\n{}\n\n", t.name, t.path, t.description);
  for (unsigned i = 0; i < energy::kNumKeys; ++i) {
    const auto k = static_cast<energy::Key>(i);
    fmt::print("{:<26} {:>10.4g} {:<7} {}\n", energy::key_name(k), t[k], energy::key_unit(k), t.at(k).source);
  }
  for (const auto& p : t.sram)
    fmt::print("sram_read_64b @ {:>9.0f} B {:>8.4g} pJ      {}\n", p.bytes, p.pj, p.source);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Energy of a Trit accelerator's event counts, with its multiply-accumulate twin (docs/energy.md)"};
  std::string counts_path, setting_name, table_name, config_name, json_out;
  double clock_mhz = 0;
  uint32_t k_max = 0, fifo_beats = 0, act_read_width = 0;
  bool json = false, list = false, gated = false;
  double weight_scale = 1.0;
  std::string show;
  app.add_option("counts", counts_path, "Event counts JSON file (keys = counter names), '-' for stdin");
  app.add_option("--setting", setting_name, "Named setting: table + configuration + clock (see --list)");
  app.add_option("--table,--energy-table", table_name, "Energy table: a name (see --list) or a JSON file");
  app.add_option("--config", config_name, "Configuration of rtl/configs.json, or a shape r<R>c<C>v<V>b<bits>");
  app.add_option("--clock-mhz", clock_mhz, "Clock in MHz (static energy); default: the setting's or configuration's")
      ->check(CLI::PositiveNumber);
  app.add_option("--k-max", k_max, "Override the activation buffer depth k_max (bytes per row)");
  app.add_option("--fifo-beats", fifo_beats, "Override the weight FIFO depth in bus beats");
  app.add_option("--act-read-width", act_read_width,
                 "Bytes read from the activation buffer per row and chunk (default: the bus width, as the RTL)");
  app.add_flag("--mac-gated", gated, "MAC twin: zero weights gate their multipliers (default: every slot multiplies)");
  app.add_option("--mac-weight-scale", weight_scale,
                 "MAC twin: weight bytes relative to the ternary stream (5: int8 instead of T5, 4: instead of T2)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", json, "Print JSON instead of the table");
  app.add_option("--json-out", json_out, "Also write the JSON report to this file");
  app.add_flag("--list", list, "List tables, settings and configurations");
  app.add_option("--show-table", show, "Print every entry of a table with its source");
  CLI11_PARSE(app, argc, argv);

  try {
    if (list) {
      list_all();
      return 0;
    }
    if (!show.empty()) {
      show_table(energy::find_table(show));
      return 0;
    }
    if (counts_path.empty()) throw energy::EnergyError("no counts file (give one, or '-' for stdin)");

    energy::Setting setting;
    if (!setting_name.empty()) setting = energy::find_setting(setting_name);
    if (!table_name.empty()) setting.table = table_name;
    if (!config_name.empty()) setting.config = config_name;
    if (setting.table.empty()) throw energy::EnergyError("no energy table: give --table or --setting");
    if (setting.config.empty()) throw energy::EnergyError("no configuration: give --config or --setting");

    energy::Accelerator acc = energy::accelerator_from_name(setting.config);
    if (setting.clock_hz > 0 && config_name.empty()) acc.clock_hz = setting.clock_hz;
    if (clock_mhz > 0) acc.clock_hz = clock_mhz * 1e6;
    if (k_max) acc.array.k_max = k_max;
    if (fifo_beats) acc.weight_fifo_beats = fifo_beats;
    if (act_read_width) acc.act_read_word_bytes = act_read_width;
    acc.validate();
    const energy::Table table = energy::find_table(setting.table);

    energy::EventCounts counts;
    if (counts_path == "-") {
      std::stringstream ss;
      ss << std::cin.rdbuf();
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(ss.str());
      } catch (const nlohmann::json::parse_error& e) {
        throw energy::EnergyError(fmt::format("<stdin>: not valid JSON: {}", e.what()));
      }
      counts = energy::counts_from_json(j, "<stdin>");
    } else {
      counts = energy::load_counts(counts_path);
    }

    energy::MacOptions mac;
    mac.gate_zero_weights = gated;
    mac.weight_bytes_scale = weight_scale;
    const energy::Comparison cmp = energy::compare(counts, table, acc, mac);

    nlohmann::json j = energy::describe(table, acc);
    if (!setting_name.empty()) j["setting"] = setting_name;
    j["counts"] = energy::to_json(counts);
    j["result"] = energy::to_json(cmp);
    if (!json_out.empty()) {
      std::ofstream out(json_out);
      if (!out) throw energy::EnergyError(fmt::format("{}: cannot write the JSON report", json_out));
      out << j.dump(2) << "\n";
    }
    if (json) {
      fmt::print("{}\n", j.dump(2));
    } else {
      fmt::print("energy table   {} ({})\n", table.name, table.path);
      fmt::print("configuration  {}, weight FIFO {} beats, activation reads {} bytes wide, clock {}\n",
                 acc.array.name(), acc.weight_fifo_beats, acc.act_read_width(),
                 acc.clock_hz > 0 ? fmt::format("{:g} MHz", acc.clock_hz / 1e6) : std::string("not set"));
      fmt::print("counts         {}\n\n", counts_path);
      fmt::print("{}", energy::format_comparison(cmp));
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
