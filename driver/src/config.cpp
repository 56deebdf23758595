#include "trit/driver/config.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>

#include <fmt/format.h>

#include "trit/driver/errors.hpp"

namespace trit::driver {

std::string ArrayConfig::name() const {
  return fmt::format("r{}c{}v{}b{}", rows, cols, lanes, bus_bytes * 8);
}

ArrayConfig ArrayConfig::from_name(std::string_view name) {
  ArrayConfig c;
  uint32_t bus_bits = 0;
  char tail = 0;
  const std::string s(name);
  if (std::sscanf(s.c_str(), "r%uc%uv%ub%u%c", &c.rows, &c.cols, &c.lanes, &bus_bits, &tail) != 4 || bus_bits % 8)
    throw ConfigError(fmt::format("'{}' is not an array configuration name like r2c4v4b64", name));
  c.bus_bytes = bus_bits / 8;
  c.k_max = std::max(c.k_max, c.bus_bytes) / c.bus_bytes * c.bus_bytes;
  c.max_burst = std::min(c.max_burst, 4096 / std::max(1u, c.bus_bytes));
  c.validate();
  return c;
}

void ArrayConfig::validate() const {
  auto fail = [&](const std::string& why) {
    throw ConfigError(fmt::format("impossible array configuration {}: {}", name(), why));
  };
  if (rows < 1 || rows > 256) fail(fmt::format("rows = {} (must be 1..256)", rows));
  if (cols < 1 || cols > 1024) fail(fmt::format("cols = {} (must be 1..1024)", cols));
  if (!std::has_single_bit(bus_bytes) || bus_bytes < 8 || bus_bytes > 128)
    fail(fmt::format("bus width {} bytes (must be a power of two, 8..128)", bus_bytes));
  if (!std::has_single_bit(lanes) || lanes > bus_bytes)
    fail(fmt::format("lanes = {} (must be a power of two <= bus bytes {})", lanes, bus_bytes));
  if (k_max == 0 || k_max % bus_bytes != 0)
    fail(fmt::format("k_max = {} (must be a nonzero multiple of bus bytes {})", k_max, bus_bytes));
  if (addr_bits < 12 || addr_bits > 64) fail(fmt::format("addr_bits = {} (must be 12..64)", addr_bits));
  if (max_burst < 1 || max_burst > 256 || max_burst > 4096 / bus_bytes)
    fail(fmt::format("max_burst = {} beats (must be 1..256 and fit in 4 KiB)", max_burst));
}

}  // namespace trit::driver
