#!/bin/bash
# Lab tests of the capture kernel's retirement of taken-over entries
# (CONFIG_IOMMU_KDUMP_TAKEOVER) where Linux 6.1 attaches devices outside the
# boot-time probe, and on an entry the takeover must track although it has
# no domain id. Judged from the QEMU trace, from memory read through
# /proc/vmcore and from the dump, never from the capture kernel's log.
#
#   amd-hotadd, intel-hotadd
#       the first kernel copies the entry of an edu that is writing at the
#       crash (00:04.0) to devfn 00.0 behind a free hot-plug root port
#       (lab.corrupt=clone-slot): the capture kernel takes over an entry in
#       use for that slot. While the capture kernel runs, QMP device_add
#       plugs an edu into the port (tests/lab/qmp_hotadd.py, asked by
#       tests/lab/retire-capture.sh in the capture kernel); Linux 6.1's
#       iommu_probe_device() attached it at once, and on VT-d oopsed when
#       that was refused. Then the capture kernel's read-back binds
#       edu_dma to it. tests/lab/retire_trace.py: no translation of the
#       new device into capture-kernel memory before the secondary bus
#       reset of its port, at least one after it (the read-back), no fault
#       after it; the device's poke at the old IOVA, before any driver,
#       does not change the old page (/proc/vmcore).
#   amd-dom0
#       iommu=pt in both kernels, no crash-path quiesce; the first kernel
#       turns the crash-time writer's (00:09.0, no reset method)
#       pass-through DTE into IW only with DomainID 0 (lab.corrupt=dte-dom0).
#       The dump shows its crash-time write landed (the entry let it DMA);
#       the capture kernel must track the entry though it carries no domain
#       id: the old-IOVA poke does not land, and when edu_dma binds the
#       device, it gets a translated domain despite iommu=pt (it was only
#       stopped, not reset: tests/lab/hostile_trace.py sees its DMA moved).
# Every case also checks that no write turned translation off between the
# crash and the end of the capture, and that the capture completed.
#
# Environment: LAB_VENDORS, LAB_TIMEOUT, LAB_RESULTS as tests/lab/run.sh;
# LAB_RETIRE_TESTS: subset of "amd-hotadd intel-hotadd amd-dom0".
set -uo pipefail
# The other CPUs parked at the trigger, as in tests/lab/run.sh (LAB_PARK).
export LAB_PARK=${LAB_PARK:-1}
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/case.sh
. "$top/tests/lib/case.sh"
vendors=" ${LAB_VENDORS:-amd intel} "
tests=" ${LAB_RETIRE_TESTS:-amd-hotadd intel-hotadd amd-dom0} "
timeout=${LAB_TIMEOUT:-150}
# shellcheck source=../../userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
results=${LAB_RESULTS:-${BUILD:-$top/build}/lab$kver_sfx/test-results}
lab=${BUILD:-$top/build}/lab$kver_sfx
kver_case_names "$@"
mkdir -p "$results"

if ! "$top/userspace/lab/prepare.sh"; then
	echo "FAIL lab-retire-prepare: kernel, module or initramfs missing"
	exit 1
fi
if [ "$(nm "$lab/kernel/vmlinux" 2>/dev/null | grep -c ' T iommu_kdump_unit_publish$')" = 0 ]; then
	echo "FAIL lab-retire: the lab kernel has no CONFIG_IOMMU_KDUMP_TAKEOVER"
	exit 1
fi

j() { jq -r "$1" "$json" 2>/dev/null; }

# run VENDOR MODE STRATEGY [VAR=VALUE...]: one lab run under $results/$_case
# (a directory of its own: qmp_hotadd.py watches it); sets $out, $json.
# Checks the capture; returns 1 when there is no result.
run() {
	local v=$1 m=$2 s=$3 rc=0 parent=$results/$_case
	shift 3
	rm -rf "$parent"
	mkdir -p "$parent"
	out=$(env RESULTS="$parent" VENDOR="$v" MODE="$m" STRATEGY="$s" READER=-1 \
		LAB_TIMEOUT="$timeout" LAB_PREPARED=1 "$@" "$top/userspace/lab/run.sh" \
		2>"$parent.stderr" | tee "$parent.stdout" | tail -n 1) || rc=$?
	json=$out/result.json
	if [ ! -f "$json" ]; then
		notok run "no result (run.sh status $rc, see $parent.stderr)"
		return 1
	fi
	check capture "$([ "$(j '.capture.ok')" = true ]; echo $?)" \
		"capture failed: reached=$(j '.capture.reached') rc=$(j '.capture.dump_rc') error=$(j '.capture.error')"
	check first-kernel "$([ "$(j '.first_kernel.error')" = null ]; echo $?)" \
		"first kernel: $(j '.first_kernel.error')"
	check corruption-applied "$(grep -q '^corrupt=' "$out/first.status"; echo $?)" \
		"the first kernel did not apply lab.corrupt (see first.status)"
	return 0
}

# window VENDOR: no write turning translation off from the trigger to the
# end of the capture, and the event is traced at all.
window() {
	local before off
	read -r before _ off < <(python3 "$top/tests/lab/translation_window.py" "$out" "$1")
	check trace-has-enable-events "$([ "${before:-0}" -gt 0 ]; echo $?)" \
		"no translation-enable event traced before the crash (oracle missing)"
	check translation-never-off "$([ "${off:-1}" = 0 ]; echo $?)" \
		"translation turned off ${off:-?} time(s) between the crash and the end of the capture"
}

tv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $trace" | head -n 1; }

# hotadd VENDOR: the hot-add case on one vendor.
hotadd() {
	local v=$1 src=0000:00:04.0 port=0000:00:0a.0 qmp helper dev ran
	# Native PCIe hot-plug (pciehp: the lab kernel has no ACPI PCI hot-plug,
	# and no ASPM, so _OSC gives it no control unless pcie_ports=native).
	local hp="-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off
		-device pcie-root-port,id=rph,bus=pcie.0,addr=0xa,chassis=2"
	case_begin "lab-$v-retire-hotadd"
	qmp=$(mktemp -d /tmp/lab-qmp.XXXXXX)
	mkdir -p "$results/$_case"
	python3 "$top/tests/lab/qmp_hotadd.py" "$qmp/sock" "$results/$_case" rph "$timeout" \
		>"$results/$_case.qmp" 2>&1 &
	helper=$!
	run "$v" translated write LAB_TRACE_EXTRA="pci_cfg_write amdvi_control_status" \
		LAB_QEMU_EXTRA="$hp -qmp unix:$qmp/sock,server=on,wait=off" \
		LAB_CAPTURE_HOOK="$top/tests/lab/retire-capture.sh" \
		"LAB_APPEND=lab.corrupt=clone-slot,$src,$port" \
		"CAPTURE_APPEND=lab.hotadd=$port,$src pcie_ports=native"
	ran=$?
	kill "$helper" 2>/dev/null
	wait "$helper" 2>/dev/null
	rm -rf "$qmp"
	[ "$ran" = 0 ] || { case_end; return; }
	window "$v"
	hk() { sed -n "s/^hotadd: .*$1=\([^ ]*\).*/\1/p" "$out/capture-hook.log" 2>/dev/null | head -n 1; }
	dev=$(hk dev)
	check hook-ran "$(grep -q '^hotadd: done' "$out/capture-hook.log" 2>/dev/null; echo $?)" \
		"the capture-side step did not finish: $(tr '\n' ' ' <"$out/capture-hook.log" 2>/dev/null | head -c 300)"
	trace=$(python3 "$top/tests/lab/retire_trace.py" "$out" "$v" "$port" "${dev:-0000:ff:1f.7}")
	check device-added "$([ "$(tv result)" = ok ] && [ -n "$(hk appeared_s)" ]; echo $?)" "$trace"
	# Linux's own view (sysfs iommu_group): Linux 6.1 attached at once and,
	# the attach refused, removed the device from its group: it then
	# did DMA outside any domain (issue 19 item 1).
	check in-iommu-group "$([ -n "$(hk group)" ]; echo $?)" \
		"the hot-added device has no IOMMU group (sysfs): it was removed from it when its attach failed"
	check old-page-untouched "$([ -n "$(hk peek0)" ] && [ "$(hk peek1)" = "$(hk peek0)" ]; echo $?)" \
		"last word of the old page around the new device's poke at the old IOVA: $(hk peek0) -> $(hk peek1)"
	check reset-after-hot-add "$([ "$(tv sbr)" -gt 0 ]; echo $?)" "$trace"
	check no-capture-memory-before-reset "$([ "$(tv before_ck)" = 0 ]; echo $?)" "$trace"
	check own-domain-after-reset "$([ "$(tv after_ck)" -gt 0 ]; echo $?)" "$trace"
	check no-fault-after-reset "$([ "$(tv faults)" = 0 ]; echo $?)" "$trace"
	case_end "$trace"
}

# The old-domain test's results (userspace/lab/takeover-capture.sh).
tk() { sed -n "s/.*takeover: .*$1=\([^ ]*\).*/\1/p" "$out/takeover.log" 2>/dev/null | head -n 1; }

case_amd_dom0() {
	local dev=0000:00:09.0
	case_begin lab-amd-retire-dom0
	run amd pt off LAB_TRACE_EXTRA=amdvi_control_status \
		"LAB_APPEND=lab.corrupt=dte-dom0,$dev lab.takeover=$dev" || { case_end; return; }
	window amd
	check crash-write-landed "$([ "$(j ".buffers[] | select(.dev == \"$dev\") | .verdict")" = landed ]; echo $?)" \
		"the dump does not show the crash-time write of $dev through its DomainID-0 entry: $(j ".buffers[] | select(.dev == \"$dev\") | .verdict")"
	check takeover-test-ran "$(grep -q 'takeover: done' "$out/takeover.log" 2>/dev/null; echo $?)" \
		"the capture-side test did not run: $(tr '\n' ' ' <"$out/takeover.log" 2>/dev/null | head -c 200)"
	trace=$(python3 "$top/tests/lab/hostile_trace.py" "$out" amd "$dev" "$(tk iova)")
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

want() { [[ "$tests" == *" $1 "* ]] && [[ "$vendors" == *" ${1%%-*} "* ]]; }

want amd-hotadd && hotadd amd
want intel-hotadd && hotadd intel
want amd-dom0 && case_amd_dom0
[ "$case_failures" = 0 ]
