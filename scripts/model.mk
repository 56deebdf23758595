# Rebuild the default model from scratch: `make model` (which runs this file after
# `scripts/install-deps.sh --model`). Seeded; see docs/model.md for how repeatable CPU training is.
#
#   1. KJV text from Debian's bible-kjv        -> $(OUT)/kjv-train.txt, kjv-heldout.txt (Revelation)
#   2. byte-level BPE, Llama 3 pre-tokenizer   -> $(OUT)/tokenizer.json, *-tokens.npy
#   3. training (nice -n 5, $(THREADS) thread)  -> $(OUT)/model.pt, train.log.jsonl (resumable:
#      an interrupted run continues from $(OUT)/model.pt.partial with the same result)
#   4. GGUF export (I2_S, bitnet-b1.58)        -> $(MODEL)
#   5. evaluation + reference data             -> $(OUT)/eval/eval.json, $(REFS)/*
#
# Never part of `make test` or `make run`: training takes most of an hour on 2 cores.
# Override e.g. `make model OUT=build-model-try STEPS=300 MODEL=build-model-try/m.gguf` for trials.

PY      ?= /usr/bin/python3
OUT     ?= build-model
NAME    ?= trit-kjv-13m
MODEL   ?= models/$(NAME).gguf
REFS    ?= tests/data/model
SEED    ?= 5
# One thread: the result depends on the thread count (float summation order), and on a shared,
# loaded machine two OpenMP threads at nice 5 spend most of their time waiting for each other
# (measured 2.5x slower than one thread under a load average of 6); see docs/model.md.
THREADS ?= 1
STEPS   ?= 1300
BATCH   ?= 8
TRAIN_ARGS ?= --seed $(SEED) --threads $(THREADS) --steps $(STEPS) --batch $(BATCH) \
              --n-ctx 256 --n-embd 512 --n-layer 4 --n-head 8 --n-head-kv 4 --n-ff 1280 \
              --lr 3e-3 --warmup 100 --weight-decay 0.05
VOCAB   := 4096
SRC     := scripts/model

# Torch in Debian links the reference BLAS through the libblas.so.3 alternative; training pins
# OpenBLAS (libopenblas0-openmp, ~30x faster here) for this process only, whatever the system
# alternative says, and the thread count, so every run uses the same kernels and partitioning.
MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
BLAS_DIR  := /usr/lib/$(MULTIARCH)/openblas-openmp
export LD_LIBRARY_PATH := $(BLAS_DIR)$(if $(LD_LIBRARY_PATH),:$(LD_LIBRARY_PATH))
export OMP_NUM_THREADS := $(THREADS)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: all check-deps eval
.DELETE_ON_ERROR:

all: eval

check-deps:
	@test -f $(BLAS_DIR)/libblas.so.3 || { echo "error: $(BLAS_DIR) missing (scripts/install-deps.sh --model)" >&2; exit 1; }
	@$(PY) -c 'import torch, numpy, regex' || { echo "error: $(PY) lacks torch/numpy/regex (scripts/install-deps.sh --model)" >&2; exit 1; }
	@command -v bible >/dev/null || { echo "error: bible (bible-kjv) missing (scripts/install-deps.sh --model)" >&2; exit 1; }

$(OUT)/kjv-train.txt $(OUT)/kjv-heldout.txt &: $(SRC)/kjv.py | check-deps
	@mkdir -p $(OUT)
	cd $(SRC) && $(PY) kjv.py $(abspath $(OUT))/kjv-train.txt $(abspath $(OUT))/kjv-heldout.txt

$(OUT)/tokenizer.json: $(OUT)/kjv-train.txt $(SRC)/bpe.py
	cd $(SRC) && $(PY) bpe.py train $(abspath $<) $(VOCAB) $(abspath $@)

$(OUT)/%-tokens.npy: $(OUT)/kjv-%.txt $(OUT)/tokenizer.json
	cd $(SRC) && $(PY) bpe.py encode $(abspath $(OUT))/tokenizer.json $(abspath $<) $(abspath $@)

$(OUT)/model.pt: $(OUT)/train-tokens.npy $(OUT)/tokenizer.json $(SRC)/train.py $(SRC)/bitnet.py
	cd $(SRC) && nice -n 5 $(PY) train.py --tokens $(abspath $<) --tokenizer $(abspath $(OUT))/tokenizer.json \
	  --out $(abspath $@) --log $(abspath $(OUT))/train.log.jsonl $(TRAIN_ARGS)

$(MODEL): $(OUT)/model.pt $(OUT)/tokenizer.json $(SRC)/export.py $(SRC)/gguf.py
	@mkdir -p $(dir $@)
	cd $(SRC) && $(PY) export.py $(abspath $<) $(abspath $(OUT))/tokenizer.json $(abspath $@) $(NAME)

eval: $(MODEL) $(OUT)/kjv-heldout.txt $(SRC)/evaluate.py
	@mkdir -p $(REFS)
	cp $(OUT)/kjv-heldout.txt $(REFS)/kjv-revelation.txt
	cd $(SRC) && nice -n 5 $(PY) evaluate.py $(abspath $(MODEL)) $(abspath $(REFS))/kjv-revelation.txt \
	  $(abspath $(OUT))/eval --checkpoint $(abspath $(OUT))/model.pt --refs $(abspath $(REFS))
	@echo "model: $(MODEL) ($$(stat -c %s $(MODEL)) bytes); results in $(OUT)/eval/eval.json"
