#include "report/run_report.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "trit/energy/model.hpp"
#include "trit/energy/report.hpp"

namespace trit::report {

namespace {

using json = nlohmann::json;
using C = regs::Counter;

// What a set of submissions did and cost. The energy is priced per submission and summed (the
// model prices the adder tree by each submission's fraction of zero lanes, so pricing the summed
// counts would differ slightly), which keeps every total exactly the sum of its parts.
struct Tally {
  int64_t tokens = 0;
  uint64_t submissions = 0, descriptors = 0, cycles = 0;
  double wall_s = 0;
  energy::EventCounts counts;
  energy::Breakdown ternary, mac;
  double floor_pj = 0;
  void add(const sched::SubmissionRecord& r, const energy::Comparison& e) {
    ++submissions;
    descriptors += r.descriptors;
    cycles += r.cycles;
    counts += event_counts(r.counters);
    ternary += e.ternary.breakdown;
    mac += e.mac.breakdown;
    floor_pj += e.ternary.dram_floor_pj;
  }
  Tally& operator+=(const Tally& o) {
    tokens += o.tokens;
    submissions += o.submissions;
    descriptors += o.descriptors;
    cycles += o.cycles;
    wall_s += o.wall_s;
    counts += o.counts;
    ternary += o.ternary;
    mac += o.mac;
    floor_pj += o.floor_pj;
    return *this;
  }
};

double clock_hz(const ReportInput& in) { return in.accelerator.clock_hz; }

json groups_json(const energy::Breakdown& b, double per) {
  json j = json::object();
  for (unsigned g = 0; g < energy::kNumGroups; ++g)
    j[std::string(energy::group_name(static_cast<energy::Group>(g)))] =
        b.group_pj(static_cast<energy::Group>(g)) / per;
  return j;
}

json components_json(const energy::Breakdown& b, double per) {
  json j = json::object();
  for (unsigned c = 0; c < energy::kNumComponents; ++c)
    j[std::string(energy::component_name(static_cast<energy::Component>(c)))] = b.pj[c] / per;
  return j;
}

// The array and zero-skip groups: the datapath, where the multipliers would be.
double datapath_pj(const energy::Breakdown& b) {
  return b.group_pj(energy::Group::array) + b.group_pj(energy::Group::zero_skips);
}

// One row of the report: a span, a sum of spans or an average per token. `per` divides every
// extensive quantity (the decode average per token).
json tally_json(const ReportInput& in, const Tally& t, double per = 1.0) {
  const double hz = clock_hz(in);
  const double sim_s = hz > 0 ? static_cast<double>(t.cycles) / hz : 0;
  const double bus = in.accelerator.array.bus_bytes;
  const double e = t.ternary.total_pj(), em = t.mac.total_pj();
  json counts = energy::to_json(t.counts);
  if (per != 1.0)
    for (auto& [k, v] : counts.items()) v = v.get<double>() / per;
  return {{"tokens", static_cast<double>(t.tokens) / per},
          {"submissions", static_cast<double>(t.submissions) / per},
          {"descriptors", static_cast<double>(t.descriptors) / per},
          {"cycles", static_cast<double>(t.cycles) / per},
          {"sim_time_s", sim_s / per},
          {"tok_s_at_clock", sim_s > 0 ? static_cast<double>(t.tokens) / sim_s : 0.0},
          {"wall_s", t.wall_s / per},
          {"weight_bus_utilization",
           t.cycles ? static_cast<double>(t.counts.weight_bytes) / (static_cast<double>(t.cycles) * bus) : 0.0},
          {"energy_pj", e / per},
          {"energy_groups_pj", groups_json(t.ternary, per)},
          {"energy_components_pj", components_json(t.ternary, per)},
          {"mac_twin_energy_pj", em / per},
          {"mac_twin_energy_groups_pj", groups_json(t.mac, per)},
          {"mac_twin_energy_ratio", e > 0 ? em / e : 0.0},
          {"mac_twin_datapath_energy_ratio", datapath_pj(t.ternary) > 0 ? datapath_pj(t.mac) / datapath_pj(t.ternary) : 0.0},
          {"dram_floor_pj", t.floor_pj / per},
          {"energy_over_dram_floor", t.floor_pj > 0 ? e / t.floor_pj : 0.0},
          {"counts", counts}};
}

// "blk.12.attn_q.weight" -> 12 (-1 when the name has no block index).
int layer_of(const std::string& name) {
  if (name.rfind("blk.", 0) != 0) return -1;
  const size_t dot = name.find('.', 4);
  try {
    return std::stoi(name.substr(4, dot - 4));
  } catch (const std::exception&) {
    return -1;
  }
}

std::string short_name(const std::string& name) {
  // "blk.12.attn_q.weight" -> "attn_q"
  const size_t a = name.find('.', name.rfind("blk.", 0) == 0 ? 4 : 0);
  std::string s = a == std::string::npos ? name : name.substr(a + 1);
  if (s.size() > 7 && s.compare(s.size() - 7, 7, ".weight") == 0) s.resize(s.size() - 7);
  return s;
}

}  // namespace

energy::EventCounts event_counts(const driver::Counters& c) {
  energy::EventCounts e;
  e.cycles = c[C::CYCLES];
  e.busy = c[C::BUSY];
  e.issue = c[C::ISSUE];
  e.stall_weight = c[C::STALL_WEIGHT];
  e.stall_act = c[C::STALL_ACT];
  e.stall_drain = c[C::STALL_DRAIN];
  e.stall_write = c[C::STALL_WRITE];
  e.weight_bytes = c[C::WEIGHT_BYTES];
  e.act_bytes = c[C::ACT_BYTES];
  e.out_bytes = c[C::OUT_BYTES];
  e.desc_bytes = c[C::DESC_BYTES];
  e.lane_ops = c[C::LANE_OPS];
  e.zero_skips = c[C::ZERO_SKIPS];
  e.descs = c[C::DESCS];
  e.act_read_bytes = c[C::ACT_READ_BYTES];
  e.wfifo_writes = c[C::WFIFO_WRITES];
  e.wfifo_reads = c[C::WFIFO_READS];
  e.wreg_loads = c[C::WREG_LOADS];
  e.acc_updates = c[C::ACC_UPDATES];
  e.shadow_updates = c[C::SHADOW_UPDATES];
  e.drain_reads = c[C::DRAIN_READS];
  e.write_beats = c[C::WRITE_BEATS];
  e.read_bursts = c[C::READ_BURSTS];
  e.write_bursts = c[C::WRITE_BURSTS];
  static_assert(regs::kNumCounters == 24, "a new device counter: map it to energy::EventCounts here");
  return e;
}

std::string layer_type(const std::vector<std::string>& weights) {
  bool q = false, o = false, gu = false, down = false;
  for (const std::string& w : weights) {
    const std::string s = short_name(w);
    q |= s == "attn_q" || s == "attn_k" || s == "attn_v";
    o |= s == "attn_output";
    gu |= s == "ffn_gate" || s == "ffn_up";
    down |= s == "ffn_down";
  }
  if (q + o + gu + down != 1) return "other";
  return q ? "attn_qkv" : o ? "attn_output" : gu ? "ffn_gate_up" : "ffn_down";
}

json build_report(const ReportInput& in) {
  in.accelerator.validate();
  const auto& records = *in.records;
  const driver::ArrayConfig& cfg = in.accelerator.array;
  json report;
  report["model"] = in.model;
  report["device"] = in.device;
  report["config"] = {{"name", cfg.name()},        {"rows", cfg.rows},         {"cols", cfg.cols},
                      {"lanes", cfg.lanes},        {"bus_bytes", cfg.bus_bytes}, {"k_max", cfg.k_max},
                      {"weight_fifo_beats", in.accelerator.weight_fifo_beats}};
  report["clock_mhz"] = clock_hz(in) / 1e6;
  report["clock_nominal"] = in.clock_nominal;
  report["weight_format"] = regs::to_string(in.format);
  report["energy_table"] = energy::describe(in.table, in.accelerator);
  report["placement"] = in.placement;
  report["scope"] =
      "the accelerator's work: every BitLinear (the device's counters over its submissions); embeddings, norms, "
      "attention and the LM head run on the host CPU and are not in the energy or cycles";

  // Spans, and their sums by kind.
  Tally prefill, decode, total;
  json spans = json::array();
  std::map<std::string, Tally> by_type;
  struct MatrixUse {
    std::string weight, phase;
    uint32_t n = 0, k = 0, m = 0;
    double lane_slots = 0, weight_bytes = 0, cycles = 0;
    uint64_t uses = 0;
  };
  std::map<std::pair<std::string, std::string>, MatrixUse> matrices;
  int index = 0;
  for (const Span& sp : in.spans) {
    if (sp.end_record > records.size() || sp.first_record > sp.end_record)
      throw std::out_of_range("report span outside the submission records");
    Tally t;
    t.tokens = sp.tokens;
    t.wall_s = sp.wall_s;
    for (size_t i = sp.first_record; i < sp.end_record; ++i) {
      const sched::SubmissionRecord& r = records[i];
      const energy::Comparison e = energy::compare(event_counts(r.counters), in.table, in.accelerator);
      t.add(r, e);
      by_type[layer_type(r.weights)].add(r, e);
      // Each matrix's share of the group's cycles, in proportion to its lane slots (the
      // matrices of a group share M and K, so this is also the share of the weight bytes).
      double slots = 0;
      for (const auto& [n, k] : r.shapes) slots += static_cast<double>(r.m) * n * k;
      for (size_t j = 0; j < r.weights.size(); ++j) {
        const auto [n, k] = r.shapes[j];
        const double s = static_cast<double>(r.m) * n * k;
        MatrixUse& u = matrices[{r.weights[j], sp.kind}];
        u.weight = r.weights[j];
        u.phase = sp.kind;
        u.n = n;
        u.k = k;
        u.m = r.m;
        u.lane_slots += s;
        u.weight_bytes += static_cast<double>(j < r.weight_bytes.size() ? r.weight_bytes[j] : 0);
        u.cycles += slots > 0 ? static_cast<double>(r.cycles) * s / slots : 0;
        ++u.uses;
      }
    }
    json j = tally_json(in, t);
    j["index"] = index++;
    j["kind"] = sp.kind;
    spans.push_back(j);
    (sp.kind == "prefill" ? prefill : decode) += t;
    total += t;
  }
  report["spans"] = spans;
  report["prefill"] = tally_json(in, prefill);
  report["decode"] = tally_json(in, decode);
  report["decode_per_token"] = decode.tokens > 0 ? tally_json(in, decode, static_cast<double>(decode.tokens)) : json();
  report["total"] = tally_json(in, total);

  json types = json::object();
  for (const auto& [name, t] : by_type) {
    json j = tally_json(in, t);
    j.erase("tokens");
    j.erase("tok_s_at_clock");
    j.erase("wall_s");
    j["share_of_cycles"] = total.cycles ? static_cast<double>(t.cycles) / static_cast<double>(total.cycles) : 0.0;
    j["share_of_energy"] =
        report["total"]["energy_pj"].get<double>() > 0
            ? j["energy_pj"].get<double>() / report["total"]["energy_pj"].get<double>()
            : 0.0;
    types[name] = j;
  }
  report["layer_types"] = types;

  const double peak = static_cast<double>(cfg.rows) * cfg.cols * cfg.lanes;
  report["roofline"] = {{"bus_bytes_per_cycle", cfg.bus_bytes},
                        {"array_peak_lane_ops_per_cycle", peak},
                        {"ridge_lane_ops_per_weight_byte", peak / cfg.bus_bytes}};
  json mats = json::array();
  for (const auto& [key, u] : matrices) {
    mats.push_back({{"weight", u.weight},
                    {"name", short_name(u.weight)},
                    {"layer", layer_of(u.weight)},
                    {"type", layer_type({u.weight})},
                    {"phase", u.phase},
                    {"n", u.n},
                    {"k", u.k},
                    {"m", u.m},
                    {"uses", u.uses},
                    {"lane_slots", u.lane_slots},
                    {"weight_bytes", u.weight_bytes},
                    {"cycles", u.cycles},
                    {"lane_ops_per_weight_byte", u.weight_bytes > 0 ? u.lane_slots / u.weight_bytes : 0.0},
                    {"lane_ops_per_cycle", u.cycles > 0 ? u.lane_slots / u.cycles : 0.0}});
  }
  report["bitlinears"] = mats;
  report["wall_s"] = total.wall_s;
  return report;
}

std::string format_report(const json& r) {
  auto eng = [](double pj) {
    if (pj >= 1e9) return fmt::format("{:.2f} mJ", pj * 1e-9);
    if (pj >= 1e6) return fmt::format("{:.2f} uJ", pj * 1e-6);
    return fmt::format("{:.2f} nJ", pj * 1e-3);
  };
  auto count = [](double v) {
    if (v >= 1e9) return fmt::format("{:.2f} G", v * 1e-9);
    if (v >= 1e6) return fmt::format("{:.2f} M", v * 1e-6);
    if (v >= 1e3) return fmt::format("{:.1f} k", v * 1e-3);
    return fmt::format("{:.0f}", v);
  };
  auto ms = [](double s) {
    if (s >= 1) return fmt::format("{:.2f} s", s);
    return s >= 0.01 ? fmt::format("{:.1f} ms", s * 1e3) : fmt::format("{:.3f} ms", s * 1e3);
  };
  const char* groups[] = {"dram", "sram", "array", "zero_skips", "control", "static"};
  std::string o = fmt::format(
      "trit: what the BitLinears cost on {} ({} at {:.0f} MHz{}), energy table {}\n", r["device"].get<std::string>(),
      r["config"]["name"].get<std::string>(), r["clock_mhz"].get<double>(),
      r["clock_nominal"].get<bool>() ? " nominal" : "", r["energy_table"]["table"]["name"].get<std::string>());
  o += fmt::format("trit: {:<18} {:>6} {:>10} {:>10} {:>9} {:>10} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>10} {:>6} {:>7} {:>8}\n",
                   "", "tokens", "cycles", "sim time", "tok/s@clk", "energy", "DRAM", "SRAM", "array", "zero", "ctrl",
                   "static", "MAC twin", "x", "bus use", "wall");
  auto row = [&](const char* label, const json& t) {
    if (t.is_null()) return;
    const double e = t["energy_pj"].get<double>();
    std::string shares;
    for (const char* g : groups)
      shares += fmt::format(" {:>5.1f}%", e > 0 ? 100.0 * t["energy_groups_pj"][g].get<double>() / e : 0.0);
    o += fmt::format("trit: {:<18} {:>6} {:>10} {:>10} {:>9.1f} {:>10}{} {:>10} {:>6.2f} {:>7.3f} {:>8}\n", label,
                     fmt::format("{:g}", t["tokens"].get<double>()), count(t["cycles"].get<double>()),
                     ms(t["sim_time_s"].get<double>()), t["tok_s_at_clock"].get<double>(), eng(e), shares,
                     eng(t["mac_twin_energy_pj"].get<double>()), t["mac_twin_energy_ratio"].get<double>(),
                     t["weight_bus_utilization"].get<double>(), ms(t["wall_s"].get<double>()));
  };
  row("prefill", r["prefill"]);
  row("decode, per token", r["decode_per_token"]);
  row("total", r["total"]);
  std::string types;
  for (const auto& [name, t] : r["layer_types"].items())
    types += fmt::format("{}{} {:.0f}% of cycles, {:.0f}% of energy", types.empty() ? "" : "; ", name,
                         100 * t["share_of_cycles"].get<double>(), 100 * t["share_of_energy"].get<double>());
  o += "trit: by layer type: " + types + "\n";
  const json& tot = r["total"];
  o += fmt::format("trit: DRAM floor (weight bytes x DRAM energy) {}, energy / floor {:.2f}; the MAC twin's datapath "
                   "costs {:.2f}x the ternary one's\n",
                   eng(tot["dram_floor_pj"].get<double>()), tot["energy_over_dram_floor"].get<double>(),
                   tot["mac_twin_datapath_energy_ratio"].get<double>());
  return o;
}

}  // namespace trit::report
