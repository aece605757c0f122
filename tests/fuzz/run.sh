#!/bin/bash
# run.sh [SECS]: bounded libFuzzer runs of the tests/fuzz targets, SECS
# seconds each (default: $FUZZ_SECS, else 10), over the committed seed
# corpus tests/fuzz/corpus/TARGET/ (written by gen_seeds.py). New inputs go
# to a scratch directory, never into the corpus. Prints one line per target:
#   "PASS fuzz-TARGET (SECS s, N inputs)" or "FAIL fuzz-TARGET: ...".
# A crashing input is kept in build/fuzz/artifacts/; reproduce it with
#   build/fuzz/fuzz_TARGET build/fuzz/artifacts/crash-...
# FUZZ_TARGETS="amd_walk vtd_walk vtd_sm_walk kdump kdump_sm takeover" selects targets.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/fuzz
secs=${1:-${FUZZ_SECS:-10}}
targets=${FUZZ_TARGETS:-amd_walk vtd_walk vtd_sm_walk kdump kdump_sm takeover}

"$top/userspace/build/deps.sh" fuzz || { echo "FAIL fuzz-deps: clang / libclang-rt-14-dev missing"; exit 1; }
mkdir -p "$out/artifacts"
if ! make -s -C "$here" >"$out/build.log" 2>&1; then
	echo "FAIL fuzz-build: $(grep -m3 -E 'error|Error' "$out/build.log" | tr '\n' ' ')"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc_all=0
for t in $targets; do
	mkdir -p "$work/$t"
	log=$out/$t.log
	"$out/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=8192 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$t-" "$work/$t" "$here/corpus/$t" \
		>"$log" 2>&1
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "PASS fuzz-$t ($secs s, $runs inputs)"
	else
		echo "FAIL fuzz-$t: libFuzzer exit $rc: $(grep -m1 -E 'ERROR|SUMMARY|runtime error' "$log") (build/fuzz/$t.log)"
		rc_all=1
	fi
done
exit $rc_all
