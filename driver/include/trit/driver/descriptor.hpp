#pragma once
// GEMM descriptors: the host-side view, the encoding into the 64-byte ring record, and the
// checks the device applies (in the device's priority order, so every backend reports the same
// first error for the same descriptor).

#include <cstdint>
#include <string>

#include "trit/driver/config.hpp"
#include "trit/regs.hpp"

namespace trit::driver {

using regs::WeightFormat;

struct GemmDesc {
  uint32_t m = 0, n = 0, k = 0;   // Y[m][n] = X[m][k] * W^T, W: n x k ternary
  uint64_t x_addr = 0;            // int8 rows, x_stride bytes apart
  uint64_t w_addr = 0;            // packed weights (WeightLayout)
  uint64_t y_addr = 0;            // int32 rows, y_stride bytes apart
  uint32_t x_stride = 0, y_stride = 0;
  regs::WeightFormat format = regs::WeightFormat::T5;
  bool irq = false;               // raise IRQ_STATUS.DONE on completion
  uint32_t tag = 0;               // copied to LAST_TAG on completion
};

regs::Descriptor encode(const GemmDesc& d);
// The opcode must be GEMM for the result to mean anything; check() says whether it is.
GemmDesc decode(const regs::Descriptor& raw);

// The device's descriptor checks in priority order; ErrCode::NONE when the device will run it.
regs::ErrCode check(const regs::Descriptor& raw, const ArrayConfig& cfg);

// "GEMM m=1 n=640 k=2560 T5 x=0x... w=0x... y=0x..." for messages.
std::string describe(const GemmDesc& d);

}  // namespace trit::driver
