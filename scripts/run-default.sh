#!/usr/bin/env bash
# The main job behind `make run`: the default model (models/trit-kjv-13m.gguf, a BitNet b1.58
# trained in this repository on the King James Bible) generates text with every BitLinear layer
# running on the cycle-accurate Verilated accelerator (configuration r3c5v8b128: 3 x 5 PEs of 8
# lanes, 128-bit AXI, 100-cycle memory). Embeddings, norms, attention and the LM head run on the
# CPU. The report at the end comes from the RTL's performance counters.
#
# Override with environment variables: TRIT_DEVICE (cpu, ref, sim:<config>), TRIT_PROMPT,
# TRIT_TOKENS (how many to generate), TRIT_SEED.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
device=${TRIT_DEVICE:-sim:r3c5v8b128}
prompt=${TRIT_PROMPT:-And God said,}
n=${TRIT_TOKENS:-48}
seed=${TRIT_SEED:-1}
echo "trit: default model on device '$device' (BitLinear layers on the simulated accelerator)" >&2
exec "$build/bin/trit" -m "$root/models/trit-kjv-13m.gguf" -p "$prompt" -n "$n" \
  --temp 0.8 --top-p 0.95 --repeat-penalty 1.1 -s "$seed" --device "$device" --verbose
