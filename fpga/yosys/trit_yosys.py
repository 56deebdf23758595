#!/usr/bin/env python3
"""Yosys checks of the Trit RTL: elaborate exactly rtl/rtl.f and prove the design multiplier-free,
or synthesise it for a Xilinx UltraScale+ part and count its cells.

  trit_yosys.py no-mul --rtl-dir rtl --inc <build>/generated --top trit_top [-P Name=value ...]
      proc; opt; wreduce: no $mul/$div/$mod/$pow cell anywhere. alumacc: every $macc it forms
      must be a sum without product terms (maccmap -unmap turns a product term into a $mul,
      which fails the check).
  trit_yosys.py synth-xilinx ... --json out.json
      synth_xilinx -family xcup: no DSP cell; LUT/FF/BRAM/carry counts written to out.json.
  trit_yosys.py bad-config ... -P Name=value
      elaboration must fail with trit_top's own configuration message.

Exit status 0 when the check holds; otherwise the offending cells are printed.
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARITH = "t:$mul t:$div t:$mod t:$pow t:$divfloor t:$modfloor"


def rtl_files(rtl_dir: Path) -> list:
    files = []
    for line in (rtl_dir / "rtl.f").read_text().splitlines():
        line = line.split("//")[0].strip()
        if line and not line.startswith("+"):
            files.append(str(rtl_dir / line))
    return files


def front(args) -> str:
    chparams = " ".join(f"-chparam {k} {v}" for k, v in (p.split("=", 1) for p in args.param))
    incs = " ".join(f"-I{i}" for i in args.inc)
    return (f"read_verilog -sv {incs} {' '.join(rtl_files(Path(args.rtl_dir)))}\n"
            f"hierarchy -check -top {args.top} {chparams}\n")


def run_yosys(yosys: str, script: str, what: str) -> tuple:
    with tempfile.TemporaryDirectory() as tmp:
        ys = Path(tmp) / "check.ys"
        log = Path(tmp) / "yosys.log"
        ys.write_text(script)
        t0 = time.monotonic()
        proc = subprocess.run([yosys, "-q", "-l", str(log), str(ys)], capture_output=True, text=True)
        secs = time.monotonic() - t0
        text = log.read_text() if log.exists() else ""
    print(f"{what}: yosys finished in {secs:.1f} s (exit {proc.returncode})")
    return proc.returncode, text + proc.stdout + proc.stderr


def listed_cells(log: str, marker: str) -> list:
    """Cells printed by `select -list` after an `echo <marker>` line."""
    out, on = [], False
    for line in log.splitlines():
        if marker in line:
            on = True
            continue
        if on:
            if line.startswith("ECHO") or "Executing" in line:
                break
            if "/" in line and "$" in line:
                out.append(line.strip())
    return out


def no_mul(args) -> int:
    script = front(args) + f"""proc
opt -fast
wreduce
log MARK-FRONT
select -list {ARITH}
log MARK-END
select -assert-none {ARITH}
alumacc
log MARK-MACC
select -list t:$macc
log MARK-END
maccmap -unmap
opt -fast
log MARK-UNMAP
select -list {ARITH} t:$macc
log MARK-END
select -assert-none {ARITH} t:$macc
log MARK-ALU
select -count t:$alu t:$add t:$sub
"""
    rc, log = run_yosys(args.yosys, script, f"no-mul {args.top}")
    def between(mark):
        m = re.search(mark + r"\n(.*?)MARK-END", log, re.S)
        return [l.strip() for l in (m.group(1).splitlines() if m else []) if "/" in l and "$" in l]
    front_cells, macc, unmapped = between("MARK-FRONT"), between("MARK-MACC"), between("MARK-UNMAP")
    used = sorted(set(re.findall(r"Used module:\s+\\(\S+)", log)))
    print(f"modules: {', '.join(used)}")
    print(f"$macc cells formed by alumacc (multi-operand sums): {len(macc)}")
    if rc != 0 or front_cells or unmapped:
        print("FAIL: the design infers multiply/divide/remainder cells:")
        for c in front_cells + unmapped:
            print(f"  {c}")
        if rc != 0 and not (front_cells or unmapped):
            print(log[-3000:])
        return 1
    for must in args.expect_module:
        if must not in used:
            print(f"FAIL: module {must} was not elaborated (check what the test covers)")
            return 1
    print(f"PASS: no $mul/$macc-with-products/$div/$mod/$pow in {args.top} ({', '.join(args.param) or 'defaults'})")
    return 0


def synth_xilinx(args) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        stat = Path(tmp) / "stat.json"
        # Yosys 0.23 merges each PE's adder tree into one $macc (alumacc) and maps it into a LUT
        # compressor array: its LUT counts are an upper bound for the array, not a vendor-tool
        # estimate (a vendor tool keeps the tree as carry-chain adders).
        synth = f"synth_xilinx -family {args.family} -top {args.top} -flatten -noiopad"
        script = front(args) + f"""{synth}
log MARK-DSP
select -list t:DSP*
log MARK-END
tee -q -o {stat} stat -json
select -assert-none t:DSP*
"""
        rc, log = run_yosys(args.yosys, script, f"synth_xilinx {args.top}")
        cells = {}
        if stat.exists():
            for mod in json.loads(stat.read_text())["modules"].values():
                for k, v in mod["num_cells_by_type"].items():
                    cells[k] = cells.get(k, 0) + v
    dsp = {k: v for k, v in cells.items() if k.startswith("DSP")}
    lut = sum(v for k, v in cells.items() if re.fullmatch(r"LUT[1-6]", k))
    lutram = sum(v for k, v in cells.items() if k.startswith(("RAM32", "RAM64", "RAM128", "RAM256", "SRL")))
    ff = sum(v for k, v in cells.items() if re.fullmatch(r"FD[A-Z]{2}", k))
    bram36 = cells.get("RAMB36E2", 0) + cells.get("RAMB36E1", 0)
    bram18 = cells.get("RAMB18E2", 0) + cells.get("RAMB18E1", 0)
    carry = sum(v for k, v in cells.items() if k.startswith("CARRY"))
    summary = {"top": args.top, "params": dict(p.split("=", 1) for p in args.param), "family": args.family,
               "flow": "synth_xilinx",
               "lut": lut, "lutram_cells": lutram, "ff": ff, "bram36": bram36, "bram18": bram18,
               "carry": carry, "dsp": sum(dsp.values()), "cells_by_type": dict(sorted(cells.items()))}
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
        print(f"wrote {args.json}")
    print(f"LUT {lut}, LUTRAM/SRL cells {lutram}, FF {ff}, BRAM36 {bram36}, BRAM18 {bram18}, "
          f"carry {carry}, DSP {sum(dsp.values())}")
    if rc != 0 or dsp or not cells:
        print("FAIL: " + (f"DSP cells inferred: {dsp}" if dsp else "synthesis failed"))
        if not dsp:
            print(log[-3000:])
        return 1
    print("PASS: no DSP cells")
    return 0


def bad_config(args) -> int:
    rc, log = run_yosys(args.yosys, front(args), f"elaborate {args.top} ({', '.join(args.param)})")
    m = re.search(r"ERROR: (trit_top: [^\n]*)", log)
    if rc != 0 and m:
        print(f"PASS: rejected: {m.group(1)}")
        return 0
    print("FAIL: the configuration was not rejected with a trit_top message")
    print(log[-2000:])
    return 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["no-mul", "synth-xilinx", "bad-config"])
    ap.add_argument("--yosys", default="yosys")
    ap.add_argument("--rtl-dir", required=True)
    ap.add_argument("--inc", action="append", default=[], help="include directory (the generated trit_regs.svh)")
    ap.add_argument("--top", default="trit_top")
    ap.add_argument("-P", "--param", action="append", default=[], help="Name=value parameter override")
    ap.add_argument("--expect-module", action="append", default=[], help="module that must be elaborated")
    ap.add_argument("--family", default="xcup")
    ap.add_argument("--json", help="synth-xilinx: where to write the cell counts")
    args = ap.parse_args()
    return {"no-mul": no_mul, "synth-xilinx": synth_xilinx, "bad-config": bad_config}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
