// BitLinear devices by their --device name (llama.cpp style): "cpu" is the CPU kernels (the
// caller's CpuBackend); every other name is an accelerator opened through the driver ("ref",
// "sim", "sim:<config>", "fpga", ...).
#pragma once

#include <memory>
#include <string>

#include "sched/accel_backend.hpp"

namespace trit::sched {

// Opens the accelerator `device` (not "cpu"); an unknown or unbuilt name is an Error that lists
// the devices of this build and says how to build a missing simulator configuration.
std::unique_ptr<AccelBackend> open_accelerator(const std::string& device, const AccelOptions& accel = {});
// "cpu, ref, sim (sim:r2c4v4b64, ...), fpga" for help texts and errors.
std::string device_names();

}  // namespace trit::sched
