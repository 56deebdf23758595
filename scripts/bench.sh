#!/usr/bin/env bash
# `make bench`: every benchmark; JSON reports and plots in <build>/bench/ (keys in docs/bench.md).
#   1. trit-accel-bench: the Verilated KV260-class configuration on the 2B4T shapes (accel.json)
#   2. the CPU runtime (scripts/bench-host.sh: host.json, kernels.json), which also writes the
#      synthetic 2B4T-shaped models into <build>/bench/models
#   3. trit-e2e-bench: one decode token of the 2B4T-shaped I2_S model through the host runtime with
#      every BitLinear on the Verilated r8c20v16b512 (e2e.json), and what it and a 128-token
#      prefill cost in energy at the KV260 and 7 nm ASIC settings (energy.json)
#   4. scripts/bench_vp.py: the decode measurements of 1 on the virtual platform with the simple
#      memory (cycles must equal 1's) and the DDR4 / LPDDR4 presets (vp.json)
set -euo pipefail
build=${1:-build}
mkdir -p "$build/bench"
cmake --build "$build" --target trit-accel-bench trit-e2e-bench trit-synth-model trit-sim-modules \
  trit-vp-modules -j "$(nproc)"
"$build/bin/trit-accel-bench" --out "$build/bench/accel.json"
/usr/bin/python3 "$(dirname "$0")/plot_accel.py" "$build/bench/accel.json" "$build/bench/accel.png"
echo "wrote $build/bench/accel.png"
# The CPU runtime (kernels, whole-model pp/tg, bandwidth roofline): see docs/kernels.md.
"$(dirname "$0")/bench-host.sh" "$build"
# The whole-model token on the simulated accelerator.
model="$build/bench/models/synth-2b4t-i2_s.gguf"
[ -f "$model" ] || "$build/bin/trit-synth-model" --type i2_s -o "$model"
"$build/bin/trit-e2e-bench" -m "$model" --device sim:r8c20v16b512 -o "$build/bench/e2e.json" \
  --energy-out "$build/bench/energy.json"
# The virtual platform with DRAM timing.
/usr/bin/python3 "$(dirname "$0")/bench_vp.py" --build "$build"
/usr/bin/python3 "$(dirname "$0")/plot_vp.py" "$build/bench/vp.json" "$build/bench/vp.png"
echo "wrote $build/bench/vp.png"
