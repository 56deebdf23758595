#!/usr/bin/env python3
"""Export a trained checkpoint to a bitnet-b1.58 GGUF (the format of the official 2B4T GGUF).

Metadata keys are the `bitnet-b1.58.*` hyper-parameters and a Llama-3-style gpt2/llama-bpe
tokenizer; linear weights are I2_S (ternary codes + one float32 per-tensor scale), token_embd is
F16 (also the tied LM head; there is no output.weight), norms are F32.

Usage: export.py CKPT.pt TOKENIZER.json OUT.gguf NAME
"""

from __future__ import annotations

import sys

import torch

import bitnet
import gguf
from bpe import LLAMA3_SPLIT, Tokenizer
from gguf import ARRAY, BOOL, FLOAT32, INT32, STRING, UINT32

ARCH = "bitnet-b1.58"
LICENSE = ("weights trained from scratch by the Trit project on the King James Bible "
           "(public domain, Debian bible-kjv-text); no third-party weights or code")
FILE_TYPE_I2_S = 40  # bitnet.cpp's LLAMA_FTYPE_MOSTLY_I2_S, as in its I2_S GGUF files


def build_writer(model: bitnet.BitNet, tok: Tokenizer, name: str, description: str) -> gguf.GGUFWriter:
    cfg = model.cfg
    w = gguf.GGUFWriter()
    w.add("general.architecture", STRING, ARCH)
    w.add("general.name", STRING, name)
    w.add("general.license", STRING, LICENSE)
    w.add("general.description", STRING, description)
    w.add("general.file_type", UINT32, FILE_TYPE_I2_S)
    a = ARCH + "."
    w.add(a + "vocab_size", UINT32, cfg.n_vocab)
    w.add(a + "context_length", UINT32, cfg.n_ctx)
    w.add(a + "embedding_length", UINT32, cfg.n_embd)
    w.add(a + "block_count", UINT32, cfg.n_layer)
    w.add(a + "feed_forward_length", UINT32, cfg.n_ff)
    w.add(a + "attention.head_count", UINT32, cfg.n_head)
    w.add(a + "attention.head_count_kv", UINT32, cfg.n_head_kv)
    w.add(a + "rope.dimension_count", UINT32, cfg.head_dim)
    w.add(a + "rope.freq_base", FLOAT32, cfg.rope_theta)
    w.add(a + "attention.layer_norm_rms_epsilon", FLOAT32, cfg.rms_eps)
    if tok.n_vocab != cfg.n_vocab:
        raise ValueError(f"tokenizer has {tok.n_vocab} tokens, model {cfg.n_vocab}")
    w.add("tokenizer.ggml.model", STRING, "gpt2")
    w.add("tokenizer.ggml.pre", STRING, "llama-bpe")
    w.add("tokenizer.ggml.tokens", ARRAY, tok.pieces, STRING)
    w.add("tokenizer.ggml.token_type", ARRAY, tok.token_types(), INT32)
    w.add("tokenizer.ggml.merges", ARRAY, tok.merges, STRING)
    w.add("tokenizer.ggml.bos_token_id", UINT32, tok.bos_id)
    w.add("tokenizer.ggml.eos_token_id", UINT32, tok.eos_id)
    w.add("tokenizer.ggml.eot_token_id", UINT32, tok.eot_id)
    w.add("tokenizer.ggml.add_bos_token", BOOL, True)

    with torch.no_grad():
        w.add_f16("token_embd.weight", model.tok_embd.numpy())
        norms = dict(model.norm_tensors())
        linear = {n: grp.ternary()[j] for n, grp, j in model.bitlinear_tensors()}
        for i in range(cfg.n_layer):
            p = f"blk.{i}."
            for n in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_sub_norm", "attn_output",
                      "ffn_norm", "ffn_gate", "ffn_up", "ffn_sub_norm", "ffn_down"):
                key = p + n + ".weight"
                if key in norms:
                    w.add_f32(key, norms[key].weight.numpy())
                else:
                    t, gamma = linear[key]
                    w.add_i2s(key, t.to(torch.int8).numpy(), float(gamma))
        w.add_f32("output_norm.weight", model.output_norm.weight.numpy())
    return w


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    ckpt = torch.load(argv[1])
    model = bitnet.BitNet(bitnet.Config(**ckpt["config"]))
    model.load_state_dict(ckpt["state_dict"])
    tok = Tokenizer.load(argv[2])
    s = ckpt["summary"]
    description = (f"Tiny BitNet b1.58 (2B4T architecture) trained on the KJV Bible except Revelation: "
                   f"{s['params']['total']} parameters, {s['tokens_seen']} tokens seen, seed {s['args']['seed']}. "
                   f"Byte-level BPE ({tok.n_vocab} tokens, Llama 3 pre-tokenizer, split regex {LLAMA3_SPLIT!r}).")
    w = build_writer(model, tok, argv[4], description)
    with open(argv[3], "wb") as f:
        w.write(f)
    r = gguf.GGUFReader.open(argv[3])
    print(f"export: {argv[3]}: {len(r.tensors)} tensors, {len(r.kv)} keys, {len(r.blob)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
