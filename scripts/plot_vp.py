#!/usr/bin/env python3
"""Plot the virtual platform benchmark (build/bench/vp.json from scripts/bench_vp.py) to a PNG:
decode weight-bus utilisation (T5, 9 GEMVs queued) per 2B4T shape on each memory model (the
harness's fixed latency, DDR4-2400 x64, LPDDR4-4266 x32) against the 0.90 goal, and the DRAM data
bus's own utilisation with its refresh count.

    plot_vp.py build/bench/vp.json build/bench/vp.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        vp = json.load(f)
    names = list(vp["memories"].keys())
    fig, ax = plt.subplots(figsize=(10, 4.2))
    width = 0.8 / len(names)
    shapes = None
    for i, name in enumerate(names):
        m = vp["memories"][name]
        shapes, utils = list(m["decode_utilization_t5"].keys()), list(m["decode_utilization_t5"].values())
        label = name
        t = (m.get("memory_stats") or {}).get("timing", {})
        if t.get("model") == "dram":
            label += f" (DRAM bus {t['bus_utilization']:.2f} busy, {t['refreshes']} refreshes)"
        ax.bar([x + (i - (len(names) - 1) / 2) * width for x in range(len(shapes))], utils, width, label=label)
    ax.axhline(0.90, color="k", linestyle="--", linewidth=1, label="goal 0.90")
    ax.set_xticks(list(range(len(shapes))))
    ax.set_xticklabels(shapes)
    ax.set_ylim(0, 1.45)
    ax.set_ylabel("weight bytes / (cycles x bus bytes)")
    ax.set_title(f"Decode on the virtual platform ({vp['config']}, T5, 9 GEMVs queued): weight-bus utilisation\n"
                 f"by memory model; vp {vp['vp_sim_cycles_per_s'] / 1e3:.0f} k vs sim "
                 f"{vp['sim_cycles_per_s'] / 1e3:.0f} k simulated cycles/s on the same GEMMs", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
