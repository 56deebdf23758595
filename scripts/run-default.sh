#!/usr/bin/env bash
# The main job behind `make run`: the default model (models/trit-kjv-13m.gguf, a BitNet b1.58
# trained in this repository on the King James Bible) generates text with every BitLinear layer
# running on the cycle-accurate Verilated accelerator (configuration r3c5v8b128: 3 x 5 PEs of 8
# lanes, 128-bit AXI, 100-cycle memory). Embeddings, norms, attention and the LM head run on the
# CPU. The report at the end comes from the RTL's performance counters.
#
# It ends with what the tokens cost on the simulated silicon (cycles, time at the clock, energy by
# component beside the MAC-array twin's, bus use, wall time: trit --verbose), writes the same as
# <build>/run/report.json (docs/report.md) and plots it (scripts/plot_run.py: energy and time per
# layer type, the roofline).
#
# Override with environment variables: TRIT_DEVICE (cpu, ref, sim:<config>, vp[:<config>]), TRIT_PROMPT,
# TRIT_TOKENS (how many to generate), TRIT_SEED, TRIT_ENERGY_TABLE (sim/energy/tables).
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
device=${TRIT_DEVICE:-sim:r3c5v8b128}
prompt=${TRIT_PROMPT:-And God said,}
n=${TRIT_TOKENS:-48}
seed=${TRIT_SEED:-1}
table=${TRIT_ENERGY_TABLE:-kv260-zu16-ddr4}
out="$build/run"
mkdir -p "$out"
echo "trit: default model on device '$device' (BitLinear layers on the simulated accelerator)" >&2
report=()
[ "$device" = cpu ] || report=(--report "$out/report.json" --energy-table "$table")
"$build/bin/trit" -m "$root/models/trit-kjv-13m.gguf" -p "$prompt" -n "$n" \
  --temp 0.8 --top-p 0.95 --repeat-penalty 1.1 -s "$seed" --device "$device" --verbose "${report[@]}"
if [ "$device" != cpu ]; then
  /usr/bin/python3 "$root/scripts/plot_run.py" "$out/report.json" "$out"
  echo "trit: report in $out/report.json (keys: docs/report.md)" >&2
fi
