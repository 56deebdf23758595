#!/bin/sh
# expect_exit.sh CODE REGEX COMMAND [ARGS...]: runs COMMAND and passes only if it exits with CODE
# and its output (stdout and stderr together) matches the extended regular expression REGEX.
# CTest's PASS_REGULAR_EXPRESSION alone ignores the exit code, which is half of a CLI's contract.
want=$1 regex=$2
shift 2
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne "$want" ]; then
  echo "expect_exit: exit code $rc, expected $want" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
  echo "expect_exit: output does not match /$regex/" >&2
  exit 1
fi
exit 0
