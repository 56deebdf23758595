#include "trit/driver/descriptor.hpp"

#include <fmt/format.h>

namespace trit::driver {

using regs::ErrCode;

regs::Descriptor encode(const GemmDesc& d) {
  regs::Descriptor r{};
  r.ctrl = (static_cast<uint32_t>(regs::Opcode::GEMM) << regs::DESC_CTRL_OPCODE_SHIFT) |
           (static_cast<uint32_t>(d.format) << regs::DESC_CTRL_WFMT_SHIFT) |
           (d.irq ? regs::DESC_CTRL_IRQ : 0u);
  r.m = d.m;
  r.n = d.n;
  r.k = d.k;
  r.x_addr = d.x_addr;
  r.w_addr = d.w_addr;
  r.y_addr = d.y_addr;
  r.x_stride = d.x_stride;
  r.y_stride = d.y_stride;
  r.tag = d.tag;
  return r;
}

GemmDesc decode(const regs::Descriptor& r) {
  GemmDesc d;
  d.m = r.m;
  d.n = r.n;
  d.k = r.k;
  d.x_addr = r.x_addr;
  d.w_addr = r.w_addr;
  d.y_addr = r.y_addr;
  d.x_stride = r.x_stride;
  d.y_stride = r.y_stride;
  d.format = static_cast<regs::WeightFormat>((r.ctrl & regs::DESC_CTRL_WFMT) >> regs::DESC_CTRL_WFMT_SHIFT);
  d.irq = (r.ctrl & regs::DESC_CTRL_IRQ) != 0;
  d.tag = r.tag;
  return d;
}

ErrCode check(const regs::Descriptor& r, const ArrayConfig& cfg) {
  const uint32_t opcode = (r.ctrl & regs::DESC_CTRL_OPCODE) >> regs::DESC_CTRL_OPCODE_SHIFT;
  if (opcode != static_cast<uint32_t>(regs::Opcode::GEMM)) return ErrCode::BAD_OPCODE;
  const uint32_t wfmt = (r.ctrl & regs::DESC_CTRL_WFMT) >> regs::DESC_CTRL_WFMT_SHIFT;
  if (wfmt != static_cast<uint32_t>(regs::WeightFormat::T2) &&
      wfmt != static_cast<uint32_t>(regs::WeightFormat::T5))
    return ErrCode::BAD_FORMAT;
  if (r.m == 0 || r.n == 0 || r.k == 0) return ErrCode::ZERO_DIM;
  if (r.k > cfg.k_max) return ErrCode::K_TOO_LARGE;
  const uint64_t align = cfg.bus_bytes;
  const uint64_t addr_limit_mask = cfg.addr_bits >= 64 ? 0 : ~((uint64_t{1} << cfg.addr_bits) - 1);
  for (uint64_t a : {r.x_addr, r.w_addr, r.y_addr})
    if (a % align != 0 || (a & addr_limit_mask) != 0) return ErrCode::MISALIGNED;
  if (r.x_stride % align != 0 || r.y_stride % align != 0) return ErrCode::BAD_STRIDE;
  if (r.m > 1 && (r.x_stride < r.k || uint64_t{r.y_stride} < uint64_t{r.n} * 4))
    return ErrCode::BAD_STRIDE;
  return ErrCode::NONE;
}

std::string describe(const GemmDesc& d) {
  return fmt::format("GEMM m={} n={} k={} {} x=0x{:x}/{} w=0x{:x} y=0x{:x}/{}", d.m, d.n, d.k,
                     regs::to_string(d.format), d.x_addr, d.x_stride, d.w_addr, d.y_addr,
                     d.y_stride);
}

}  // namespace trit::driver
