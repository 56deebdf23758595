#pragma once
// The virtual platform around one Verilated trit_top (built with `verilator --sc`): the clock,
// reset, the interrupt line, the register bridge (TLM -> AXI4-Lite), the DMA bridge (AXI4 ->
// TLM) and the memory target. Platform is what the host link and other initiators see;
// VpTop<VTop> (vp_top.hpp) binds a configuration's model into it.
//
//   host link (TLM initiator) --b_transport--> AxiLiteBridge --AXI4-Lite pins--> trit_top
//   trit_top --AXI4 pins--> AxiTlmBridge --nb_transport--> MemoryTarget (simple | dram)
//   trit_top.irq_o --> irq (sc_signal<bool>)
//
// The clock starts low and rises at period/2 + k x period; the platform's cycle count is the
// number of rising edges (AxiTlmBridge::cycles).

#include <cstdint>
#include <memory>
#include <string>

#include <systemc>

#include "axi_memory.hpp"
#include "axi_tlm_bridge.hpp"
#include "axilite_bridge.hpp"
#include "memory_target.hpp"

namespace trit::vp {

struct PlatformOptions {
  std::string config;                  // rtl/configs.json name (set by the registry)
  sc_core::sc_time period{4, sc_core::SC_NS};
  uint8_t* mem = nullptr;              // device memory bytes (the shared segment)
  uint64_t mem_base = 0x10000000;
  uint64_t mem_size = 0;
  sim::AxiMemoryConfig axi;            // outstanding limits (bus width set from the model)
  uint32_t reg_timeout_cycles = 10000;
  uint32_t granule_bytes = 64;
  std::shared_ptr<MemoryTiming> timing;  // the memory target's
  bool trace = false;                  // waveforms will be written (open_trace): tracing on in the model
};

class Platform : public sc_core::sc_module {
 public:
  sc_core::sc_clock clk;
  sc_core::sc_signal<bool> rst_n{"rst_n", false};
  sc_core::sc_signal<bool> irq{"irq", false};
  AxiLiteBridge lite;
  MemoryTarget mem;

  virtual AxiTlmBridge& dma() = 0;
  // The DMA port's slave-side outputs take their reset values (valid/ready low) at the next edge.
  virtual void reset_dma_pins() = 0;
  // Waveforms of the accelerator's model to an FST file; call after elaboration, before the
  // simulation runs on (trit_vp.cpp). Throws for a model built without tracing.
  virtual void open_trace(const std::string& path) = 0;
  virtual void close_trace() = 0;
  const sc_core::sc_time& period() const { return period_; }
  const std::string& config() const { return config_; }

 protected:
  Platform(sc_core::sc_module_name name, const PlatformOptions& o);

 private:
  sc_core::sc_time period_;
  std::string config_;
};

}  // namespace trit::vp
