#!/usr/bin/env bash
# The main job behind `make run`. Until the host runtime drives the accelerator, it runs a
# BitLinear-sized GEMM (one 2B4T K/V projection: N=640, K=2560, decode) on the Verilated array and
# checks it against the reference model.
set -euo pipefail
build=${1:-build}
exec "$build/bin/trit-accel-run" --n 640 --k 2560 --m 1 --format t5 --latency 100
