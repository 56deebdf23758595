#pragma once
// The Verilated RTL as the logic of the stand-in board (fake_board.hpp), so that the fpga
// backend's code path also runs against the RTL. The simulator's memory must then be the board's
// DMA buffer, which needs sim::SimOptions::mem_storage (a view of external storage); with a
// harness that does not have it yet, simulated_board() returns nothing and the tests that would
// use it are not instantiated.

#include <optional>
#include <span>
#include <string>

#include "fake_board.hpp"
#include "sim_registry.hpp"

namespace trit::testing {

template <class Options = sim::SimOptions>
std::optional<FakeBoard::ModelFactory> simulated_board(const std::string& config) {
  if constexpr (requires(Options o, std::span<uint8_t> s) { o.mem_storage = s; }) {
    return [config](uint64_t base, std::span<uint8_t> memory) {
      Options o;
      o.mem_base = base;
      o.mem_size = memory.size();
      o.mem_storage = memory;
      o.axi.read_latency = o.axi.write_latency = 20;
      // A board's logic runs by itself: the board thread clocks the model while it has work.
      return FakeBoard::Model{sim::make_sim_backend(config, o), true};
    };
  } else {
    (void)config;
    return std::nullopt;
  }
}

}  // namespace trit::testing
