#!/bin/sh
# check_plot_run.sh PLOT_SCRIPT REPORT OUT_DIR: the run report's plots render headless (matplotlib's
# Agg backend, no display) and each is a real PNG.
set -e
script=$1 report=$2 out=$3
rm -rf "$out"
MPLBACKEND=Agg /usr/bin/python3 "$script" "$report" "$out"
for f in energy_by_layer_type.png time_by_layer_type.png roofline.png; do
  test -s "$out/$f" || { echo "check_plot_run: $f missing or empty" >&2; exit 1; }
  head -c 8 "$out/$f" | od -An -c | grep -q 'P   N   G' || { echo "check_plot_run: $f is not a PNG" >&2; exit 1; }
done
echo "check_plot_run: 3 plots from $report"
