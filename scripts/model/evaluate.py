#!/usr/bin/env python3
"""Evaluate the exported GGUF the way the Trit runtime runs it, and write reference data.

* Held-out perplexity on Revelation (never trained on), by two protocols:
    - "all tokens": tokenize the whole UTF-8 file with the GGUF's own tokenizer, without BOS; cut
      the ids into consecutive chunks of n_ctx-1 tokens (the last chunk may be shorter); run each
      chunk as [BOS] + chunk and score every chunk token; perplexity = exp(mean NLL);
    - "llama-perplexity" (what trit-perplexity and llama.cpp's llama-perplexity compute): tokenize
      with BOS, cut into whole chunks of n_ctx tokens, replace each chunk's first token by BOS,
      score only the second half of each chunk. Also reported for the first PREFIX_LINES verses
      alone, a text short enough for a unit test of the C++ runtime.
  Measured with
    - "quantised": the exact inference forward on the GGUF values: int8 per-token activations,
      ternary weights and per-tensor scales from the I2_S data (integer dot products, exact in
      float32), fp16 embedding/LM head, float32 everything else;
    - "fake-quant float": the training graph on the checkpoint (same quantisers, evaluated in
      float through the straight-through estimator path), which should agree with the above;
    - "latent float": the checkpoint's latent full-precision weights, no quantisation at all
      (for information; the model was never meant to run this way).
* Reference logits for a few prompts (quantised forward), float32 LE [n_tokens][n_vocab], with
  the token ids and greedy continuations, for the C++ runtime to compare against.
* Samples, greedy and sampled, for docs/model.md.

Usage: evaluate.py MODEL.gguf HELDOUT.txt OUT_DIR [--checkpoint CKPT.pt] [--refs REF_DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import bitnet
import gguf
from bpe import Tokenizer

# Prompts for the reference logits: the first is BOS alone (exercises position 0 only).
REF_PROMPTS = {
    "bos": "",
    "gen1": "In the beginning God created",
    "rev21": "And I saw a new heaven and a new earth: for the first heaven and the first earth were passed away",
}
SAMPLE_PROMPTS = ["And God said,", "The LORD is my shepherd;", "Jesus answered and said unto them,",
                  "And I saw a new heaven and a new earth"]
GREEDY_STEPS = 16
PREFIX_LINES = 20  # Revelation chapter 1


@torch.no_grad()
def perplexity(model: bitnet.BitNet, ids: list[int], bos: int, batch: int = 8) -> dict:
    n_ctx = model.cfg.n_ctx
    chunks = [ids[i:i + n_ctx - 1] for i in range(0, len(ids), n_ctx - 1)]
    nll_sum, n = 0.0, 0
    for b in range(0, len(chunks), batch):
        group = chunks[b:b + batch]
        lengths = {len(c) for c in group}
        if len(lengths) == 1:
            seq = torch.tensor([[bos] + c for c in group])
            logits = model(seq[:, :-1]).double()
            nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), seq[:, 1:].reshape(-1), reduction="sum")
            nll_sum += float(nll)
            n += seq[:, 1:].numel()
        else:
            for c in group:
                seq = torch.tensor([[bos] + c])
                logits = model(seq[:, :-1]).double()
                nll_sum += float(F.cross_entropy(logits[0], seq[0, 1:], reduction="sum"))
                n += len(c)
    return {"ppl": math.exp(nll_sum / n), "nll_mean": nll_sum / n, "n_scored": n, "n_chunks": len(chunks)}


@torch.no_grad()
def perplexity_llama_style(model: bitnet.BitNet, ids: list[int], bos: int, chunk: int, batch: int = 8) -> dict:
    """The protocol of llama.cpp's llama-perplexity (and of trit-perplexity): whole chunks of
    `chunk` tokens (a trailing partial chunk is dropped), the first token of each replaced by
    BOS; logits row i predicts token i+1 and only rows [chunk/2, chunk-1) are scored."""
    n_chunks = len(ids) // chunk
    first = min(chunk // 2, chunk - 2)
    nll_sum, n = 0.0, 0
    for b in range(0, n_chunks, batch):
        seq = torch.tensor([[bos] + ids[c * chunk + 1:(c + 1) * chunk] for c in range(b, min(b + batch, n_chunks))])
        logp = model(seq).double().log_softmax(-1)            # [B][chunk][n_vocab]
        rows = torch.arange(first, chunk - 1)
        nll_sum -= float(logp[:, rows].gather(-1, seq[:, rows + 1, None]).sum())
        n += seq.shape[0] * len(rows)
    return {"ppl": math.exp(nll_sum / n), "nll_mean": nll_sum / n, "n_scored": n, "n_chunks": n_chunks,
            "chunk": chunk}


@torch.no_grad()
def generate(model, prompt_ids: list[int], n_new: int, temperature: float = 0.0, top_k: int = 0,
             seed: int = 0, stop: set[int] | None = None) -> list[int]:
    """Plain recompute-everything decoding (the model is small; no KV cache needed here)."""
    gen = torch.Generator().manual_seed(seed)
    ids = list(prompt_ids)
    out = []
    for _ in range(n_new):
        ctx = ids[-model.cfg.n_ctx:]
        logits = model(torch.tensor([ctx]))[0, -1]
        if temperature <= 0:
            nxt = int(logits.argmax())
        else:
            logits = logits / temperature
            if top_k:
                kth = logits.topk(top_k).values[-1]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            nxt = int(torch.multinomial(logits.softmax(-1), 1, generator=gen))
        ids.append(nxt)
        out.append(nxt)
        if stop and nxt in stop:
            break
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gguf")
    ap.add_argument("heldout")
    ap.add_argument("out_dir")
    ap.add_argument("--checkpoint")
    ap.add_argument("--refs", help="directory for the reference logits/tokens (e.g. tests/data/model)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out_dir, exist_ok=True)

    with open(args.gguf, "rb") as f:
        blob = f.read()
    reader = gguf.GGUFReader(blob)
    tok = Tokenizer.from_gguf(reader.kv)
    bos = int(reader.kv["tokenizer.ggml.bos_token_id"])
    model = bitnet.BitNet.from_gguf(reader)
    model.eval()
    with open(args.heldout, encoding="utf-8") as f:
        text = f.read()
    ids = tok.encode(text)
    if tok.decode(ids) != text:
        raise ValueError("held-out text does not round-trip through the tokenizer")
    result = {"model": os.path.basename(args.gguf), "model_sha256": hashlib.sha256(blob).hexdigest(),
              "model_bytes": len(blob), "heldout": os.path.basename(args.heldout),
              "heldout_bytes": len(text.encode("utf-8")), "heldout_tokens": len(ids),
              "protocol": "chunks of n_ctx-1 tokens, each run as [BOS]+chunk, every chunk token scored"}
    t = time.time()
    result["quantised"] = perplexity(model, ids, bos)
    result["quantised"]["seconds"] = time.time() - t
    result["quantised"]["bits_per_byte"] = result["quantised"]["nll_mean"] * len(ids) / result["heldout_bytes"] / math.log(2)
    print("quantised (GGUF, exact int8 x ternary):", result["quantised"], flush=True)
    result["quantised_llama_protocol"] = perplexity_llama_style(model, [bos] + ids, bos, model.cfg.n_ctx)
    print("quantised, llama-perplexity protocol:", result["quantised_llama_protocol"], flush=True)
    prefix = "".join(text.splitlines(keepends=True)[:PREFIX_LINES])
    prefix_ids = tok.encode(prefix, add_bos=True)
    result["prefix"] = {"lines": PREFIX_LINES, "bytes": len(prefix.encode("utf-8")), "tokens_with_bos": len(prefix_ids),
                        "quantised_llama_protocol": perplexity_llama_style(model, prefix_ids, bos, model.cfg.n_ctx)}
    print("prefix:", result["prefix"], flush=True)

    if args.checkpoint:
        ckpt = torch.load(args.checkpoint)
        train_model = bitnet.BitNet(bitnet.Config(**ckpt["config"]))
        train_model.load_state_dict(ckpt["state_dict"])
        train_model.eval()
        result["fake_quant_float"] = perplexity(train_model, ids, bos)
        print("fake-quant float (checkpoint):", result["fake_quant_float"], flush=True)
        train_model.set_quantize(False)
        result["latent_float"] = perplexity(train_model, ids, bos)
        print("latent float, no quantisation (checkpoint):", result["latent_float"], flush=True)
        result["training"] = ckpt["summary"]

    if args.refs:
        os.makedirs(args.refs, exist_ok=True)
        refs = {}
        for name, prompt in REF_PROMPTS.items():
            pids = tok.encode(prompt, add_bos=True)
            with torch.no_grad():
                logits = model(torch.tensor([pids]))[0].float().numpy()  # [n_tokens][n_vocab]
            gen = generate(model, pids, GREEDY_STEPS)
            with torch.no_grad():  # top-1 margin of every greedy step (near-ties may flip elsewhere)
                gl = model(torch.tensor([pids + gen[:-1]]))[0, len(pids) - 1:]
                g2 = gl.topk(2, dim=-1).values
                gen_margins = (g2[:, 0] - g2[:, 1]).tolist()
            base = f"trit-kjv_{name}"
            logits.astype("<f4").tofile(os.path.join(args.refs, base + ".logits.f32"))
            with open(os.path.join(args.refs, base + ".tokens.txt"), "w") as f:
                f.write(" ".join(map(str, pids)) + "\n")
            with open(os.path.join(args.refs, base + ".gen.txt"), "w") as f:
                f.write(" ".join(map(str, gen)) + "\n")
            top2 = np.sort(logits, axis=1)[:, -2:]
            refs[name] = {"text": prompt, "tokens": pids, "argmax": logits.argmax(1).tolist(),
                          "top1_margin": (top2[:, 1] - top2[:, 0]).round(5).tolist(),
                          "greedy": gen, "greedy_top1_margin": [round(m, 5) for m in gen_margins],
                          "greedy_text": tok.decode(gen)}
        result["refs"] = refs

    samples = []
    for i, prompt in enumerate(SAMPLE_PROMPTS):
        pids = tok.encode(prompt, add_bos=True)
        stop = {tok.eos_id, tok.eot_id}
        g = generate(model, pids, 48, stop=stop)
        s = generate(model, pids, 48, temperature=0.8, top_k=40, seed=i, stop=stop)
        samples.append({"prompt": prompt, "greedy": tok.decode(g), "sampled_t0.8_k40": tok.decode(s)})
        print(f"\n[{prompt}]\n  greedy : {tok.decode(g)!r}\n  sampled: {tok.decode(s)!r}", flush=True)
    result["samples"] = samples
    with open(os.path.join(args.out_dir, "eval.json"), "w") as f:
        json.dump(result, f, indent=1)
    if args.refs:
        with open(os.path.join(args.refs, "trit-kjv.eval.json"), "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
