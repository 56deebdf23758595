#!/usr/bin/env python3
"""Plot the accelerator benchmark (build/bench/accel.json from trit-accel-bench) to a PNG:
decode weight-bus utilisation per 2B4T shape and weight format against the 0.95 target (and T5
on a memory whose reads and writes share one beat per cycle), and prefill array utilisation per
shape.

    plot_accel.py build/bench/accel.json build/bench/accel.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        r = json.load(f)
    decode = r["decode"]
    shapes = [d["shape"] for d in decode if d["format"] == "T5"]
    util = {fmt: [d["weight_bus_utilization"] for d in decode if d["format"] == fmt] for fmt in ("T2", "T5")}
    shared = [d["weight_bus_utilization"] for d in r.get("decode_shared_bandwidth", []) if d["format"] == "T5"]
    fig, axes = plt.subplots(1, 2 if "prefill" in r else 1, figsize=(12, 4.2), squeeze=False)
    ax = axes[0][0]
    xs = range(len(shapes))
    series = [(util["T2"], "T2 (2-bit weights)"), (util["T5"], "T5 (1.6-bit weights)")]
    if len(shared) == len(shapes):
        series.append((shared, "T5, reads and writes share one beat/cycle"))
    width = 0.8 / len(series)
    for i, (values, label) in enumerate(series):
        ax.bar([x + (i - (len(series) - 1) / 2) * width for x in xs], values, width, label=label)
    ax.axhline(0.95, color="k", linestyle="--", linewidth=1, label="target 0.95")
    ax.set_xticks(list(xs))
    ax.set_xticklabels([f"{s}\n{d['n']}x{d['k']}" for s, d in zip(shapes, [d for d in decode if d["format"] == "T5"])])
    ax.set_ylim(0, 1.25)
    ax.set_ylabel("weight bytes / (cycles x bus bytes)")
    tok = r.get("projected_decode_tok_s")
    ax.set_title(f"Decode (M=1), GEMVs queued: weight-bus utilisation\n{r['config']}, "
                 f"{r['clock_mhz']:.0f} MHz: {tok:.1f} tok/s projected (T5)" if tok else r["config"])
    ax.legend(loc="upper center", ncol=2, fontsize=7)
    if "prefill" in r:
        ax = axes[0][1]
        p = r["prefill"]
        ax.bar(range(len(p)), [e["fraction_of_peak"] for e in p], color="tab:purple")
        ax.set_xticks(range(len(p)))
        ax.set_xticklabels([f"{e['shape']}\n{e['n']}x{e['k']}" for e in p])
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("lane ops per cycle / (R x C x V)")
        ax.set_title(f"Prefill (M={p[0]['m']}), T5: array utilisation\n"
                     f"peak {r['array_peak_lane_ops_per_cycle']:.0f} lane ops/cycle")
    fig.text(0.01, 0.01, f"Verilated RTL, {r['memory']['read_latency_cycles']}-cycle memory latency; "
             f"simulation {r['sim_cycles_per_s'] / 1e3:.0f} k cycles/s", fontsize=7)
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
