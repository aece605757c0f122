#!/bin/bash
# make test: build what is missing, run every test group, count the
# "PASS name" / "FAIL name: detail" lines they print and end with
# "N passed, N failed". Exits non-zero when anything failed.
# TESTS="unit style patches lab" selects groups (default: all).
# FUZZ_SECS (default 10) bounds each fuzz target of the fuzz group.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/test-logs
mkdir -p "$logs"
: >"$logs/results"
groups=${TESTS:-kernel unit model fuzz style patches compare lab inspect}

group() { # name command...
	local name=$1
	shift
	echo "== $name"
	local t0=$SECONDS
	"$@" >"$logs/$name.log" 2>&1
	local rc=$?
	grep -E '^(PASS|FAIL) ' "$logs/$name.log" | tee -a "$logs/results"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$logs/$name.log"; then
		echo "FAIL $name: exited with status $rc (see build/test-logs/$name.log)" |
			tee -a "$logs/results"
	fi
	echo "   ($name: $((SECONDS - t0)) s)"
}

kernel_build() {
	if "$top/userspace/build/kernel.sh"; then echo "PASS kernel-build"; else echo "FAIL kernel-build"; fi
}

for g in $groups; do
	case $g in
	kernel) group kernel kernel_build ;;
	unit) group unit make -s -C "$top/tests/unit" run ;;
	model) group model make -s -C "$top/tests/model" run ;;
	fuzz) group fuzz "$top/tests/fuzz/run.sh" ;;
	style) group style "$top/tests/style/checkpatch.sh" ;;
	patches) group patches "$top/tests/patches/check.sh" ;;
	compare) group compare python3 "$top/tests/compare/test_labtrace.py" ;;
	lab) group lab "$top/tests/lab/run.sh" ;;
	inspect) group inspect "$top/tests/inspect/run.sh" ;;
	*) echo "FAIL unknown-test-group-$g" | tee -a "$logs/results" ;;
	esac
done

passed=$(grep -c '^PASS ' "$logs/results")
failed=$(grep -c '^FAIL ' "$logs/results")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
