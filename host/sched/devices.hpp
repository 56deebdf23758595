// BitLinear devices by their --device name (llama.cpp style): "cpu" runs everything on the CPU
// kernels; every other name is an accelerator opened through the driver ("ref", "sim",
// "sim:<config>", "fpga", ...), which takes the BitLinears it supports while the rest stays on
// the CPU.
#pragma once

#include <memory>
#include <string>

#include "kernels/thread_pool.hpp"
#include "sched/accel_backend.hpp"
#include "sched/bitlinear_backend.hpp"

namespace trit::sched {

std::unique_ptr<BitLinearBackend> make_backend(const std::string& device, kernels::ThreadPool& pool,
                                               const AccelOptions& accel = {});
// "cpu, ref, sim (sim:r2c4v4b64, ...), fpga" for help texts and errors.
std::string device_names();

}  // namespace trit::sched
