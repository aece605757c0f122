#!/bin/bash
# Lab tests of the capture-kernel takeover on hostile old state
# (CONFIG_IOMMU_KDUMP_TAKEOVER, drivers/iommu/kdump_*.c and the vendors'
# kdump*.c). Each is judged from the QEMU trace and memory contents, never
# from the capture kernel's log: tests/lab/hostile_trace.py reads the
# trace, tests/lab/translation_window.py the translation-enable writes,
# and the old-domain test of the capture kernel's userspace
# (userspace/lab/takeover-capture.sh, lab.takeover=BDF) pokes the edu
# through its BAR, before any capture-kernel driver touches it, at the
# IOVA of its crash-time write, and reads the target page through
# /proc/vmcore (peek0..2).
#
#   amd-v0-root     the first kernel makes the crash-time writer's DTE
#                   not valid (V=0) with a page-table root in the
#                   crashkernel region (lab.corrupt=dte-v0-root). Linux
#                   6.1's init_device_table_dma() sets V and TV in every
#                   entry the takeover installs: the capture kernel must
#                   have replaced that one by a blocking entry, so the
#                   device's DMA at its old IOVA is never walked through
#                   the crashkernel region (no fault, no translation
#                   elsewhere, no target in the region) and lands nowhere.
#   amd-pt-no-reset first kernel iommu=pt, no crash-path quiesce, capture
#                   kernel iommu=pt too; the writer (00:09.0, on the root
#                   bus) has no reset method. Its copied pass-through DTE
#                   must lose write permission: the old IOVA (a physical
#                   address) is not written, before or after the failed
#                   sysfs reset; when edu_dma binds it, it is stopped and
#                   gets a translated domain despite iommu=pt (its DMA
#                   then translates elsewhere), and its read-back works.
#   intel-pt        VT-d, first kernel iommu=pt, no crash-path quiesce:
#                   the copied pass-through context entry must translate
#                   through a read-only identity table: the write to the
#                   old IOVA faults (vtd_dmar_fault) and lands nowhere;
#                   after a bus reset the identity domain may write.
# Every case also checks that no write turned translation off between the
# crash and the end of the capture, and that the capture completed.
#
# Environment: LAB_VENDORS, LAB_TIMEOUT, LAB_RESULTS as tests/lab/run.sh;
# LAB_HOSTILE_TESTS: subset of "amd-v0-root amd-pt-no-reset intel-pt".
set -uo pipefail
# The other CPUs parked at the trigger, as in tests/lab/run.sh (LAB_PARK).
export LAB_PARK=${LAB_PARK:-1}
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/case.sh
. "$top/tests/lib/case.sh"
vendors=" ${LAB_VENDORS:-amd intel} "
tests=" ${LAB_HOSTILE_TESTS:-amd-v0-root amd-pt-no-reset intel-pt} "
timeout=${LAB_TIMEOUT:-150}
# shellcheck source=../../userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
results=${LAB_RESULTS:-${BUILD:-$top/build}/lab$kver_sfx/test-results}
lab=${BUILD:-$top/build}/lab$kver_sfx
kver_case_names "$@"
mkdir -p "$results"

if ! "$top/userspace/lab/prepare.sh"; then
	echo "FAIL lab-hostile-prepare: kernel, module or initramfs missing"
	exit 1
fi
if [ "$(nm "$lab/kernel/vmlinux" 2>/dev/null | grep -c ' T iommu_kdump_unit_publish$')" = 0 ]; then
	echo "FAIL lab-hostile: the lab kernel has no CONFIG_IOMMU_KDUMP_TAKEOVER"
	exit 1
fi

j() { jq -r "$1" "$json" 2>/dev/null; }

# run VENDOR MODE STRATEGY [VAR=VALUE...]: one lab run; sets $out, $json.
# Checks the capture (row "capture"); returns 1 when there is no result.
run() {
	local v=$1 m=$2 s=$3 rc=0
	shift 3
	out=$(env RESULTS="$results" VENDOR="$v" MODE="$m" STRATEGY="$s" READER=-1 \
		LAB_TIMEOUT="$timeout" LAB_PREPARED=1 "$@" "$top/userspace/lab/run.sh" \
		2>"$results/$_case.stderr" | tee "$results/$_case.stdout" | tail -n 1) || rc=$?
	json=$out/result.json
	if [ ! -f "$json" ]; then
		notok run "no result (run.sh status $rc, see $results/$_case.stderr)"
		return 1
	fi
	check capture "$([ "$(j '.capture.ok')" = true ]; echo $?)" \
		"capture failed: reached=$(j '.capture.reached') rc=$(j '.capture.dump_rc') error=$(j '.capture.error')"
	check first-kernel "$([ "$(j '.first_kernel.error')" = null ]; echo $?)" \
		"first kernel: $(j '.first_kernel.error')"
	return 0
}

# window VENDOR: no write turning translation off from the trigger to the
# end of the capture, and the event is traced at all.
window() {
	local before on off
	read -r before on off < <(python3 "$top/tests/lab/translation_window.py" "$out" "$1")
	check trace-has-enable-events "$([ "${before:-0}" -gt 0 ]; echo $?)" \
		"no translation-enable event traced before the crash (oracle missing)"
	check translation-never-off "$([ "${off:-1}" = 0 ]; echo $?)" \
		"translation turned off ${off:-?} time(s) between the crash and the end of the capture"
}

# The old-domain test's results (userspace/lab/takeover-capture.sh).
tk() { sed -n "s/.*takeover: .*$1=\([^ ]*\).*/\1/p" "$out/takeover.log" 2>/dev/null | head -n 1; }
tv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $trace" | head -n 1; }

# hostile_trace VENDOR BDF IOVA: the trace's account (tests/lab/
# hostile_trace.py) into $trace; a trace without the crashkernel line or
# the console markers fails the row "trace-readable".
hostile_trace() {
	local rc=0
	trace=$(python3 "$top/tests/lab/hostile_trace.py" "$out" "$@" 2>"$out/hostile-trace.err") || rc=$?
	check trace-readable "$rc" "hostile_trace.py exited $rc: $(cat "$out/hostile-trace.err")"
}

# poke_fired N: the trace shows the device's DMA at its old IOVA inside
# the capture-side test's poke N (a translation or a fault).
poke_fired() {
	check "poke$1-fired-in-trace" "$([ "$(tv "poke$1_dma")" -ge 1 ] 2>/dev/null; echo $?)" \
		"no DMA of the device at its old IOVA traced inside poke $1: $trace"
}

# takeover_ran: the capture-side test ran and its DMA pokes were issued.
takeover_ran() {
	check takeover-test-ran "$(grep -q 'takeover: done' "$out/takeover.log" 2>/dev/null; echo $?)" \
		"the capture-side test did not run: $(tr '\n' ' ' <"$out/takeover.log" 2>/dev/null | head -c 200)"
	check old-iova-poke-issued "$([ "$(tk dma1_rc)" = 0 ]; echo $?)" "dma1_rc=$(tk dma1_rc)"
}

case_amd_v0_root() {
	local dev=0000:00:09.0
	case_begin lab-amd-hostile-v0-root
	# No crash-path quiesce: it would rewrite the V=0 DTE itself (V=1
	# TV=1 Mode 0, words 1-3 zero) and the capture kernel would never see it.
	run amd translated off LAB_TRACE_EXTRA=amdvi_control_status \
		"LAB_APPEND=lab.corrupt=dte-v0-root,$dev lab.takeover=$dev" || { case_end; return; }
	window amd
	takeover_ran
	hostile_trace amd "$dev" "$(tk iova)"
	# The crash-time write (untranslated: V=0) and the poke at least.
	check old-iova-dma-traced "$([ "$(tv xlate)" -ge 2 ]; echo $?)" "$trace"
	poke_fired 1
	check no-walk-through-crashkernel-root \
		"$([ "$(tv fault)" = 0 ] && [ "$(tv moved)" = 0 ]; echo $?)" "$trace"
	check nothing-in-crashkernel "$([ "$(tv ck)" = 0 ]; echo $?)" "$trace"
	check old-page-untouched "$([ -n "$(tk peek0)" ] && [ "$(tk peek1)" = "$(tk peek0)" ] &&
		[ "$(tk peek2)" = "$(tk peek0)" ]; echo $?)" \
		"last word of the old page: $(tk peek0) $(tk peek1) $(tk peek2)"
	case_end "$trace"
}

case_amd_pt_no_reset() {
	local dev=0000:00:09.0
	case_begin lab-amd-hostile-pt-no-reset
	run amd pt off LAB_TRACE_EXTRA=amdvi_control_status "LAB_APPEND=lab.takeover=$dev" ||
		{ case_end; return; }
	window amd
	takeover_ran
	hostile_trace amd "$dev" "$(tk iova)"
	poke_fired 1
	poke_fired 2
	check no-reset-method "$([ "$(tk reset_rc)" != 0 ]; echo $?)" \
		"sysfs reset of $dev succeeded (reset_rc=$(tk reset_rc)): the scenario needs a device without one"
	check old-iova-write-blocked "$([ -n "$(tk peek0)" ] && [ "$(tk peek1)" = "$(tk peek0)" ] &&
		[ "$(tk peek2)" = "$(tk peek0)" ]; echo $?)" \
		"last word of the old page (iommu=pt: the IOVA is its address): $(tk peek0) $(tk peek1) $(tk peek2)"
	check nothing-in-crashkernel "$([ "$(tv ck)" = 0 ]; echo $?)" "$trace"
	check translated-domain-despite-pt "$([ "$(tv late_moved)" -gt 0 ]; echo $?)" "$trace"
	check capture-dma "$([ "$(j '.capture_device_dma')" = ok ]; echo $?)" \
		"capture DMA $(j '.capture_device_dma')"
	case_end "$trace"
}

case_intel_pt() {
	local dev=0000:01:00.0 c p want2
	case_begin lab-intel-hostile-pt
	run intel pt off READER=0 "LAB_APPEND=lab.takeover=$dev" || { case_end; return; }
	window intel
	takeover_ran
	hostile_trace intel "$dev" "$(tk iova)"
	check old-iova-write-faulted "$([ "$(tv poke1_fault)" -gt 0 ]; echo $?)" "$trace"
	check old-iova-write-blocked "$([ -n "$(tk peek0)" ] && [ "$(tk peek1)" = "$(tk peek0)" ]; echo $?)" \
		"last word of the old page before the reset: $(tk peek0) -> $(tk peek1)"
	check bus-reset "$([ "$(tk reset_rc)" = 0 ]; echo $?)" "reset_rc=$(tk reset_rc)"
	# After the reset the identity domain may write: the poke's upper
	# pattern half lands in the high half of the last word.
	c=$(tk canary) p=$(tk pattern)
	want2=
	[ -n "$c" ] && [ -n "$p" ] &&
		want2=$(printf '0x%016x' $(((p & ~0xffffffff) | ($(tk peek1) & 0xffffffff))))
	check identity-after-reset "$([ -n "$want2" ] && [ "$(tk peek2)" = "$want2" ]; echo $?)" \
		"last word after the reset: $(tk peek2), want $want2"
	check capture-dma "$([ "$(j '.capture_device_dma')" = ok ]; echo $?)" \
		"capture DMA $(j '.capture_device_dma')"
	case_end "$trace"
}

want() {
	[[ "$tests" == *" $1 "* ]] && [[ "$vendors" == *" ${1%%-*} "* ]] && return 0
	skip "lab-hostile-$1" "not in LAB_HOSTILE_TESTS / LAB_VENDORS"
	return 1
}

want amd-v0-root && case_amd_v0_root
want amd-pt-no-reset && case_amd_pt_no_reset
want intel-pt && case_intel_pt
[ "$case_failures" = 0 ]
