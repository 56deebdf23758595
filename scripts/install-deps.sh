#!/usr/bin/env bash
# Install everything Trit needs from Debian's archive (the only package source the project
# may assume). Idempotent: when every package is already installed it returns at once without
# touching apt. Usage:
#   scripts/install-deps.sh            build, test and run dependencies
#   scripts/install-deps.sh --model    also what `make model` needs (PyTorch, the KJV text)
set -euo pipefail

# What each group is for is documented in README.md ("Dependencies").
packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # RTL simulation, lint, synthesis
  verilator yosys
  # C++ libraries
  nlohmann-json3-dev libfmt-dev libcli11-dev zlib1g-dev
  # the virtual platform: SystemC/TLM-2.0, and Boost.Interprocess between it and the host
  libsystemc-dev libboost-dev
  # tokenizer: Unicode-aware regex for the Llama 3 pre-tokenizer
  libpcre2-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # the NEON kernels, cross-built for AArch64 and tested under user-mode emulation
  g++-aarch64-linux-gnu qemu-user-static
  # fuzzing (libFuzzer + sanitizer runtimes)
  clang libclang-rt-14-dev llvm
  # python tooling: generators, model-file checks, plots
  python3 python3-yaml python3-numpy python3-matplotlib
)
model_packages=(python3-torch python3-regex libopenblas0-openmp bible-kjv bible-kjv-text)

want=("${packages[@]}")
if [[ "${1:-}" == "--model" ]]; then
  want+=("${model_packages[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${#missing[@]} Debian packages: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists once if they are missing or a package is unknown to apt.
if ! apt-cache show "${missing[0]}" >/dev/null 2>&1 || [[ ! -d /var/lib/apt/lists ]] || \
   [[ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]]; then
  $SUDO apt-get update -q
fi
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
