#!/bin/sh
# The host reaches devices only through the driver's public API: no file under host/ and no public
# driver header (driver/include, driver/registry/include) may include a backend's own header
# (driver/backends/*: ref/, fpga/, sim/), the simulator harness (sim/harness) or Verilator.
# And the host's libraries depend one way, model <- sched <- runtime <- cli: the model includes
# neither the scheduler nor the runtime, the scheduler not the runtime.
# Usage: check_layering.sh <source root>
root=$1
bad=$(grep -rnE '#include\s*[<"]((ref|fpga|sim)/|sim_[a-z_]+\.hpp|verilated|axi_memory\.hpp|V[a-z_]+\.h)' \
  "$root/host" "$root/driver/include" "$root/driver/registry/include" 2>/dev/null)
if [ -n "$bad" ]; then
  echo "layering: these includes reach past the driver's public API:"
  echo "$bad"
  exit 1
fi
up=$(grep -rnE '#include\s*"(sched|runtime|cli)/' "$root/host/model" "$root/host/gguf" 2>/dev/null;
    grep -rnE '#include\s*"(runtime|cli)/' "$root/host/sched" 2>/dev/null)
if [ -n "$up" ]; then
  echo "layering: these includes point up the host's dependency order (model <- sched <- runtime <- cli):"
  echo "$up"
  exit 1
fi
echo "layering: host/ and the public driver headers include only the driver API; model <- sched <- runtime <- cli"
