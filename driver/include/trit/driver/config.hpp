#pragma once
// The shape of an accelerator build: what the RTL parameters, the generated C++ config and the
// device's read-only CFG_* registers all describe. One value of this type names a configuration.

#include <cstdint>
#include <string>
#include <string_view>

namespace trit::driver {

struct ArrayConfig {
  uint32_t rows = 2;        // R: PE rows, tokens per pass
  uint32_t cols = 4;        // C: PE columns, outputs per tile
  uint32_t lanes = 4;       // V: reduction lanes per PE (power of two, <= bus_bytes)
  uint32_t bus_bytes = 8;   // AXI4 master data width in bytes
  uint32_t k_max = 512;     // largest K the activation buffer holds (multiple of bus_bytes)
  uint32_t addr_bits = 32;  // AXI4 master address width
  uint32_t max_burst = 16;  // longest burst the DMA issues, in beats

  // "r2c4v4b64": the name build directories and Verilator models carry.
  std::string name() const;
  // The array a name describes (R, C, V, bus width); the parameters a name does not carry keep
  // their defaults, raised where the bus width requires. Throws ConfigError for a malformed name.
  static ArrayConfig from_name(std::string_view name);
  // Throws ConfigError naming the first violated rule (see docs/architecture.md).
  void validate() const;

  // The smallest row strides the device accepts: K int8 activations, N int32 outputs, each
  // rounded up to whole bus beats.
  uint32_t x_stride(uint32_t k) const { return (k + bus_bytes - 1) / bus_bytes * bus_bytes; }
  uint32_t y_stride(uint32_t n) const { return (4 * n + bus_bytes - 1) / bus_bytes * bus_bytes; }

  friend bool operator==(const ArrayConfig&, const ArrayConfig&) = default;
};

}  // namespace trit::driver
