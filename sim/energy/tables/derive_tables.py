#!/usr/bin/env python3
"""Writes the energy tables of sim/energy/tables/ from their published anchors and the stated rules.

The tables are data files the model loads at run time; this script is how they are made, so every
derived number can be traced to the anchor and the factor that produced it (docs/energy.md):

  horowitz45-ddr3   Horowitz, ISSCC 2014 (45 nm, 0.9 V) as published, DRAM from the same table
  asic16-ddr4       16 nm ASIC: the 45 nm table scaled by the node rule, the KV260's DDR4
  asic7-lpddr4      7 nm ASIC: the 45 nm table scaled by the node rule, LPDDR4
  kv260-zu16-ddr4   the KV260's Zynq UltraScale+ (16 nm FPGA): asic16 times the FPGA factors,
                    block RAM as 4 KiB macros, the KV260's DDR4

  derive_tables.py            rewrite the JSON files next to this script
  derive_tables.py --check    exit 1 if a JSON file differs from what the script makes (CTest)
  derive_tables.py --explain  print the DRAM derivations step by step
"""
import argparse
import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ---- sources ------------------------------------------------------------------------------------
HOROWITZ = ("M. Horowitz, 'Computing's energy problem (and what we can do about it)', "
            "ISSCC 2014, energy table for 45 nm at 0.9 V")
JOUPPI = ("N. P. Jouppi et al., 'Ten Lessons From Three Generations Shaped Google's TPUv4i', "
          "ISCA 2021, table of energy per operation circa 45 nm vs circa 7 nm "
          "(7 nm values as transcribed for this project without the paper at hand: verify before quoting)")
KUON_ROSE = ("I. Kuon and J. Rose, 'Measuring the Gap Between FPGAs and ASICs', IEEE TCAD 26(2), 2007: "
             "dynamic power FPGA/ASIC about 14x for LUT logic and flip-flops at 90 nm, smaller with hard blocks")
MICRON_DDR4 = ("Micron data sheet of the 4GB (x64, single rank) DDR4 UDIMM MTA4ATF51264AZ, IDD table for "
               "die revision B at DDR4-2400 (values Micron computes for four 8Gb x16 MT40A512M16, the "
               "KV260's organisation): IDD0 320 mA, IDD2N 136, IDD3N 188, IDD4R 972, IDD4W 912, "
               "IDD5B 1120, IPP0 16, IPP3N 12, IPP5B 112; datasheet maxima")
MICRON_TN = "Micron TN-40-07 'Calculating Memory Power for DDR4 SDRAM' (method)"
ACCELERGY = ("Y. N. Wu, J. S. Emer, V. Sze, 'Accelergy: An Architecture-Level Energy Estimation Methodology "
             "for Accelerator Designs', ICCAD 2019: the DRAM model of its CACTI plug-in prices an LPDDR4 "
             "access at 8 pJ/bit (attributed there to public data)")

# ---- node scaling rule ---------------------------------------------------------------------------
# 45 nm -> 7 nm: the published per-class ratios (Jouppi et al.). 45 nm -> 16 nm: the same ratios,
# interpolated geometrically in feature size, i.e. ratio(16) = ratio(7) ** alpha with
# alpha = ln(45/16) / ln(45/7) (an assumption: no published 16 nm row of the same table).
ALPHA_16 = math.log(45 / 16) / math.log(45 / 7)
RATIO_7 = {
    "add_int8": 0.03 / 0.007,
    "add_int32": 0.1 / 0.03,
    "mul_int8": 0.2 / 0.07,
}
SRAM_45 = [(8192, 10.0), (32768, 20.0), (1048576, 100.0)]
SRAM_7 = [(8192, 7.5), (32768, 8.5), (1048576, 14.0)]

# ---- FPGA factors (KV260: XCK26, Zynq UltraScale+, 16 nm) ------------------------------------------
FPGA_LOGIC = 14.0  # Kuon & Rose: LUT logic and flip-flops
FPGA_BRAM = 2.0    # assumption: block RAM is a hard macro, but reached through programmable routing
FPGA_DSP = 3.0     # assumption: DSP48E2 hard multiplier; an int8 product uses a 27x18 multiplier
BRAM_BYTES = 4096  # RAMB36E2: 36 Kb with parity, 32 Kb (4 KiB) of data, up to 72 bits wide


def sig(x: float, digits: int = 4) -> float:
    """Rounds to `digits` significant digits (the tables are read by people)."""
    if x == 0:
        return 0.0
    return float(f"{x:.{digits}g}")


def entry(value, unit, source):
    return {"value": sig(value), "unit": unit, "source": source}


# ---- DRAM: DDR4 of the KV260 (4 GB, 64-bit, 2400 MT/s) ------------------------------------------------
def ddr4_kv260(explain=False):
    vdd, vpp = 1.2, 2.5
    idd0, idd2n, idd3n, idd4r, idd4w, idd5b = 0.320, 0.136, 0.188, 0.972, 0.912, 1.120
    ipp0, ipp3n, ipp5b = 0.016, 0.012, 0.112
    rate = 2400e6 * 64                      # bits per second at 100 % bus use
    t_ras, t_rc = 32e-9, 45.32e-9
    t_rfc, t_refi = 350e-9, 7.8e-6          # 8 Gb devices
    row_bits = 4 * 2048 * 8                 # one activate opens a 2 KiB page in each of 4 chips
    core_rd = (idd4r - idd3n) * vdd / rate
    core_wr = (idd4w - idd3n) * vdd / rate
    i_bg = (idd3n * t_ras + idd2n * (t_rc - t_ras)) / t_rc
    e_act = (idd0 - i_bg) * vdd * t_rc + (ipp0 - ipp3n) * vpp * t_rc
    act = e_act / row_bits
    # Interface (estimate): pseudo-open-drain DQ, driver 34 ohm against 48 ohm termination to VDDQ,
    # current only while a 0 is driven (half the bits); one DQS pair per 8 DQ holds one leg low for
    # the whole burst; 5 pF per DQ (pins, package, trace) swinging VDDQ * 48/82, half the bits toggle.
    ui = 1 / 2400e6
    i_low = vdd / (34 + 48)
    term = 0.5 * vdd * i_low * ui
    dqs = vdd * i_low * ui / 8
    swing = vdd * 48 / 82
    cap = 0.5 * 5e-12 * vdd * swing
    io = term + dqs + cap
    bg = (idd3n * vdd + ipp3n * vpp + ((idd5b - idd3n) * vdd + (ipp5b - ipp3n) * vpp) * t_rfc / t_refi)
    pj = 1e12
    rd, wr = (core_rd + act + io) * pj, (core_wr + act + io) * pj
    if explain:
        print(f"DDR4 core read  (IDD4R-IDD3N)*VDD/rate   = {core_rd*pj:.3f} pJ/bit")
        print(f"DDR4 core write (IDD4W-IDD3N)*VDD/rate   = {core_wr*pj:.3f} pJ/bit")
        print(f"DDR4 activate   {e_act*1e9:.3f} nJ per 8 KiB rank row  = {act*pj:.3f} pJ/bit (streaming)")
        print(f"DDR4 interface  termination {term*pj:.2f} + DQS {dqs*pj:.2f} + capacitance {cap*pj:.2f} "
              f"= {io*pj:.3f} pJ/bit")
        print(f"DDR4 read {rd:.3f} pJ/bit, write {wr:.3f} pJ/bit, background {bg:.3f} W")
        print(f"Cross-check: Horowitz DDR3 1.3-2.6 nJ/64 b at 1.5 V scaled by (1.2/1.5)^2: "
              f"{1300/64*0.64:.1f}-{2600/64*0.64:.1f} pJ/bit")
    how = (f"estimate for the KV260's 4 x 8Gb x16 DDR4-2400 on a 64-bit bus, by the method of {MICRON_TN}: "
           f"DRAM core (IDD4R or IDD4W - IDD3N) x VDD at full bus rate ({core_rd*pj:.2f} read, "
           f"{core_wr*pj:.2f} write pJ/bit) + ACT/PRE energy {e_act*1e9:.2f} nJ per 8 KiB rank row, "
           f"rows fully streamed ({act*pj:.2f} pJ/bit) + interface estimate {io*pj:.2f} pJ/bit "
           "(POD: 34 ohm driver into 48 ohm termination while a 0 is driven, DQS, 5 pF per DQ; assumed, "
           "not the KV260's measured ODT settings); the controller's PHY logic is not included. "
           f"Currents: {MICRON_DDR4}. Cross-check: Horowitz's DDR3 figure (1.3-2.6 nJ per 64 bits at "
           "1.5 V) scaled by (1.2/1.5)^2 gives 13-26 pJ/bit")
    bg_how = (f"estimate: IDD3N x VDD + IPP3N x VPP + refresh ((IDD5B - IDD3N) x VDD + (IPP5B - IPP3N) x VPP) "
              f"x tRFC/tREFI (350 ns / 7.8 us) for the four devices; {MICRON_DDR4}; interface idle (POD "
              "lines parked at VDDQ draw no termination current)")
    return {
        "dram_read_pj_per_bit": entry(rd, "pJ/bit", how),
        "dram_write_pj_per_bit": entry(wr, "pJ/bit", how),
        "dram_background_w": entry(bg, "W", bg_how),
    }


def lpddr4():
    src = (f"{ACCELERGY}. Not a measurement of a part; an estimate made here for LPDDR4X "
           "(DDR4 core figure scaled by (1.1/1.2)^2 plus a 0.6 V LVSTL interface) gives about 6 pJ/bit, "
           "so 8 pJ/bit is the conservative end")
    return {
        "dram_read_pj_per_bit": entry(8.0, "pJ/bit", src),
        "dram_write_pj_per_bit": entry(8.0, "pJ/bit", src),
        "dram_background_w": entry(0.05, "W",
                                   "assumption: active standby and refresh of a 4-channel LPDDR4 "
                                   "package while the accelerator runs (tens of mW); not from a data sheet"),
    }


def ddr3_horowitz():
    v = 1950 / 64
    src = f"{HOROWITZ}: DRAM 1.3-2.6 nJ per 64-bit access; midpoint 1.95 nJ / 64 bits"
    return {
        "dram_read_pj_per_bit": entry(v, "pJ/bit", src),
        "dram_write_pj_per_bit": entry(v, "pJ/bit", src),
        "dram_background_w": entry(0.0, "W",
                                   "not in Horowitz's table: this reference table leaves DRAM "
                                   "background power out (0)"),
    }


# ---- logic, registers, SRAM --------------------------------------------------------------------------
def base_45():
    """The 45 nm values and what each rests on; `scale` names the node-scaling class."""
    return {
        "add_int8_pj": (0.03, "pJ", f"{HOROWITZ}: 8-bit integer add", "add_int8"),
        "add_int32_pj": (0.1, "pJ", f"{HOROWITZ}: 32-bit integer add", "add_int32"),
        "mul_int8_pj": (0.2, "pJ", f"{HOROWITZ}: 8-bit integer multiply", "mul_int8"),
        "reg_bit_pj": (0.005, "pJ",
                       "assumption: one flip-flop bit loaded (clock pin plus data toggling half the "
                       "time) costs about one bit slice of Horowitz's 8-bit add (0.03 pJ / 8) plus its "
                       "clock load, 5 fJ at 45 nm", "add_int8"),
        "zero_skip_pj": (0.0, "pJ",
                         "assumption: a zero-weight lane is operand-isolated (its tree input holds a "
                         "constant), so the lane itself costs nothing; the tree nodes above it are "
                         "priced by the model (docs/energy.md, 'Zero weights')", "add_int8"),
        "control_pj_per_busy_cycle": (20.0, "pJ",
                                      "assumption: about 2,000 flip-flop bits of sequencer, DMA, fetch, "
                                      "counters and register file loaded per busy cycle at 5 fJ plus as "
                                      "much again in their logic and local clock (sized on the bench "
                                      "configuration's 7 k non-array flip-flops)", "add_int8"),
        "axi_burst_pj": (1.0, "pJ",
                         "assumption: one AR or AW handshake moves about 200 register bits (address, "
                         "length, tag through the DMA, interconnect and controller queues) at 5 fJ",
                         "add_int8"),
    }


def scaled(ratio7: float, node: int) -> float:
    """The factor by which a 45 nm energy shrinks at `node` (7 or 16)."""
    return ratio7 if node == 7 else ratio7 ** ALPHA_16


def node_rule(node: int, cls: str) -> str:
    if node == 7:
        return f"45 nm value / {RATIO_7[cls]:.3g} (the {cls.replace('_', ' ')} ratio 45 -> 7 nm of {JOUPPI})"
    return (f"45 nm value / {scaled(RATIO_7[cls], 16):.3g}: the {cls.replace('_', ' ')} ratio 45 -> 7 nm "
            f"({RATIO_7[cls]:.3g}) raised to ln(45/16)/ln(45/7) = {ALPHA_16:.3f}, i.e. interpolated "
            f"geometrically in feature size (assumption); ratio from {JOUPPI}")


def logic_entries(node: int, fpga: bool):
    out = {}
    for key, (v45, unit, src, cls) in base_45().items():
        if node == 45:
            out[key] = entry(v45, unit, src)
            continue
        f = scaled(RATIO_7[cls], node)
        value, why = v45 / f, f"{node_rule(node, cls)}; 45 nm: {src}"
        if fpga:
            k = FPGA_DSP if key == "mul_int8_pj" else FPGA_LOGIC
            what = ("DSP-slice multiply factor (assumption: hard block, but an int8 product runs on a "
                    "27x18 multiplier)" if key == "mul_int8_pj" else f"the FPGA/ASIC logic factor of {KUON_ROSE}")
            value, why = value * k, f"16 nm ASIC value x {k:g}, {what}; 16 nm ASIC: {why}"
        out[key] = entry(value, unit, why)
    out["sram_write_factor"] = entry(1.0, "ratio",
                                     "assumption: a write costs as much as a read of the same width "
                                     "(Horowitz gives reads only)")
    return out


def sram_points(node: int, fpga: bool):
    pts = []
    for (size, e45), (_, e7) in zip(SRAM_45, SRAM_7):
        label = f"64-bit read, {size // 1024} KiB SRAM" if size < 1 << 20 else "64-bit read, 1 MiB SRAM"
        if node == 45:
            pts.append({"bytes": size, **entry(e45, "pJ", f"{HOROWITZ}: {label} (cache)")})
            continue
        r = e45 / e7
        f = scaled(r, node)
        if node == 7:
            why = f"{JOUPPI}: {label}, {e45:g} pJ at 45 nm -> {e7:g} pJ at 7 nm"
        else:
            why = (f"{label}: 45 nm {e45:g} pJ ({HOROWITZ}) / {f:.3g}, the 45 -> 7 nm ratio {r:.3g} of "
                   f"{JOUPPI} raised to {ALPHA_16:.3f} (geometric interpolation in feature size, assumption)")
        value = e45 / f
        if fpga:
            why = f"16 nm ASIC value x {FPGA_BRAM:g} (block RAM factor, assumption); 16 nm ASIC: {why}"
            value *= FPGA_BRAM
        pts.append({"bytes": size, **entry(value, "pJ", why)})
    return pts


def table(name, description, node, fpga, dram, static_w, static_src):
    entries = logic_entries(node, fpga)
    entries["sram_macro_bytes"] = (
        entry(BRAM_BYTES, "bytes", "Xilinx UltraScale block RAM (RAMB36E2): 36 Kb with parity, 4 KiB of "
              "data, up to 72 bits wide; an access touches width/64 bits worth of 4 KiB macros")
        if fpga else
        entry(0, "bytes", "0 = no macro limit: an ASIC memory is compiled at its own size"))
    entries.update(dram)
    entries["static_w"] = entry(static_w, "W", static_src)
    return {
        "_comment": "Generated by sim/energy/tables/derive_tables.py from the anchors and rules it "
                    "states (docs/energy.md). Edit the script, not this file.",
        "name": name,
        "description": description,
        "entries": dict(sorted(entries.items())),
        "sram_read_64b": sram_points(node, fpga),
    }


def all_tables():
    return {
        "horowitz45-ddr3": table(
            "horowitz45-ddr3", "45 nm ASIC at 0.9 V as published by Horowitz (ISSCC 2014), DRAM from the "
            "same table; the reference the other tables are derived from", 45, False, ddr3_horowitz(),
            0.05, "assumption: leakage of the accelerator's logic and SRAM at 45 nm (tens of mW)"),
        "asic16-ddr4": table(
            "asic16-ddr4", "16 nm ASIC (node rule applied to the 45 nm table) with the KV260's DDR4: the "
            "KV260 configuration without the FPGA overhead", 16, False, ddr4_kv260(),
            0.02, "assumption: leakage of the accelerator's logic and about 300 KiB of SRAM at 16 nm"),
        "asic7-lpddr4": table(
            "asic7-lpddr4", "7 nm ASIC (node rule applied to the 45 nm table) with LPDDR4", 7, False,
            lpddr4(), 0.01, "assumption: leakage of the accelerator's logic and about 300 KiB of SRAM at 7 nm"),
        "kv260-zu16-ddr4": table(
            "kv260-zu16-ddr4", "Kria KV260 (XCK26 Zynq UltraScale+, 16 nm FPGA) with its 4 GB DDR4-2400: "
            "the 16 nm ASIC table times the FPGA factors, block RAM as 4 KiB macros", 16, True,
            ddr4_kv260(), 0.35,
            "assumption: static (leakage) power of the XCK26 programmable logic at moderate junction "
            "temperature, of the order the Xilinx Power Estimator reports for mid-size UltraScale+ parts; "
            "not measured here (replace with XPE or a board measurement)"),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="fail if a table file is not what this script makes")
    ap.add_argument("--explain", action="store_true", help="print the DRAM derivations")
    ap.add_argument("--dir", default=str(HERE), help="where the tables are (default: next to this script)")
    args = ap.parse_args()
    if args.explain:
        ddr4_kv260(explain=True)
        print(f"16 nm interpolation exponent ln(45/16)/ln(45/7) = {ALPHA_16:.4f}")
        return 0
    bad = 0
    for name, t in all_tables().items():
        path = Path(args.dir) / f"{name}.json"
        text = json.dumps(t, indent=2) + "\n"
        if args.check:
            if not path.exists() or path.read_text() != text:
                print(f"{path}: differs from what derive_tables.py makes (run it to regenerate)")
                bad = 1
        else:
            path.write_text(text)
            print(f"wrote {path}")
    return bad


if __name__ == "__main__":
    sys.exit(main())
