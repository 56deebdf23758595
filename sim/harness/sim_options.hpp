#pragma once
// Options of the cycle-accurate simulator backend that do not change the RTL (the array shape
// is fixed per Verilated model; see rtl/configs.json).

#include <cstdint>
#include <span>
#include <string>

#include "axi_memory.hpp"

namespace trit::sim {

struct SimOptions {
  AxiMemoryConfig axi;                // bus_bytes and max_burst_beats are set from the model
  uint64_t mem_base = 0x10000000;     // device memory window [mem_base, mem_base + mem_size)
  uint64_t mem_size = 64ull << 20;
  // Empty: the backend owns its memory. Otherwise the device memory is a view of these bytes
  // (not owned), so another party (the fpga stand-in board) can share them.
  std::span<uint8_t> mem_storage;
  uint32_t reg_timeout_cycles = 10000;  // an AXI4-Lite access not answered by then is an error
  std::string fst_path;               // FST waveform file (test configurations; bench models have no tracing)
};

}  // namespace trit::sim
