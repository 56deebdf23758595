#pragma once
// Opening a device by name: the one entry point the host runtime, tools, benchmarks, bindings and
// the self-test use, so that switching between the reference model, the simulator and a board is
// a string.
//
//   "ref"              the C++ reference model (exact results, analytic cycle estimate)
//   "sim"              the Verilated RTL, first test configuration (or the one matching `config`)
//   "sim:r3c5v8b128"   the Verilated RTL of that configuration (rtl/configs.json)
//   "fpga"             a board through UIO + u-dma-buf (FpgaOptions; "fpga:uio1" picks the UIO device)
//
// Adding a backend: a folder under driver/backends/ and one entry in registry/open.cpp.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fpga/fpga_backend.hpp"
#include "ref/ref_backend.hpp"
#include "sim_options.hpp"
#include "trit/driver/device.hpp"

namespace trit::driver {

struct OpenOptions {
  // Opening checks, ring size, timeouts (DeviceOptions::expect is filled from `config` if unset).
  DeviceOptions device;
  // The array the host wants. ref: the array to model (default ArrayConfig{}, the first test
  // configuration's shape); sim: selects the built model of this shape when the name does not
  // say; every backend: opening fails unless the device reports exactly this array.
  std::optional<ArrayConfig> config;
  RefBackend::Options ref;   // memory, clock for the cycle estimate
  sim::SimOptions sim;       // memory model (latency, bandwidth, outstanding bursts, back-pressure), memory size, waveform
  FpgaOptions fpga;          // UIO / u-dma-buf device names and roots
};

// Opens and checks the device (ID, version, configuration; DeviceOptions). Throws ConfigError for
// an unknown name or a backend not in this build, naming the ones that are.
std::unique_ptr<Device> open_device(std::string_view name, const OpenOptions& opt = {});
// The backend alone, for tools that drive registers by hand.
std::unique_ptr<Backend> open_backend(std::string_view name, const OpenOptions& opt = {});

struct BackendInfo {
  std::string name;
  std::string description;
  bool available = false;             // built into this binary
  std::vector<std::string> variants;  // e.g. the simulator's configurations ("sim:<variant>")
};
std::vector<BackendInfo> backends();

}  // namespace trit::driver
