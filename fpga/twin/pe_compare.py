#!/usr/bin/env python3
"""Synthesises the ternary PE (rtl/core/trit_pe.sv) and its multiply-accumulate twin
(fpga/twin/mac_pe.sv) of the same V with Yosys synth_xilinx and compares their cells: what the
multipliers cost in an FPGA (docs/energy.md, "The MAC twin in synthesis").

  pe_compare.py --yosys yosys --rtl-dir rtl --twin-dir fpga/twin --lanes 16 --json out.json [--check]

Three netlists: trit_pe; mac_pe with DSP inference (the default flow: one DSP48E2 per int8
product); mac_pe with -nodsp (multipliers in LUTs, as when the DSPs run out: the bench array
would need 160 x 16 = 2560 of the XCK26's 1248). Before mapping, the elaborated design's $mul
cells are counted. --check fails unless the MAC PE has V multipliers and infers DSP cells, and the
ternary PE has no multiplier and no DSP.
"""
import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import subprocess


def synth(yosys: str, files: list, top: str, lanes: int, family: str, extra: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        pre, post, log = Path(tmp) / "pre.json", Path(tmp) / "post.json", Path(tmp) / "yosys.log"
        script = Path(tmp) / "pe.ys"
        script.write_text(
            f"read_verilog -sv {' '.join(str(f) for f in files)}\n"
            f"hierarchy -check -top {top} -chparam NumLanes {lanes}\n"
            "proc\nopt -fast\nwreduce\n"
            f"tee -q -o {pre} stat -json\n"
            f"synth_xilinx -family {family} -top {top} -flatten -noiopad {extra}\n"
            f"tee -q -o {post} stat -json\n")
        t0 = time.monotonic()
        proc = subprocess.run([yosys, "-q", "-l", str(log), str(script)], capture_output=True, text=True)
        secs = time.monotonic() - t0
        if proc.returncode != 0 or not post.exists():
            text = log.read_text() if log.exists() else ""
            raise RuntimeError(f"yosys failed on {top} {extra}:\n{(text + proc.stderr)[-3000:]}")

        def cells(path):
            out = {}
            for mod in json.loads(path.read_text())["modules"].values():
                for k, v in mod["num_cells_by_type"].items():
                    out[k] = out.get(k, 0) + v
            return out

        before, after = cells(pre), cells(post)
    return {
        "top": top, "lanes": lanes, "flow": f"synth_xilinx -family {family} {extra}".strip(),
        "seconds": round(secs, 1),
        "mul_cells_before_mapping": before.get("$mul", 0),
        "lut": sum(v for k, v in after.items() if re.fullmatch(r"LUT[1-6]", k)),
        "ff": sum(v for k, v in after.items() if re.fullmatch(r"FD[A-Z]{2}", k)),
        "carry": sum(v for k, v in after.items() if k.startswith("CARRY")),
        "muxf": sum(v for k, v in after.items() if k.startswith("MUXF")),
        "dsp": sum(v for k, v in after.items() if k.startswith("DSP")),
        "cells_by_type": dict(sorted(after.items())),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--yosys", default="yosys")
    ap.add_argument("--rtl-dir", required=True)
    ap.add_argument("--twin-dir", required=True)
    ap.add_argument("--lanes", type=int, default=16)
    ap.add_argument("--family", default="xcup")
    ap.add_argument("--json", help="where to write the counts")
    ap.add_argument("--check", action="store_true", help="fail unless MAC infers multipliers/DSPs and ternary none")
    args = ap.parse_args()
    trit = synth(args.yosys, [Path(args.rtl_dir) / "core" / "trit_pe.sv"], "trit_pe", args.lanes, args.family, "")
    mac = synth(args.yosys, [Path(args.twin_dir) / "mac_pe.sv"], "mac_pe", args.lanes, args.family, "")
    mac_lut = synth(args.yosys, [Path(args.twin_dir) / "mac_pe.sv"], "mac_pe", args.lanes, args.family, "-nodsp")
    result = {"lanes": args.lanes, "family": args.family, "trit_pe": trit, "mac_pe": mac, "mac_pe_nodsp": mac_lut}
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.json}")
    print(f"V = {args.lanes}, synth_xilinx -family {args.family} -flatten:")
    print(f"| PE | $mul before mapping | LUT | FF | CARRY | MUXF | DSP | Yosys s |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in (("trit_pe", trit), ("mac_pe", mac), ("mac_pe -nodsp", mac_lut)):
        print(f"| {name} | {r['mul_cells_before_mapping']} | {r['lut']} | {r['ff']} | {r['carry']} | "
              f"{r['muxf']} | {r['dsp']} | {r['seconds']} |")
    if args.check:
        bad = []
        if trit["mul_cells_before_mapping"] or trit["dsp"]:
            bad.append(f"trit_pe has {trit['mul_cells_before_mapping']} $mul and {trit['dsp']} DSP cells")
        if mac["mul_cells_before_mapping"] < args.lanes:
            bad.append(f"mac_pe has {mac['mul_cells_before_mapping']} $mul cells, expected {args.lanes}")
        if mac["dsp"] < 1:
            bad.append("mac_pe inferred no DSP cell")
        if bad:
            print("FAIL: " + "; ".join(bad))
            return 1
        print("PASS: the MAC PE infers multipliers and DSP cells, the ternary PE neither")
    return 0


if __name__ == "__main__":
    sys.exit(main())
