#pragma once
// Opening a device by name: the one entry point the host runtime, tools, benchmarks, bindings and
// the self-test use, so that switching between the reference model, the simulator and a board is
// a string.
//
//   "ref"              the C++ reference model (exact results, analytic cycle estimate)
//   "sim"              the Verilated RTL, first test configuration (or the one matching `config`)
//   "sim:r3c5v8b128"   the Verilated RTL of that configuration (rtl/configs.json); test
//                      configurations are linked in, the others are loaded from their plugin
//                      (trit-sim-<config>.so) once built
//   "fpga"             a board through UIO + u-dma-buf ("fpga:uio1" picks the UIO device)
//
// This header is the whole public surface of the registry: it names no backend's types, so the
// host depends on the driver API alone and adding a backend (a folder under driver/backends/ and
// one entry in registry/open.cpp) edits no public header. Settings only one backend understands
// travel as `params` (key=value), which that backend parses and checks.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trit/driver/device.hpp"

namespace trit::driver {

struct OpenOptions {
  // Opening checks, ring size, timeouts (DeviceOptions::expect is filled from `config` if unset).
  DeviceOptions device;
  // The array the host wants. ref: the array to model (default ArrayConfig{}, the first test
  // configuration's shape); sim: selects the built model of this shape when the name does not
  // say; every backend: opening fails unless the device reports exactly this array.
  std::optional<ArrayConfig> config;
  // Device memory of the models (ref, sim): bytes the host can allocate from. A board has what its
  // DMA buffer holds.
  std::optional<uint64_t> memory_bytes;
  // Simulated memory latency in device cycles, read and write (ref: its cycle estimate; sim: the
  // AXI memory model). Unset: the backend's default (100).
  std::optional<uint32_t> memory_latency;
  // Waveform file (sim: FST; needs a model built with tracing). Empty: none.
  std::string trace_path;
  // Backend-specific settings, each backend's keys documented in docs/driver.md ("Backend
  // parameters"), e.g. sim: max_reads=32, bytes_per_cycle=64; fpga: uio=trit, udmabuf=udmabuf0.
  // A key the chosen backend does not know, or a value it cannot parse, is a ConfigError.
  std::map<std::string, std::string> params;
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
  // Variants named by the project but not usable from this binary yet, with how to make them so
  // (the simulator's bench configurations before their plugin is built).
  std::vector<std::pair<std::string, std::string>> unbuilt_variants;
};
std::vector<BackendInfo> backends();

// "key=value" -> OpenOptions::params (for command lines); throws ConfigError without a '='.
void add_param(OpenOptions& opt, std::string_view key_equals_value);

}  // namespace trit::driver
