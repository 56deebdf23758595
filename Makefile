# Trit: the two commands of the quick start are `make run` and `make test`. Every target installs
# what it needs (scripts/install-deps.sh, a no-op once done) and (re)configures CMake as needed.
#
#   make run      end-to-end model run on the simulated accelerator (default model)
#   make test     every test (CTest: unit, RTL, synthesis checks, end-to-end), the same without
#                 RTL under ASan/UBSan, and a 60-second libFuzzer run of the GGUF reader
#   make bench    benchmarks; JSON reports land in build/bench/
#   make lint     verilator --lint-only -Wall on the RTL
#   make model    retrain the default model (slow; never part of test or run)
#   make fuzz     long libFuzzer run of the GGUF reader
#   make docs     regenerate committed docs that are derived from sources (register map)
#   make clean    remove every build tree

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
CTEST_ARGS ?=

CMAKE_GEN := -G Ninja

.PHONY: all deps deps-model configure build test test-asan run bench lint model fuzz docs clean

all: build

deps:
	@scripts/install-deps.sh

deps-model:
	@scripts/install-deps.sh --model

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DTRIT_SANITIZE=ON \
	  -DTRIT_WITH_RTL=OFF $(CMAKE_ARGS)

test-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory fuzz-smoke

# Builds only what the run needs (the full build, tests included, is `make build`).
run: configure
	cmake --build $(BUILD) -j $(JOBS) --target trit $(if $(filter vp%,$(TRIT_DEVICE)),trit-vp)
	@scripts/run-default.sh $(BUILD)

bench: build
	@scripts/bench.sh $(BUILD)

lint: configure
	cmake --build $(BUILD) --target lint

model: deps-model
	$(MAKE) --no-print-directory -C . -f scripts/model.mk

fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRIT_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DTRIT_WITH_RTL=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz
	tests/host/fuzz/run-fuzz.sh $(FUZZ_BUILD) \
	  $(if $(FUZZ_SECONDS),time $(FUZZ_SECONDS),runs $(or $(FUZZ_RUNS),1000000))

# The 60-second fuzz run that `make test` includes.
.PHONY: fuzz-smoke
fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=60

docs: configure
	cmake --build $(BUILD) --target docs

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
