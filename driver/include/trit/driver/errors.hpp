#pragma once
// Every failure the driver reports is one of these exceptions. Messages say what was wrong and
// with which values; DeviceError also carries the decoded device state.

#include <stdexcept>
#include <string>

#include "trit/regs.hpp"

namespace trit::driver {

class DriverError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An impossible array configuration, or a device whose ID/config registers disagree with what
// the host expects.
class ConfigError : public DriverError {
 public:
  using DriverError::DriverError;
};

// A GEMM the device cannot run as asked: zero or too large dimensions, mismatched shapes.
class ShapeError : public DriverError {
 public:
  using DriverError::DriverError;
};

// An address or stride that violates the device's alignment rules.
class AlignmentError : public DriverError {
 public:
  using DriverError::DriverError;
};

// Device memory exhausted, or an access outside the device's memory.
class MemoryError : public DriverError {
 public:
  using DriverError::DriverError;
};

// The device halted: ERR_CODE with its meaning, the ring index and, for AXI errors, the address.
class DeviceError : public DriverError {
 public:
  DeviceError(regs::ErrCode code, uint32_t ring_index, uint64_t addr, const std::string& what)
      : DriverError(what), code_(code), ring_index_(ring_index), addr_(addr) {}
  regs::ErrCode code() const { return code_; }
  uint32_t ring_index() const { return ring_index_; }
  uint64_t address() const { return addr_; }

 private:
  regs::ErrCode code_;
  uint32_t ring_index_;
  uint64_t addr_;
};

// A wait that hit its deadline; the message holds the device state at that moment.
class TimeoutError : public DriverError {
 public:
  using DriverError::DriverError;
};

}  // namespace trit::driver
