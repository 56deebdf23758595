// Shared pieces of the RTL block testbenches: per-test random streams from the run's seed (the
// seeded main of tests/support prints it; --seed N or TRIT_SEED=N reproduces), bit access to
// Verilated ports of any width, and a clocked wrapper that turns any failed RTL assertion into a
// test failure instead of an abort.
#pragma once

#include <gtest/gtest.h>
#include <verilated.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "test_seed.hpp"

namespace trit::rtl_tb {

inline uint64_t base_seed() { return trit::testing::test_seed(); }

// A generator for one test: the run's seed mixed with the test's full name, so each test is
// reproducible on its own and tests do not share streams.
inline std::mt19937_64 test_rng() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "";
  uint64_t h = 1469598103934665603ull;  // FNV-1a of the test name
  for (char c : name) h = (h ^ uint8_t(c)) * 1099511628211ull;
  std::seed_seq seq{uint32_t(base_seed()), uint32_t(base_seed() >> 32), uint32_t(h),
                    uint32_t(h >> 32)};
  return std::mt19937_64(seq);
}

// ---- bit access to Verilated ports (CData/SData/IData/QData or VlWide<N>) --------------------
template <class T>
void put_bits(T& port, unsigned lsb, unsigned width, uint64_t value) {
  if (width < 64) value &= (uint64_t{1} << width) - 1;
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    const uint64_t mask = (width >= 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1)) << lsb;
    port = static_cast<T>((static_cast<uint64_t>(static_cast<U>(port)) & ~mask) | (value << lsb));
  } else {
    for (unsigned i = 0; i < width; ++i) {
      const unsigned bit = lsb + i;
      uint32_t& word = port[bit >> 5];
      const uint32_t m = uint32_t{1} << (bit & 31);
      word = ((value >> i) & 1) ? (word | m) : (word & ~m);
    }
  }
}

template <class T>
uint64_t get_bits(const T& port, unsigned lsb, unsigned width) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    const uint64_t v = static_cast<uint64_t>(static_cast<U>(port)) >> lsb;
    return width >= 64 ? v : (v & ((uint64_t{1} << width) - 1));
  } else {
    uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i) {
      const unsigned bit = lsb + i;
      v |= static_cast<uint64_t>((port[bit >> 5] >> (bit & 31)) & 1) << i;
    }
    return v;
  }
}

// Bytes [0, n) of a port (little-endian bit order: byte i at bits 8i+7..8i).
template <class T>
void put_bytes(T& port, const std::vector<uint8_t>& bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) put_bits(port, unsigned(i * 8), 8, bytes[i]);
}
template <class T>
std::vector<uint8_t> get_bytes(const T& port, size_t n) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = uint8_t(get_bits(port, unsigned(i * 8), 8));
  return out;
}

// A Verilated model with its own context, clk_i/rst_ni driving, and assertion checking.
template <class Model>
class Clocked {
 public:
  Clocked() : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->fatalOnError(false);  // an RTL $error sets gotError; tick() reports it
    ctx_->randReset(0);
    model_ = std::make_unique<Model>(ctx_.get(), "top");
  }
  ~Clocked() { model_->final(); }
  Model* operator->() { return model_.get(); }
  Model& m() { return *model_; }

  // Hold reset for a few cycles; inputs should be set to idle values first.
  void reset(int cycles = 3) {
    model_->rst_ni = 0;
    model_->clk_i = 0;
    model_->eval();
    for (int i = 0; i < cycles; ++i) tick();
    model_->rst_ni = 1;
    model_->eval();
  }
  // Settle combinational outputs for the current inputs (call before sampling ready/valid).
  void eval() { model_->eval(); }
  // One rising edge. Inputs set before the call are sampled at the edge.
  void tick() {
    model_->clk_i = 0;
    model_->eval();
    model_->clk_i = 1;
    model_->eval();
    ++cycle_;
    if (ctx_->gotError()) {
      ADD_FAILURE() << "RTL assertion failed at cycle " << cycle_ << " (seed " << base_seed()
                    << ")";
      ctx_->gotError(false);
      ctx_->gotFinish(false);
      failed_ = true;
    }
  }
  uint64_t cycle() const { return cycle_; }
  bool failed() const { return failed_; }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> model_;
  uint64_t cycle_ = 0;
  bool failed_ = false;
};

}  // namespace trit::rtl_tb
