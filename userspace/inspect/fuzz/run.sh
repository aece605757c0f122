#!/bin/bash
# run.sh [SECONDS]: a bounded libFuzzer run of fuzz_inspect (default 30 s)
# over the committed seed corpus (corpus/, from lab dumps via
# `iommu-dump --save-seed`). New inputs go to a scratch directory, never
# into corpus/. Prints "PASS fuzz-inspect" or "FAIL fuzz-inspect: ..." and
# keeps any crashing input in build/inspect/fuzz-artifacts/.
# Reproduce one: build/inspect/iommu-dump-asan --image FILE
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=$top/build/inspect
secs=${1:-30}

mkdir -p "$out"
if ! make -s -C "$top/userspace/inspect" fuzz >"$out/fuzz-build.log" 2>&1; then
	echo "FAIL fuzz-inspect: build failed: $(tail -n 3 "$out/fuzz-build.log" | tr '\n' ' ')"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out/fuzz-artifacts"
"$out/fuzz_inspect" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=65536 -print_final_stats=1 -dict="$here/vmcoreinfo.dict" \
	-artifact_prefix="$out/fuzz-artifacts/" "$work" "$here/corpus" \
	>"$out/fuzz.log" 2>&1
rc=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz.log" | grep -o '[0-9]*$')
if [ "$rc" -eq 0 ]; then
	echo "PASS fuzz-inspect ($secs s, ${runs:-?} inputs)"
else
	echo "FAIL fuzz-inspect: libFuzzer exit $rc: $(grep -m1 -E 'ERROR|SUMMARY' "$out/fuzz.log")"
	exit 1
fi
