#!/usr/bin/env python3
"""Train the small BitNet b1.58 on the tokenised KJV text (CPU, seeded).

Every training sequence is BOS followed by n_ctx-1 tokens starting at the first token of a
randomly chosen verse, so the model sees BOS + start of verse as generation prompts do. Starts are
drawn with a seeded torch.Generator; weights are initialised from the same seed. With the same
thread count, torch build and BLAS, CPU training is bit-for-bit repeatable (see docs/model.md).

Every --save-every steps the full state (weights, optimiser, generator, step, elapsed time) goes
to OUT.partial; a run started with the same arguments resumes from it and ends with the same
weights as an uninterrupted run.

Usage: train.py --tokens TRAIN.npy --tokenizer TOKENIZER.json --out CKPT.pt [options]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import bitnet
from bpe import Tokenizer


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def loadavg() -> float:
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def verse_starts(tokens: np.ndarray, tok: Tokenizer, n_ctx: int) -> np.ndarray:
    """Positions of the first token of every verse that has n_ctx-1 tokens after it."""
    ends_line = np.array([p.endswith("Ċ") and i not in tok.control for i, p in enumerate(tok.pieces)])
    starts = np.concatenate([[0], np.nonzero(ends_line[tokens])[0] + 1])
    return starts[starts + n_ctx - 1 <= len(tokens)]


def lr_at(step: int, args) -> float:
    """Linear warm-up, then cosine decay to lr_min_frac * lr."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    p = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * (args.lr_min_frac + (1 - args.lr_min_frac) * 0.5 * (1 + math.cos(math.pi * p)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--log", help="JSON-lines training log")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--n-ctx", type=int, default=256)
    ap.add_argument("--n-embd", type=int, default=512)
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=8)
    ap.add_argument("--n-head-kv", type=int, default=4)
    ap.add_argument("--n-ff", type=int, default=1280)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--lr-min-frac", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--stop-after", type=int, help="exit after this step, once its state is saved (tests resume)")
    args = ap.parse_args()
    # Arguments that change the result; a partial run resumes only if these are identical.
    recipe = {k: v for k, v in vars(args).items() if k not in ("tokens", "tokenizer", "out", "log", "log_every", "stop_after")}

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tok = Tokenizer.load(args.tokenizer)
    tokens = np.load(args.tokens).astype(np.int64)
    starts = verse_starts(tokens, tok, args.n_ctx)
    cfg = bitnet.Config(n_vocab=tok.n_vocab, n_ctx=args.n_ctx, n_embd=args.n_embd, n_layer=args.n_layer,
                        n_head=args.n_head, n_head_kv=args.n_head_kv, n_ff=args.n_ff)
    model = bitnet.BitNet(cfg)
    gen = torch.Generator().manual_seed(args.seed)
    model.init_weights(gen)
    decay = [p for n, p in model.named_parameters() if ".weights." in n]
    no_decay = [p for n, p in model.named_parameters() if ".weights." not in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    data = torch.from_numpy(tokens)
    offsets = torch.arange(args.n_ctx - 1)
    bos = torch.full((args.batch, 1), tok.bos_id, dtype=torch.int64)
    print(f"train: {len(tokens)} tokens, {len(starts)} verse starts, params {model.n_params()}, "
          f"config {cfg.to_dict()}", flush=True)
    partial = args.out + ".partial"
    start, prior_wall, prior_cpu = 0, 0.0, 0.0
    if os.path.exists(partial):
        state = torch.load(partial)
        if state["recipe"] != recipe:
            raise SystemExit(f"error: {partial} was made with {state['recipe']}, not {recipe}; delete it to restart")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["gen"])
        start, prior_wall, prior_cpu = state["step"], state["wall_s"], state["cpu_s"]
        print(f"train: resuming from {partial} at step {start}", flush=True)
    log = open(args.log, "a" if start else "w") if args.log else None
    t0 = time.time()
    c0 = cpu_seconds()
    loss_sum, loss_n, t_last = 0.0, 0, t0
    for step in range(start, args.steps):
        idx = starts[torch.randint(len(starts), (args.batch,), generator=gen).numpy()]
        seq = torch.cat([bos, data[torch.from_numpy(idx)[:, None] + offsets]], dim=1)  # [B][n_ctx]
        lr = lr_at(step, args)
        for g in opt.param_groups:
            g["lr"] = lr
        logits = model(seq[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, cfg.n_vocab), seq[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        loss_sum += loss.item()
        loss_n += 1
        if (step + 1) % args.log_every == 0 or step + 1 == args.steps:
            now = time.time()
            rec = {"step": step + 1, "loss": loss_sum / loss_n, "lr": lr, "grad_norm": float(gnorm),
                   "tokens_seen": (step + 1) * args.batch * (args.n_ctx - 1),
                   "tok_per_s": loss_n * args.batch * (args.n_ctx - 1) / (now - t_last),
                   "elapsed_s": prior_wall + now - t0, "cpu_s": prior_cpu + cpu_seconds() - c0,
                   "loadavg1": loadavg()}
            print(json.dumps(rec), flush=True)
            if log:
                log.write(json.dumps(rec) + "\n")
                log.flush()
            loss_sum, loss_n, t_last = 0.0, 0, now
        if (step + 1) % args.save_every == 0 and step + 1 < args.steps:
            torch.save({"recipe": recipe, "step": step + 1, "model": model.state_dict(), "opt": opt.state_dict(),
                        "gen": gen.get_state(), "wall_s": prior_wall + time.time() - t0,
                        "cpu_s": prior_cpu + cpu_seconds() - c0}, partial + ".tmp")
            os.replace(partial + ".tmp", partial)
            if args.stop_after is not None and step + 1 >= args.stop_after:
                print(f"train: stopped after step {step + 1}; state in {partial}", flush=True)
                return 0
    wall = prior_wall + time.time() - t0
    summary = {"wall_s": wall, "cpu_s": prior_cpu + cpu_seconds() - c0, "steps": args.steps,
               "tokens_seen": args.steps * args.batch * (args.n_ctx - 1),
               "train_tokens": len(tokens), "args": vars(args), "config": cfg.to_dict(),
               "params": model.n_params(), "torch": torch.__version__, "threads": torch.get_num_threads()}
    torch.save({"config": cfg.to_dict(), "state_dict": model.state_dict(), "summary": summary}, args.out)
    if os.path.exists(partial):
        os.remove(partial)
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
