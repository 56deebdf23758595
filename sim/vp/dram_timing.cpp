// The DRAM model (sim/vp/dram, docs/dram.md) as the memory target's timing.

#include <nlohmann/json.hpp>

#include "trit/vp/dram.hpp"
#include "vp_configs.hpp"

namespace trit::vp {

namespace {

class DramMemoryTiming final : public MemoryTiming {
 public:
  explicit DramMemoryTiming(const DramTiming& t) : model_(t) {}

  sc_core::sc_time access(uint64_t addr, uint32_t bytes, bool write, const sc_core::sc_time& arrival) override {
    const uint64_t arrival_ps = static_cast<uint64_t>(arrival.to_seconds() * 1e12 + 0.5);
    const uint64_t done_ps = model_.access(addr, bytes, write, arrival_ps);
    return sc_core::sc_time(static_cast<double>(done_ps), sc_core::SC_PS);
  }

  nlohmann::json stats() const override {
    const DramStats& s = model_.stats();
    return {{"model", "dram"},
            {"preset", model_.timing().name},
            {"accesses", s.accesses},
            {"reads", s.reads},
            {"writes", s.writes},
            {"row_hits", s.row_hits},
            {"row_misses", s.row_misses},
            {"row_conflicts", s.row_conflicts},
            {"activates", s.activates},
            {"precharges", s.precharges},
            {"refreshes", s.refreshes},
            {"read_write_turnarounds", s.read_write_turnarounds},
            {"write_read_turnarounds", s.write_read_turnarounds},
            {"data_bus_busy_ps", s.data_bus_busy_ps},
            {"bus_utilization", model_.bus_utilization()},
            {"peak_bytes_per_second", model_.peak_bytes_per_second()}};
  }

 private:
  DramModel model_;
};

}  // namespace

std::shared_ptr<MemoryTiming> make_dram_timing(const std::string& preset, const sc_core::sc_time&) {
  return std::make_shared<DramMemoryTiming>(load_preset(preset));
}

}  // namespace trit::vp
