#!/usr/bin/env python3
"""Check that no RTL source multiplies, divides or takes a remainder.

The array is multiplier-free by design and the control logic uses counters, stride additions and
shifts (docs/rtl.md); constant arithmetic goes through trit_pkg's shift-and-add functions. After
removing comments and string literals, any `*`, `/` or `%` left in a file listed in rtl.f is an
error. Usage: check_no_arith.py <rtl dir>
"""
import re
import sys
from pathlib import Path


def strip(text: str) -> str:
    """Blank out comments and string literals, keeping line numbers."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (min(j + 1, n) - i))
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def main() -> int:
    rtl = Path(sys.argv[1])
    files = []
    for line in (rtl / "rtl.f").read_text().splitlines():
        line = line.split("//")[0].strip()
        if line and not line.startswith("+"):
            files.append(rtl / line)
    bad = 0
    for f in files:
        for no, line in enumerate(strip(f.read_text()).splitlines(), 1):
            for m in re.finditer(r"[*/%]", line):
                print(f"{f}:{no}:{m.start() + 1}: arithmetic operator '{m.group()}' in RTL: {line.strip()}")
                bad += 1
    if not files:
        print("no RTL files found")
        return 1
    print(f"{len(files)} files checked, {bad} multiply/divide/remainder operators")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
