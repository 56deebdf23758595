#!/usr/bin/env bash
# The CPU runtime's benchmarks: part of `make bench` (scripts/bench.sh), runnable on its own:
#   scripts/bench-host.sh [build]
#
# 1. Synthetic BitNet b1.58 2B4T-shaped models in every ternary type the runtime loads, made by
#    trit-synth-model into <build>/bench/models on first use (about 1.1 GB each; never committed).
# 2. trit-host-bench: prompt processing of 128 tokens and generation of 64 tokens, 1 and 2
#    threads, the file's F16 head and the opt-in Q8 head, memory read bandwidth probed around
#    every generation run -> <build>/bench/host.json and host.md.
# 3. The quantised head's accuracy: perplexity of the default model on its held-out text with
#    and without --quantize-head -> "quantized_head_accuracy" in host.json.
# 4. trit-kernel-bench (Google Benchmark, bytes/s per kernel and variant) -> kernels.json/.md.
#
# Environment: TRIT_BENCH_TYPES (default: i2_s tq1_0 tq2_0 iq1_bn iq2_bn), TRIT_BENCH_REPS
# (repetitions, medians reported; default 5), TRIT_BENCH_KEEP_MODELS=0 deletes each model after
# its run (for tight disks). The machine is usually shared: read host.json's load averages and
# per-run bandwidth probes with the numbers.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
out="$build/bench"
models="$out/models"
types=${TRIT_BENCH_TYPES:-"i2_s tq1_0 tq2_0 iq1_bn iq2_bn"}
reps=${TRIT_BENCH_REPS:-5}
keep=${TRIT_BENCH_KEEP_MODELS:-1}
mkdir -p "$models"

targets="trit-synth-model trit-host-bench trit-perplexity"
# (grep reads the whole list: `grep -q` would stop early and break the pipe under pipefail)
if cmake --build "$build" --target help | grep trit-kernel-bench > /dev/null; then targets="$targets trit-kernel-bench"; fi
# shellcheck disable=SC2086
cmake --build "$build" --target $targets -j 2

rm -f "$out/host.json" "$out/host.md"
for t in $types; do
  m="$models/synth-2b4t-$t.gguf"
  [ -f "$m" ] || "$build/bin/trit-synth-model" --type "$t" -o "$m"
  "$build/bin/trit-host-bench" -m "$m" -t 1 -t 2 -r "$reps" --append -o "$out/host.json"
  [ "$keep" = 1 ] || rm -f "$m"
done

# Accuracy of the quantised head on a trained model (perplexity on its held-out text).
ppl() {
  "$build/bin/trit-perplexity" -m "$here/models/trit-kjv-13m.gguf" -f "$here/tests/data/model/kjv-revelation.txt" \
    -c 256 --json "$@"
}
if [ -f "$here/models/trit-kjv-13m.gguf" ]; then
  ppl > "$out/ppl-f16-head.json"
  ppl --quantize-head > "$out/ppl-q8-head.json"
  python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
host = json.load(open(f"{out}/host.json"))
f16, q8 = (json.load(open(f"{out}/ppl-{h}-head.json")) for h in ("f16", "q8"))
host["quantized_head_accuracy"] = {
    "model": "models/trit-kjv-13m.gguf", "text": "tests/data/model/kjv-revelation.txt", "ctx": 256,
    "ppl_f16_head": f16["ppl"], "ppl_q8_head": q8["ppl"],
    "ppl_relative_change": q8["ppl"] / f16["ppl"] - 1}
json.dump(host, open(f"{out}/host.json", "w"), indent=2)
PY
fi

if [ -x "$build/bin/trit-kernel-bench" ]; then
  "$build/bin/trit-kernel-bench" --benchmark_min_time=0.2 --benchmark_out="$out/kernels.json" \
    --benchmark_out_format=json > /dev/null
  python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
rows = ["| benchmark | variant | time | GB/s | GMAC/s |", "|---|---|---|---|---|"]
for b in json.load(open(f"{out}/kernels.json"))["benchmarks"]:
    if b.get("error_occurred"):
        continue
    gbs = b.get("bytes_per_second", 0) / 1e9
    macs = b.get("MACs", 0) / 1e9
    rows.append(f"| {b['name'].replace('/real_time', '')} | {b.get('label', '')} | {b['real_time']:.3g} {b['time_unit']} "
                f"| {gbs:.2f} | {macs:.1f} |" if macs else
                f"| {b['name'].replace('/real_time', '')} | {b.get('label', '')} | {b['real_time']:.3g} {b['time_unit']} "
                f"| {gbs:.2f} | |")
open(f"{out}/kernels.md", "w").write("\n".join(rows) + "\n")
PY
fi
echo "host benchmarks: $out/host.json, $out/host.md, $out/kernels.json, $out/kernels.md"
cat "$out/host.md"
