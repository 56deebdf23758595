#!/usr/bin/python3
"""The virtual platform on the KV260-class configuration (make bench): build/bench/vp.json.

Runs trit-accel-bench's decode measurements (2B4T shapes, one GEMV alone and 9 queued, T5 and T2,
and one 2B4T layer submitted as the host does) on sim:<config> and then on vp:<config> three
times: with the simple memory (the Verilator harness's fixed latency, whose cycles must equal
sim's: the script fails otherwise) and with the DDR4-2400 and LPDDR4-4266 DRAM presets. The
simulation speeds of sim and vp come from the same GEMMs, one run after the other. Keys in
docs/bench.md.

  scripts/bench_vp.py [--build build] [--config r8c20v16b512]
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

MEMORIES = [
    ("simple", []),
    ("ddr4-2400-x64", ["memory_model=dram", "dram_preset=ddr4-2400-x64"]),
    ("lpddr4-4266-x32", ["memory_model=dram", "dram_preset=lpddr4-4266-x32"]),
]


def run_bench(build: Path, config: str, params: list, out: Path, device: str = "vp") -> dict:
    cmd = [str(build / "bin" / "trit-accel-bench"), "--config", config, "--device", f"{device}:{config}",
           "--skip-prefill", "-o", str(out)]
    for p in params:
        cmd += ["--param", p]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return json.loads(out.read_text())


def decode_cycles(report: dict) -> dict:
    return {f"{r['shape']}/{r['format']}": {"alone": r["cycles_alone"], "queued": r["cycles_queued"]}
            for r in report["decode"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", type=Path)
    ap.add_argument("--config", default="r8c20v16b512")
    args = ap.parse_args()
    bench = args.build / "bench"
    sim_report = run_bench(args.build, args.config, [], bench / "vp-sim-reference.json", device="sim")

    out = {"config": args.config, "memories": {}}
    for name, params in MEMORIES:
        r = run_bench(args.build, args.config, params, bench / f"vp-{name}.json")
        out["memories"][name] = {
            "device_params": params,
            "decode_weight_bus_utilization": r["decode_weight_bus_utilization"],
            "decode_weight_bus_utilization_bytes": r["decode_weight_bus_utilization_bytes"],
            "decode_weight_bus_utilization_t2": r["decode_weight_bus_utilization_t2"],
            "decode_cycles": decode_cycles(r),
            "decode_utilization_t5": {d["shape"]: d["weight_bus_utilization"] for d in r["decode"]
                                      if d["format"] == "T5"},
            "decode_token": r["decode_token"],
            "projected_decode_tok_s": r["projected_decode_tok_s"],
            "sim_cycles_per_s": r["sim_cycles_per_s"],
            "memory_stats": r.get("memory_stats"),
            "results_correct": r["results_correct"],
        }
        if not r["results_correct"]:
            print(f"bench_vp: wrong results on vp with {name}", file=sys.stderr)
            return 1

    simple = out["memories"]["simple"]
    out["simple_cycles_equal_sim"] = simple["decode_cycles"] == decode_cycles(sim_report)
    out["vp_decode_weight_bus_utilization_simple"] = simple["decode_weight_bus_utilization"]
    out["vp_decode_weight_bus_utilization_dram"] = out["memories"]["ddr4-2400-x64"]["decode_weight_bus_utilization"]
    out["vp_decode_weight_bus_utilization_lpddr4"] = \
        out["memories"]["lpddr4-4266-x32"]["decode_weight_bus_utilization"]
    out["vp_sim_cycles_per_s"] = simple["sim_cycles_per_s"]
    out["sim_cycles_per_s"] = sim_report["sim_cycles_per_s"]
    out["vp_over_sim_speed"] = simple["sim_cycles_per_s"] / sim_report["sim_cycles_per_s"]
    (bench / "vp.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"vp_decode_weight_bus_utilization: simple {out['vp_decode_weight_bus_utilization_simple']:.3f}, "
          f"DDR4-2400 {out['vp_decode_weight_bus_utilization_dram']:.3f}, "
          f"LPDDR4-4266 {out['vp_decode_weight_bus_utilization_lpddr4']:.3f}; "
          f"vp {out['vp_sim_cycles_per_s']:.0f} vs sim {out['sim_cycles_per_s']:.0f} simulated cycles/s; "
          f"simple memory cycles equal sim's: {out['simple_cycles_equal_sim']}")
    print(f"wrote {bench / 'vp.json'}")
    return 0 if out["simple_cycles_equal_sim"] else 1


if __name__ == "__main__":
    sys.exit(main())
