#include "sched/devices.hpp"

#include "sched/cpu_backend.hpp"
#include "trit/driver/open.hpp"

namespace trit::sched {

std::string device_names() {
  std::string s = "cpu";
  for (const driver::BackendInfo& b : driver::backends()) {
    if (!b.available) continue;
    s += ", " + b.name;
    if (!b.variants.empty()) {
      s += " (";
      for (size_t i = 0; i < b.variants.size(); ++i) s += (i ? ", " : "") + b.name + ":" + b.variants[i];
      s += ")";
    }
  }
  return s;
}

std::unique_ptr<BitLinearBackend> make_backend(const std::string& device, kernels::ThreadPool& pool,
                                               const AccelOptions& accel) {
  if (device == "cpu") return std::make_unique<CpuBackend>(pool);
  try {
    return make_accel_backend(device, accel);
  } catch (const driver::ConfigError& e) {
    throw Error("--device " + device + ": " + e.what() + " (devices in this build: " + device_names() + ")");
  }
}

}  // namespace trit::sched
