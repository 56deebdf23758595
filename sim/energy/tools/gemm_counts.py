#!/usr/bin/env python3
"""Event counts of GEMMs on a Trit configuration, computed from the descriptors: an input for
trit-energy when no simulation has been run (examples, sweeps, docs/energy.md).

The counts of work are exact functions of the descriptors (docs/architecture.md, "Performance
counters"), computed here with the reference model's formulas (driver/backends/ref) for buffers
at offset 0 of a 4 KiB page (the burst counts depend on where the 4 KiB boundaries fall: the
device's counters are authoritative).
Cycles and stalls depend on timing: pass --cycles, or get the bus-bound estimate (one weight or
activation beat per cycle, plus --overhead cycles per descriptor).

  gemm_counts.py --config r8c20v16b512 --gemm 1x2560x2560 --zero-fraction 0.35
  gemm_counts.py --config r8c20v16b512 --model 2b4t --tokens 1 --cycles 6570000 > token.json
"""
import argparse
import json
import math
import sys
from pathlib import Path

CONFIGS = Path(__file__).resolve().parents[3] / "rtl" / "configs.json"

# BitNet b1.58 2B4T: 30 blocks of Q, K, V, O, gate, up, down (N x K).
MODELS = {
    "2b4t": [(2560, 2560), (640, 2560), (640, 2560), (2560, 2560), (6912, 2560), (6912, 2560), (2560, 6912)] * 30,
}


def ceil_div(a, b):
    return -(-a // b)


def round_up(a, b):
    return ceil_div(a, b) * b


def bursts(beats, max_burst, bus_bytes, start=0):
    """INCR bursts of at most max_burst beats that do not cross 4 KiB, from byte offset start."""
    n, addr, left = 0, start, beats
    while left > 0:
        to_4k = (4096 - addr % 4096) // bus_bytes
        take = min(left, max_burst, to_4k)
        n, addr, left = n + 1, addr + take * bus_bytes, left - take
    return n


def gemm(cfg, m, n, k, fmt, zero_fraction, row_gating=True):
    R, C, V, B = cfg["rows"], cfg["cols"], cfg["lanes"], cfg["bus_bits"] // 8
    chunks, tiles = ceil_div(k, V), ceil_div(n, C)
    chunk_bytes = ceil_div(C * V, 4 if fmt == "t2" else 5)
    tile_bytes = round_up(chunks * chunk_bytes, B)
    passes = ceil_div(m, R)
    active = [min(R, m - p * R) for p in range(passes)]
    issue = passes * tiles * chunks
    # Row gating: only the pass's active rows read the activation buffer and load weights
    # (without it, as before register map 1.1, every row of every pass did).
    row_reads = tiles * chunks * m if row_gating else issue * R
    slots = sum(a * tiles * chunks * C * V for a in active)
    lane_ops = round(m * n * k * (1 - zero_fraction))
    # Output writes: per output row and tile, whole beats around the tile's 4C bytes, in bursts
    # cut at 4 KiB.
    beats_per_row, cmds = 0, 0
    for t in range(tiles):
        start, end = 4 * t * C, min(4 * n, 4 * (t + 1) * C)
        beats = ceil_div(end, B) - start // B
        beats_per_row += beats
        cmds += bursts(beats, cfg["max_burst"], B, start // B * B)
    act_beats = round_up(k, B) // B
    c = {
        "issue": issue,
        "weight_bytes": passes * tiles * tile_bytes,
        "act_bytes": m * round_up(k, B),
        "out_bytes": 4 * m * n,
        "desc_bytes": 64,
        "lane_ops": lane_ops,
        "zero_skips": slots - lane_ops,
        "descs": 1,
        "act_read_bytes": row_reads * V,
        "wfifo_writes": passes * tiles * tile_bytes // B,
        "wfifo_reads": passes * tiles * tile_bytes // B,
        "wreg_loads": row_reads,
        "acc_updates": slots // V,
        "shadow_updates": sum(a * C * tiles for a in active),
        "drain_reads": tiles * C * m,  # whole rows of C shadows, ragged last tile included
        "write_beats": m * beats_per_row,
        "read_bursts": bursts(max(1, 64 // B), cfg["max_burst"], B) + m * bursts(act_beats, cfg["max_burst"], B)
        + passes * tiles * bursts(tile_bytes // B, cfg["max_burst"], B),
        "write_bursts": m * cmds,
    }
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="r8c20v16b512")
    ap.add_argument("--gemm", action="append", default=[], help="MxNxK (repeatable)")
    ap.add_argument("--model", choices=sorted(MODELS), help="every BitLinear of a model, M = --tokens")
    ap.add_argument("--tokens", type=int, default=1)
    ap.add_argument("--format", choices=["t2", "t5"], default="t5")
    ap.add_argument("--zero-fraction", type=float, default=0.35,
                    help="fraction of zero weights (BitNet b1.58 checkpoints: about a third)")
    ap.add_argument("--cycles", type=int, help="measured cycles (default: bus-bound estimate)")
    ap.add_argument("--overhead", type=int, default=440, help="cycles per descriptor in the estimate")
    ap.add_argument("--no-row-gating", action="store_true",
                    help="counts of the array before row gating (every row reads activations and loads weights)")
    args = ap.parse_args()
    cfg = json.loads(CONFIGS.read_text())[args.config]
    shapes = [tuple(int(x) for x in g.split("x")) for g in args.gemm]
    if args.model:
        shapes += [(args.tokens, n, k) for n, k in MODELS[args.model]]
    if not shapes:
        ap.error("give --gemm or --model")
    total = {}
    for m, n, k in shapes:
        for key, v in gemm(cfg, m, n, k, args.format, args.zero_fraction, not args.no_row_gating).items():
            total[key] = total.get(key, 0) + v
    B = cfg["bus_bits"] // 8
    est = (total["weight_bytes"] + total["act_bytes"]) // B + args.overhead * total["descs"]
    cycles = args.cycles if args.cycles else max(est, total["issue"])
    out = {"_comment": "sim/energy/tools/gemm_counts.py " + " ".join(sys.argv[1:]),
           "cycles": cycles, "busy": cycles, **total}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
