#!/bin/bash
# make test: build what is missing, run every test group and end with
# "N passed, N failed, N skipped". Exits non-zero when anything failed.
#
# What is counted: test cases, one line each -- "PASS name",
# "FAIL name: detail" or "SKIP name: why" -- where a case is a scenario or
# a test function with all of its checks (tests/unit/check.h,
# tests/lib/case.sh). The checks themselves are rows ("ok ...",
# "not ok ...") kept in build/test-logs/<group>.log. A group that prints a
# "not ok" row without a FAIL line, or exits non-zero without one, is
# counted as one more failure: nothing is lost.
#
# TESTS="unit style patches lab" selects groups (default: all). kernel and
# patches are those of Linux 6.1, kernel-6.12, patches-6.12 and lab-6.12
# of 6.12;
# style checks the files with the checkpatch of both.
# CI=true: every SKIP counts as a failure (and is printed as FAIL), and a
# group with fewer cases than tests/min-cases names fails too.
# FUZZ_SECS (default 10) bounds each fuzz target of the fuzz group.
# The 6.12 kernel builds in the background (nice 19) while the groups after
# kernel-6.12 run: the lab's QEMU keeps about one core of two busy. Its
# tree is extracted, patched and configured first, in the foreground, so
# that style and patches-6.12 read a whole tree; the group is reported
# when the first group that boots it (lab-6.12, inspect) begins, or at the
# end. KERNEL_BG=0: build it in its place.
# Lines starting with "progress: " (kernel build, initramfs, each lab run)
# are shown as they come.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/test-logs
mkdir -p "$logs"
: >"$logs/results"
groups=${TESTS:-kernel kernel-6.12 unit model takeover fuzz style patches patches-6.12 compare verdicts lab lab-6.12 inspect}
# CI=true (.ci/run): a skipped case is a failure, and so is a group that
# reports fewer cases than its committed minimum (tests/min-cases), so
# that nothing can silently drop out of the run.
ci=0
[ "${CI:-}" = true ] && ci=1

# Under CI every omission fails: a SKIP line becomes a FAIL.
ci_skips() {
	if [ "$ci" = 1 ]; then
		sed -u 's/^SKIP \([^:]*\): \(.*\)$/FAIL \1: skipped under CI=true: \2/'
	else
		cat
	fi
}

group() { # name command...
	local name=$1
	shift
	echo "== $name"
	local t0=$SECONDS rc n want
	"$@" 2>&1 | tee "$logs/$name.log" |
		grep --line-buffered -E '^(PASS|FAIL|SKIP) |^progress: ' |
		ci_skips | tee -a "$logs/results"
	rc=${PIPESTATUS[0]}
	sed -i '/^progress: /d' "$logs/results"
	if [ "$ci" = 1 ]; then
		n=$(grep -cE '^(PASS|FAIL|SKIP) ' "$logs/$name.log")
		want=$(awk -v g="$name" '$1 == g { print $2 }' "$top/tests/min-cases" 2>/dev/null)
		if [ -n "$want" ] && [ "$n" -lt "$want" ]; then
			echo "FAIL $name-case-count: $n test cases, want at least $want (tests/min-cases)" |
				tee -a "$logs/results"
		fi
	fi
	if ! grep -q '^FAIL ' "$logs/$name.log"; then
		if grep -q '^not ok ' "$logs/$name.log"; then
			echo "FAIL $name: a check failed outside any test case: $(grep -m1 '^not ok ' "$logs/$name.log")" |
				tee -a "$logs/results"
		elif [ "$rc" -ne 0 ]; then
			echo "FAIL $name: exited with status $rc (see build/test-logs/$name.log)" |
				tee -a "$logs/results"
		fi
	fi
	echo "   ($name: $((SECONDS - t0)) s)"
}

kernel_build() { # kver
	local name=kernel-build
	[ "$1" = 6.1 ] || name=$1/kernel-build
	if KVER=$1 "$top/userspace/build/kernel.sh"; then echo "PASS $name"; else echo "FAIL $name"; fi
}

# The Linux 6.12 lab: one write run per vendor and VT-d mode (legacy,
# scalable, and first-level on QEMU 10.0), the takeover's old-domain test
# with its control on each, and the hostile scenarios; the whole 6.12
# matrix is make compare KVER=6.12. The parts left out by design are not
# reported as skipped (tests/min-cases holds the group's case count).
lab_6_12() {
	env KVER=6.12 LAB_MODES=translated LAB_STRATEGIES=write LAB_MACHINES=0 \
		LAB_Q10_TESTS=smfl LAB_TAKEOVER_TESTS=olddomain LAB_RETIRE=0 LAB_FAULTS=0 \
		"$top/tests/lab/run.sh" |
		grep --line-buffered -v -E '^SKIP lab-6\.12-[^:]*: (not in LAB_|LAB_[A-Z0-9]+=0|the matrix ran no )'
	return "${PIPESTATUS[0]}"
}

# make compare's own code: the trace analysis and the charts.
compare_checks() {
	local rc=0
	python3 "$top/tests/compare/test_labtrace.py" || rc=1
	python3 "$top/tests/compare/test_chart.py" || rc=1
	return "$rc"
}

# kernel-6.12 in the background: kernel_bg_start, then (in this shell:
# group runs its command in a pipeline) kernel_bg_wait.
bg_pid=
bg=$logs/kernel-6.12.bg
kernel_bg_start() {
	echo "== kernel-6.12 (prepared here; the build goes on in the background)"
	rm -f "$bg.rc"
	if ! KVER=6.12 KERNEL_PREPARE_ONLY=1 "$top/userspace/build/kernel.sh" >"$bg" 2>&1; then
		cat "$bg"
		echo "FAIL 6.12/kernel-build: the 6.12 tree could not be prepared" | tee -a "$logs/results"
		return
	fi
	(nice -n 19 env KVER=6.12 "$top/userspace/build/kernel.sh" >>"$bg" 2>&1
	 echo $? >"$bg.rc") &
	bg_pid=$!
	bg_t0=$SECONDS
	echo "progress: the 6.12 kernel builds in the background (build/test-logs/kernel-6.12.bg)"
}
kernel_bg_report() {
	grep -v '^progress: ' "$bg"
	if [ "$(cat "$bg.rc" 2>/dev/null)" = 0 ]; then
		echo "PASS 6.12/kernel-build"
	else
		echo "FAIL 6.12/kernel-build (build/test-logs/kernel-6.12.bg)"
	fi
}
kernel_bg_wait() {
	local t0=$SECONDS
	[ -n "$bg_pid" ] || return 0
	wait "$bg_pid"
	bg_pid=
	echo "progress: waited $((SECONDS - t0)) s for the 6.12 kernel, $((SECONDS - bg_t0)) s after its build began"
	group kernel-6.12 kernel_bg_report
}

for g in $groups; do
	# A group that boots the 6.12 kernel waits for its background build.
	case $g in
	lab-6.12 | inspect) kernel_bg_wait ;;
	esac
	case $g in
	kernel) group kernel kernel_build 6.1 ;;
	kernel-6.12)
		if [ "${KERNEL_BG:-1}" != 0 ] && [[ " $groups " == *" lab "* ]]; then
			kernel_bg_start
		else
			group kernel-6.12 kernel_build 6.12
		fi
		;;
	unit) group unit make -s -C "$top/tests/unit" run ;;
	model) group model make -s -C "$top/tests/model" run ;;
	takeover) group takeover make -s -C "$top/tests/takeover" run ;;
	fuzz) group fuzz "$top/tests/fuzz/run.sh" ;;
	style) group style "$top/tests/style/checkpatch.sh" ;;
	patches) group patches env KVER=6.1 "$top/tests/patches/check.sh" ;;
	patches-6.12) group patches-6.12 env KVER=6.12 "$top/tests/patches/check.sh" ;;
	compare) group compare compare_checks ;;
	verdicts) group verdicts python3 "$top/tests/lab/test_verdicts.py" ;;
	lab) group lab "$top/tests/lab/run.sh" ;;
	lab-6.12) group lab-6.12 lab_6_12 ;;
	inspect) group inspect "$top/tests/inspect/run.sh" ;;
	*) echo "FAIL unknown-test-group-$g" | tee -a "$logs/results" ;;
	esac
done

kernel_bg_wait
passed=$(grep -c '^PASS ' "$logs/results")
failed=$(grep -c '^FAIL ' "$logs/results")
skipped=$(grep -c '^SKIP ' "$logs/results")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
