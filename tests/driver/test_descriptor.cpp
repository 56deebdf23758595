// Descriptor encoding and the device's checks, in the priority docs/architecture.md gives.

#include <gtest/gtest.h>

#include "trit/driver/descriptor.hpp"

using namespace trit::driver;
using trit::regs::ErrCode;

namespace {

const ArrayConfig kCfg{2, 4, 4, 8, 512, 32, 16};

GemmDesc good() {
  GemmDesc d;
  d.m = 3;
  d.n = 5;
  d.k = 20;
  d.x_addr = 0x10000000;
  d.w_addr = 0x10001000;
  d.y_addr = 0x10002000;
  d.x_stride = 24;
  d.y_stride = 24;
  d.format = WeightFormat::T2;
  d.tag = 77;
  return d;
}

ErrCode check_of(const GemmDesc& d) { return check(encode(d), kCfg); }

}  // namespace

TEST(Descriptor, RoundTrip) {
  GemmDesc d = good();
  d.irq = true;
  const GemmDesc e = decode(encode(d));
  EXPECT_EQ(e.m, d.m);
  EXPECT_EQ(e.n, d.n);
  EXPECT_EQ(e.k, d.k);
  EXPECT_EQ(e.x_addr, d.x_addr);
  EXPECT_EQ(e.w_addr, d.w_addr);
  EXPECT_EQ(e.y_addr, d.y_addr);
  EXPECT_EQ(e.x_stride, d.x_stride);
  EXPECT_EQ(e.y_stride, d.y_stride);
  EXPECT_EQ(e.format, d.format);
  EXPECT_TRUE(e.irq);
  EXPECT_EQ(e.tag, 77u);
}

TEST(Descriptor, ByteLayoutIsLittleEndianAtTheDocumentedOffsets) {
  const trit::regs::Descriptor r = encode(good());
  const auto* b = reinterpret_cast<const uint8_t*>(&r);
  EXPECT_EQ(b[0], 1);        // opcode GEMM
  EXPECT_EQ(b[1], 0);        // T2
  EXPECT_EQ(b[4], 3);        // m
  EXPECT_EQ(b[8], 5);        // n
  EXPECT_EQ(b[12], 20);      // k
  EXPECT_EQ(b[0x13], 0x10);  // x_addr 0x10000000, byte 3
  EXPECT_EQ(b[0x19], 0x10);  // w_addr 0x10001000, byte 1
  EXPECT_EQ(b[0x30], 77);    // tag
}

TEST(Descriptor, ChecksInPriorityOrder) {
  EXPECT_EQ(check_of(good()), ErrCode::NONE);

  trit::regs::Descriptor r = encode(good());
  r.ctrl = (r.ctrl & ~trit::regs::DESC_CTRL_OPCODE) | 7;
  r.m = 0;  // also a zero dimension: the opcode wins
  EXPECT_EQ(check(r, kCfg), ErrCode::BAD_OPCODE);

  r = encode(good());
  r.ctrl |= 2u << trit::regs::DESC_CTRL_WFMT_SHIFT;
  r.k = 0;
  EXPECT_EQ(check(r, kCfg), ErrCode::BAD_FORMAT);

  GemmDesc d = good();
  d.n = 0;
  d.k = 100000;
  EXPECT_EQ(check_of(d), ErrCode::ZERO_DIM);

  d = good();
  d.k = 513;
  d.x_addr += 1;
  EXPECT_EQ(check_of(d), ErrCode::K_TOO_LARGE);
  d.k = 512;
  d.x_stride = 512;
  EXPECT_EQ(check_of(d), ErrCode::MISALIGNED);

  d = good();
  d.y_addr = 1ull << 32;  // beyond 32 address bits
  EXPECT_EQ(check_of(d), ErrCode::MISALIGNED);

  d = good();
  d.x_stride = 20;  // not a multiple of 8
  EXPECT_EQ(check_of(d), ErrCode::BAD_STRIDE);
  d = good();
  d.x_stride = 16;  // < K with M > 1
  EXPECT_EQ(check_of(d), ErrCode::BAD_STRIDE);
  d.m = 1;  // a single row needs no stride
  EXPECT_EQ(check_of(d), ErrCode::NONE);
  d = good();
  d.y_stride = 16;  // < 4N = 20
  EXPECT_EQ(check_of(d), ErrCode::BAD_STRIDE);
}
