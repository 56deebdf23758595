#include "platform.hpp"

namespace trit::vp {

Platform::Platform(sc_core::sc_module_name name, const PlatformOptions& o)
    : sc_module(name),
      clk("clk", o.period, 0.5, sc_core::SC_ZERO_TIME, false),
      lite("lite", o.reg_timeout_cycles),
      mem("mem", o.mem, o.mem_base, o.mem_size, o.timing),
      period_(o.period),
      config_(o.config) {
  lite.clk(clk);
}

}  // namespace trit::vp
