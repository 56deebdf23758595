#include "trit/energy/report.hpp"

#include <fmt/format.h>

namespace trit::energy {

namespace {

nlohmann::json breakdown_json(const Breakdown& b) {
  nlohmann::json comps = nlohmann::json::object(), groups = nlohmann::json::object();
  for (unsigned i = 0; i < kNumComponents; ++i) comps[std::string(component_name(static_cast<Component>(i)))] = b.pj[i];
  for (unsigned g = 0; g < kNumGroups; ++g)
    groups[std::string(group_name(static_cast<Group>(g)))] = b.group_pj(static_cast<Group>(g));
  return {{"components_pj", comps}, {"groups_pj", groups}};
}

std::string share(double v, double total) { return total > 0 ? fmt::format("{:5.1f} %", 100 * v / total) : "    -  "; }

std::string ratio(double num, double den) { return den > 0 ? fmt::format("{:.3g}", num / den) : "-"; }

}  // namespace

nlohmann::json to_json(const Report& r) {
  nlohmann::json j = breakdown_json(r.breakdown);
  j["datapath"] = std::string(datapath_name(r.datapath));
  if (r.datapath == Datapath::mac)
    j["mac_options"] = {{"gate_zero_weights", r.mac.gate_zero_weights},
                        {"weight_bytes_scale", r.mac.weight_bytes_scale}};
  j["total_pj"] = r.breakdown.total_pj();
  j["total_mj"] = r.breakdown.total_mj();
  j["dynamic_pj"] = r.breakdown.dynamic_pj();
  j["dram_floor_pj"] = r.dram_floor_pj;
  j["total_over_floor"] = r.over_floor;
  j["seconds"] = r.seconds;
  j["average_power_w"] = r.average_power_w;
  j["pj_per_lane_slot"] = r.pj_per_lane_slot;
  return j;
}

nlohmann::json to_json(const Comparison& c) {
  return {{"ternary", to_json(c.ternary)},
          {"mac", to_json(c.mac)},
          {"mac_over_ternary", c.mac_over_ternary},
          {"datapath_mac_over_ternary", c.datapath_mac_over_ternary}};
}

nlohmann::json describe(const Table& t, const Accelerator& a) {
  return {{"table", {{"name", t.name}, {"path", t.path}, {"description", t.description}}},
          {"accelerator",
           {{"config", a.array.name()},
            {"rows", a.array.rows},
            {"cols", a.array.cols},
            {"lanes", a.array.lanes},
            {"bus_bytes", a.array.bus_bytes},
            {"k_max", a.array.k_max},
            {"weight_fifo_beats", a.weight_fifo_beats},
            {"act_read_width_bytes", a.act_read_width()},
            {"clock_hz", a.clock_hz}}}};
}

std::string format_comparison(const Comparison& c) {
  const Breakdown& t = c.ternary.breakdown;
  const Breakdown& m = c.mac.breakdown;
  const double tt = t.total_pj(), tm = m.total_pj();
  std::string out = fmt::format("{:<18} {:>14} {:>8}   {:>14} {:>8}   {:>8}\n", "component", "ternary pJ", "share",
                                "MAC twin pJ", "share", "MAC/tern");
  for (unsigned g = 0; g < kNumGroups; ++g) {
    const auto group = static_cast<Group>(g);
    for (unsigned i = 0; i < kNumComponents; ++i) {
      const auto comp = static_cast<Component>(i);
      if (group_of(comp) != group) continue;
      out += fmt::format("  {:<16} {:>14.6g} {:>8}   {:>14.6g} {:>8}   {:>8}\n", component_name(comp), t[comp],
                         share(t[comp], tt), m[comp], share(m[comp], tm), ratio(m[comp], t[comp]));
    }
    const double gt = t.group_pj(group), gm = m.group_pj(group);
    out += fmt::format("= {:<16} {:>14.6g} {:>8}   {:>14.6g} {:>8}   {:>8}\n", group_name(group), gt, share(gt, tt), gm,
                       share(gm, tm), ratio(gm, gt));
  }
  out += fmt::format("{:<18} {:>14.6g} {:>8}   {:>14.6g} {:>8}   {:>8}\n", "total", tt, "", tm, "", ratio(tm, tt));
  out += fmt::format("{:<18} {:>14.6g} mJ          {:>14.6g} mJ\n", "total", t.total_mj(), m.total_mj());
  out += fmt::format("{:<18} {:>14.6g} pJ (weight bytes x DRAM read energy)\n", "dram floor", c.ternary.dram_floor_pj);
  out += fmt::format("{:<18} {:>14.4g}             {:>14.4g}\n", "total / floor", c.ternary.over_floor, c.mac.over_floor);
  out += fmt::format("{:<18} {:>14.4g}             {:>14.4g}\n", "pJ per lane slot", c.ternary.pj_per_lane_slot,
                     c.mac.pj_per_lane_slot);
  if (c.ternary.seconds > 0)
    out += fmt::format("{:<18} {:>14.4g} s, average power {:.4g} W (ternary), {:.4g} W (MAC twin)\n", "time",
                       c.ternary.seconds, c.ternary.average_power_w, c.mac.average_power_w);
  out += fmt::format("MAC twin: {}, weight bytes x {:g}; MAC/ternary: total {:.3f}, datapath {:.3f}\n",
                     c.mac.mac.gate_zero_weights ? "zero weights gated" : "every lane slot multiplies",
                     c.mac.mac.weight_bytes_scale, c.mac_over_ternary, c.datapath_mac_over_ternary);
  return out;
}

}  // namespace trit::energy
