#pragma once
// Reports of the energy model for people (text tables) and programs (JSON).

#include <string>

#include <nlohmann/json.hpp>

#include "trit/energy/model.hpp"

namespace trit::energy {

// {"datapath": "ternary", "components_pj": {...}, "groups_pj": {...}, "total_pj": ..,
//  "total_mj": .., "dram_floor_pj": .., "total_over_floor": .., "seconds": .., "average_power_w": ..,
//  "pj_per_lane_slot": ..}; the MAC twin adds "mac_options".
nlohmann::json to_json(const Report& r);
// {"ternary": {...}, "mac": {...}, "mac_over_ternary": .., "datapath_mac_over_ternary": ..}
nlohmann::json to_json(const Comparison& c);
// The table, the accelerator and the clock a result was computed with.
nlohmann::json describe(const Table& t, const Accelerator& a);

// One row per component and group, pJ and share of the total, for the ternary array and the twin.
std::string format_comparison(const Comparison& c);

}  // namespace trit::energy
