#pragma once
// What the energy model needs to know about the hardware beyond the event counts: the array shape
// (the driver's ArrayConfig), the buffer sizes it implies, the weight FIFO depth (a build
// parameter the driver does not see) and the clock.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trit/driver/config.hpp"

namespace trit::energy {

struct Accelerator {
  driver::ArrayConfig array;
  uint32_t weight_fifo_beats = 64;  // rtl/configs.json weight_fifo_beats: FIFO depth in bus beats
  double clock_hz = 0;              // 0 = unknown; static energy needs it
  // Physical width of one activation-buffer read, in bytes. 0 = the bus width: the RTL's row
  // memories are a beat wide and every issued chunk reads a whole beat per row, of which the
  // array uses V bytes (docs/rtl.md, "Activation buffer"). Set V to price a V-wide buffer.
  uint32_t act_read_word_bytes = 0;

  // Bytes of one row memory of the activation buffer: two banks of KMax, addressed {bank, beat}
  // with the beat index rounded up to a power of two (trit_actbuf).
  uint64_t actbuf_row_bytes() const;
  uint32_t act_read_width() const { return act_read_word_bytes ? act_read_word_bytes : array.bus_bytes; }
  uint64_t wfifo_bytes() const { return uint64_t{weight_fifo_beats} * array.bus_bytes; }
  // Throws EnergyError naming the first impossible field (after ArrayConfig::validate()).
  void validate() const;
};

// A configuration of rtl/configs.json, with its FIFO depth and clock (0 where the file says 0).
// Throws EnergyError listing the names that exist.
Accelerator named_accelerator(std::string_view name);
std::vector<std::string> accelerator_names();
// A configuration name of rtl/configs.json, or any shape name "r<R>c<C>v<V>b<bits>" (driver
// defaults for k_max and burst, FIFO depth 64 beats, clock unknown).
Accelerator accelerator_from_name(std::string_view name_or_shape);

}  // namespace trit::energy
