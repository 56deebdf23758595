#pragma once
// The narrow boundary between the driver and a device. Everything above it (ring, descriptors,
// weight packing, allocation, error decoding) is written once in Device and shared by every
// backend; a backend only moves register values and bytes and waits for the interrupt line.
//
// A new backend is one directory under driver/backends/ and one class deriving from Backend.

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

namespace trit::driver {

class Backend {
 public:
  virtual ~Backend() = default;

  // "ref", "sim:r2c4v4b64", "fpga:/dev/uio0", ...
  virtual std::string name() const = 0;

  // 32-bit register access at a byte offset of the AXI4-Lite window.
  virtual uint32_t read_reg(uint32_t offset) = 0;
  virtual void write_reg(uint32_t offset, uint32_t value) = 0;

  // The device-visible memory the driver may allocate from: [base, base + size).
  struct Region {
    uint64_t base = 0;
    uint64_t size = 0;
  };
  virtual Region memory() const = 0;
  virtual void write_mem(uint64_t addr, std::span<const uint8_t> data) = 0;
  virtual void read_mem(uint64_t addr, std::span<uint8_t> out) = 0;

  // Runs the device until its interrupt line is high or `timeout` of device time has passed
  // (simulators convert it to cycles at the nominal clock; hardware waits in real time).
  // Returns true if the line is high. Hardware may report an interrupt that fired just before a
  // cause was acknowledged, so callers re-check the status registers after a wake-up.
  virtual bool wait_irq(std::chrono::nanoseconds timeout) = 0;

  // Power-on reset of the whole device (rst_ni), as opposed to CTRL.SOFT_RESET.
  virtual void hard_reset() = 0;

  // Device clock cycles elapsed, if the backend knows them (simulators); 0 otherwise.
  virtual uint64_t cycles() const { return 0; }
};

}  // namespace trit::driver
