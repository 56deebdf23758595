#include "sched/devices.hpp"

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

std::unique_ptr<AccelBackend> open_accelerator(const std::string& device, const AccelOptions& accel) {
  if (device == "cpu") throw Error("--device cpu is the CPU itself, not an accelerator");
  try {
    return make_accel_backend(device, accel);
  } catch (const driver::ConfigError& e) {
    throw Error("--device " + device + ": " + e.what() + " (devices in this build: " + device_names() + ")");
  }
}

}  // namespace trit::sched
