#!/usr/bin/env bash
# Runs the GGUF reader fuzzer from a fuzz build tree (make fuzz / make fuzz-smoke).
#   run-fuzz.sh BUILD_DIR runs N      at least N executions (make fuzz: 1,000,000)
#   run-fuzz.sh BUILD_DIR time S      S seconds (make fuzz-smoke: 60)
# Seeds come from ../shared/reference when it exists, else from tests/data/reference. The
# corpus (BUILD_DIR/fuzz-gguf/corpus) grows across runs; crash inputs land in
# BUILD_DIR/fuzz-gguf/artifacts and make this script fail.
set -euo pipefail
build=$1 mode=$2 amount=$3
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
work="$build/fuzz-gguf"
mkdir -p "$work/corpus" "$work/artifacts"
refs="$repo/../shared/reference"
[[ -d $refs ]] || refs="$repo/tests/data/reference"
"$build/bin/fuzz_gguf_seeds" "$work/seeds" "$refs"
case $mode in
  runs) limit=(-runs="$amount") ;;
  time) limit=(-max_total_time="$amount") ;;
  *) echo "run-fuzz.sh: mode must be 'runs' or 'time'" >&2; exit 2 ;;
esac
# Leaks are findings too (detect_leaks stays on); -timeout flags inputs that take > 10 s.
echo "run-fuzz.sh: fuzz_gguf ($mode $amount), log in $work/last-run.log"
set +e
"$build/bin/fuzz_gguf" "$work/corpus" "$work/seeds" -dict="$here/gguf.dict" -max_len=131072 -timeout=10 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "${limit[@]}" >"$work/last-run.log" 2>&1
status=$?
set -e
grep -E '^(#[0-9]+ +(INITED|DONE)|stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)|SUMMARY|==[0-9]+==ERROR)' \
  "$work/last-run.log" || true
if [[ $status -ne 0 ]]; then
  echo "run-fuzz.sh: fuzz_gguf failed (status $status); see $work/last-run.log and $work/artifacts" >&2
  exit "$status"
fi
