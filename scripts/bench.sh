#!/usr/bin/env bash
# `make bench`: every benchmark; JSON reports and plots in <build>/bench/ (keys in docs/bench.md).
set -euo pipefail
build=${1:-build}
mkdir -p "$build/bench"
cmake --build "$build" --target trit-accel-bench -j "$(nproc)"
"$build/bin/trit-accel-bench" --out "$build/bench/accel.json"
/usr/bin/python3 "$(dirname "$0")/plot_accel.py" "$build/bench/accel.json" "$build/bench/accel.png"
echo "wrote $build/bench/accel.png"
# The CPU runtime (kernels, whole-model pp/tg, bandwidth roofline): see docs/kernels.md.
"$(dirname "$0")/bench-host.sh" "$build"
