#!/bin/sh
# check_plot_vp.sh PLOT_SCRIPT VP_JSON OUT_PNG: the virtual platform benchmark's plot renders
# headless from a recorded vp.json and is a real PNG.
set -e
script=$1 report=$2 out=$3
rm -f "$out"
MPLBACKEND=Agg /usr/bin/python3 "$script" "$report" "$out"
test -s "$out" || { echo "check_plot_vp: $out missing or empty" >&2; exit 1; }
head -c 8 "$out" | od -An -c | grep -q 'P   N   G' || { echo "check_plot_vp: $out is not a PNG" >&2; exit 1; }
echo "check_plot_vp: plot from $report"
