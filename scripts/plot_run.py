#!/usr/bin/env python3
"""Plots of a run report (trit --report, build/run/report.json from `make run`; keys in
docs/report.md), written next to it unless an output directory is given:

  energy_by_layer_type.png   energy per layer type, stacked by component group, with the MAC
                             twin's total beside each bar
  time_by_layer_type.png     simulated time per layer type, prefill and decode
  roofline.png               each BitLinear (prefill and decode) at its lane ops per weight byte
                             and achieved lane ops per cycle, under the bus and array roofs (and
                             the one-row roof that bounds decode)

    plot_run.py build/run/report.json [OUT_DIR]
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

GROUPS = ["dram", "sram", "array", "zero_skips", "control", "static"]
TYPES = ["attn_qkv", "attn_output", "ffn_gate_up", "ffn_down"]


def scaled(pj):
    """Energy unit for a set of values in pJ: (divisor, label)."""
    top = max(pj) if pj else 0
    for div, unit in ((1e9, "mJ"), (1e6, "uJ"), (1e3, "nJ")):
        if top >= div:
            return div, unit
    return 1.0, "pJ"


def title(r):
    nominal = " nominal" if r.get("clock_nominal") else ""
    return (f"{r['device']}, {r['config']['name']} at {r['clock_mhz']:.0f} MHz{nominal}, "
            f"energy table {r['energy_table']['table']['name']}")


def energy_by_type(r, path):
    types = [t for t in TYPES if t in r["layer_types"]] + sorted(set(r["layer_types"]) - set(TYPES))
    lt = r["layer_types"]
    div, unit = scaled([lt[t]["energy_pj"] for t in types] + [lt[t]["mac_twin_energy_pj"] for t in types])
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bottom = [0.0] * len(types)
    for g in GROUPS:
        vals = [lt[t]["energy_groups_pj"][g] / div for t in types]
        ax.bar(types, vals, bottom=bottom, label=g)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.scatter(types, [lt[t]["mac_twin_energy_pj"] / div for t in types], marker="_", s=900, color="k",
               label="MAC twin total", zorder=3)
    ax.set_ylabel(f"energy over the run ({unit})")
    ax.set_title("Energy per layer type, by component\n" + title(r), fontsize=9)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def time_by_type(r, path):
    hz = r["clock_mhz"] * 1e6
    types = [t for t in TYPES if t in r["layer_types"]]
    # Per phase from the per-BitLinear records (cycles attributed by lane slots within a group).
    phases = ["prefill", "decode"]
    cyc = {p: {t: 0.0 for t in types} for p in phases}
    for b in r["bitlinears"]:
        if b["type"] in types and b["phase"] in cyc:
            cyc[b["phase"]][b["type"]] += b["cycles"]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bottom = [0.0] * len(types)
    for p in phases:
        vals = [cyc[p][t] / hz * 1e3 for t in types]
        ax.bar(types, vals, bottom=bottom, label=p)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_ylabel("simulated time over the run (ms)")
    ax.set_title("Accelerator time per layer type\n" + title(r), fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def roofline(r, path):
    roof = r["roofline"]
    bus, peak = roof["bus_bytes_per_cycle"], roof["array_peak_lane_ops_per_cycle"]
    pts = [b for b in r["bitlinears"] if b["lane_ops_per_weight_byte"] > 0 and b["lane_ops_per_cycle"] > 0]
    fig, ax = plt.subplots(figsize=(7.5, 5))
    xs = [b["lane_ops_per_weight_byte"] for b in pts]
    lo = min(xs + [roof["ridge_lane_ops_per_weight_byte"]]) / 4
    hi = max(xs + [roof["ridge_lane_ops_per_weight_byte"]]) * 4
    ax.plot([lo, peak / bus, hi], [lo * bus, peak, peak], color="k", linewidth=1.2,
            label=f"roof: {bus} weight bytes/cycle, {peak:.0f} lane ops/cycle (R x C x V)")
    # With one token (decode) only one row of R computes: C x V lane ops per cycle at most.
    row = r["config"]["cols"] * r["config"]["lanes"]
    ax.plot([lo, row / bus, hi], [lo * bus, row, row], color="k", linestyle="--", linewidth=1,
            label=f"one active row (decode): {row} lane ops/cycle (C x V)")
    for phase, marker in (("prefill", "o"), ("decode", "s")):
        sel = [b for b in pts if b["phase"] == phase]
        for t in TYPES:
            sub = [b for b in sel if b["type"] == t]
            if sub:
                ax.scatter([b["lane_ops_per_weight_byte"] for b in sub], [b["lane_ops_per_cycle"] for b in sub],
                           marker=marker, s=28, alpha=0.75, label=f"{phase} {t}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("lane ops per weight byte streamed")
    ax.set_ylabel("achieved lane ops per cycle")
    ax.set_title("Each BitLinear under the roofline\n" + title(r), fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(src, out_dir=None):
    with open(src, encoding="utf-8") as f:
        r = json.load(f)
    out_dir = out_dir or os.path.dirname(os.path.abspath(src))
    os.makedirs(out_dir, exist_ok=True)
    paths = [os.path.join(out_dir, n) for n in ("energy_by_layer_type.png", "time_by_layer_type.png", "roofline.png")]
    energy_by_type(r, paths[0])
    time_by_type(r, paths[1])
    roofline(r, paths[2])
    for p in paths:
        print(f"wrote {p}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])
