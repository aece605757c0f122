#!/bin/bash
# Lab tests of the capture-kernel takeover (CONFIG_IOMMU_KDUMP_TAKEOVER,
# drivers/iommu/kdump_retire.c and the vendors' kdump.c), run by
# tests/lab/run.sh after its matrix (whose results it also reads). For each
# vendor:
#   retired      in the matrix's pass-through run with a write-revoking
#                crash path, the capture kernel replaced the copied entry of
#                every edu it bound (its own DMA then works: the matrix's
#                capture-dma check) and logged how;
#   attach       iommu_kdump_retire=attach keeps Linux 6.1's behaviour: with
#                iommu=pt and crash_dma_quiesce=write the capture kernel's
#                own DMA through a quiesced edu stays blocked, no entry is
#                replaced;
#   stock        crash_dma_quiesce=off iommu_kdump_retire=attach behaves
#                like Linux 6.1: the crash write lands, the capture works;
#   olddomain    from the capture kernel's userspace (no driver bound), an
#                edu behind a bridge writes to its old IOVA: blocked after
#                the crash-path quiesce, landed without it (the control;
#                on AMD blocked there too: the bridge's shared entry is
#                blocked when its driver binds before the edu's reset);
#                after a sysfs bus reset its copied entry is retired, the
#                old IOVA no longer translates and the old domain id is
#                released (debugfs iommu_kdump/state);
#   bringup      the same with crash_dma_quiesce=off and the capture
#                kernel's iommu_kdump_quiesce=1 (translated and pt);
#   corrupt      the first kernel corrupts a DTE page-table root or the
#                device table size (AMD), a context-table pointer or a
#                second-level root (VT-d) just before the crash
#                (CONFIG_IOMMU_KDUMP_TEST): the capture kernel rejects
#                exactly that, the QEMU trace shows no write turning
#                translation off between the crash and the end of the
#                capture, and the capture and its DMA work. The trace
#                oracle is itself checked on a crash_dma_quiesce=disable
#                crash.
# Prints one "PASS name" / "FAIL name: detail" / "SKIP name: reason" line
# per test case; exits non-zero when a case failed.
#
# VT-d in scalable mode too (lab-intel-sm-takeover-*: olddomain, bringup,
# corrupt), unless LAB_VTD_MODES leaves "scalable" out.
#
# Environment: LAB_VENDORS, LAB_VTD_MODES, LAB_TIMEOUT, LAB_RESULTS as
# tests/lab/run.sh;
# LAB_TAKEOVER_TESTS: subset of "retired attach stock olddomain bringup
# corrupt" (default all).
set -uo pipefail
# The other CPUs parked at the trigger, as in tests/lab/run.sh (LAB_PARK).
export LAB_PARK=${LAB_PARK:-1}
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/case.sh
. "$top/tests/lib/case.sh"
# fail "NAME: detail": one failed test case.
fail() {
	echo "FAIL $1"
	case_failures=$((case_failures + 1))
}
vendors=${LAB_VENDORS:-amd intel}
tests=" ${LAB_TAKEOVER_TESTS:-retired attach stock olddomain bringup corrupt} "
timeout=${LAB_TIMEOUT:-150}
# shellcheck source=../../userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
results=${LAB_RESULTS:-${BUILD:-$top/build}/lab$kver_sfx/test-results}
lab=${BUILD:-$top/build}/lab$kver_sfx
kver_case_names "$@"
mkdir -p "$results"

if ! "$top/userspace/lab/prepare.sh"; then
	fail "lab-takeover-prepare: kernel, module or initramfs missing"
	exit 1
fi
if [ "$(nm "$lab/kernel/vmlinux" 2>/dev/null | grep -c ' T iommu_kdump_unit_publish$')" = 0 ]; then
	fail "lab-takeover: the lab kernel has no CONFIG_IOMMU_KDUMP_TAKEOVER"
	exit 1
fi

j() { jq -r "$1" "$json" 2>/dev/null; }
tv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $trace" | head -n 1; }

# run NAME VENDOR MODE STRATEGY [VAR=VALUE...]: one lab run with the
# given environment (CAPTURE_APPEND, LAB_APPEND, ...); sets $out (its
# directory) and $json, or prints a FAIL and returns 1.
run() {
	local name=$1 v=$2 m=$3 s=$4 rc=0
	shift 4
	echo "progress: lab run $name"
	out=$(env RESULTS="$results" VENDOR="$v" MODE="$m" STRATEGY="$s" READER=1 VTD_MODE=legacy \
		LAB_TIMEOUT="$timeout" LAB_PREPARED=1 "$@" "$top/userspace/lab/run.sh" \
		2>"$results/$name.stderr" | tee "$results/$name.stdout" | tail -n 1) || rc=$?
	json=$out/result.json
	if [ ! -f "$json" ]; then
		fail "$name: no result (run.sh status $rc, see $results/$name.stderr)"
		return 1
	fi
	if [ "$(j '.capture.ok')" != true ]; then
		fail "$name: capture failed: reached=$(j '.capture.reached') makedumpfile rc=$(j '.capture.dump_rc') error=$(j '.capture.error')"
		return 1
	fi
	return 0
}

# Copied entries of the edu devices replaced when edu_dma bound them.
check_retired() { # vendor
	local v=$1 name="lab-$1-takeover-retired" d log miss=
	if [ ! -f "$results/lab-$v-pt-write.stdout" ]; then
		skip "$name" "the matrix ran no $v-pt-write run (LAB_MODES / LAB_STRATEGIES)"
		return
	fi
	d=$(tail -n 1 "$results/lab-$v-pt-write.stdout" 2>/dev/null)
	log=$d/capture-dmesg.txt
	if [ ! -f "$log" ]; then
		fail "$name: the matrix's $v-pt-write run left no capture log ($d)"
		return
	fi
	for dev in $(sed -n 's/.*edu_dma: dev=\([0-9a-f:.]*\) index=.*/\1/p' \
		"$d/crashed-dmesg.txt" | sort -u); do
		grep -qE "iommu kdump: [a-z0-9.-]+: (copied|blocking) entry of $dev replaced" "$log" ||
			miss="$miss $dev"
	done
	if [ -n "$miss" ]; then
		fail "$name: no replacement logged for$miss"
	elif ! grep -q "iommu kdump: .* retire=reset" "$log"; then
		fail "$name: the capture kernel did not take the tables over"
	else
		echo "PASS $name ($(grep -c 'iommu kdump: .* replaced' "$log") entries replaced)"
	fi
}

check_retire_attach() { # vendor
	local v=$1 name="lab-$1-takeover-retire-attach-keeps-6.1"
	run "$name" "$v" pt write CAPTURE_APPEND=iommu_kdump_retire=attach || return
	if [ "$(j '.capture_device_dma')" != failed ]; then
		fail "$name: capture DMA through the quiesced edu is $(j '.capture_device_dma'), want failed as in Linux 6.1"
	elif grep -q 'iommu kdump: .* replaced' "$out/capture-dmesg.txt"; then
		fail "$name: entries were replaced: $(grep -m1 'iommu kdump: .* replaced' "$out/capture-dmesg.txt")"
	else
		echo "PASS $name (capture DMA blocked, no entry replaced)"
	fi
}

check_stock() { # vendor
	local v=$1 name="lab-$1-takeover-off-attach-like-6.1" wv
	run "$name" "$v" translated off CAPTURE_APPEND=iommu_kdump_retire=attach || return
	wv=$(j '[.buffers[] | select(.role == "write")][0].verdict')
	if [ "$wv" != landed ]; then
		fail "$name: crash write verdict $wv, want landed"
	elif [ "$(j '.capture_device_dma')" != ok ]; then
		fail "$name: capture DMA $(j '.capture_device_dma'), want ok"
	else
		echo "PASS $name (write landed, capture and its DMA ok)"
	fi
}

# From the trigger (last write of first.status) to the end of the capture
# (last write of capture.status), the QEMU trace must show no write that
# turns translation off: AMD amdvi_control_status (the Control Register
# value of every write) with IommuEn (bit 0) clear, VT-d vtd_dmar_enable
# (TE changes) "enable 0". Prints "before on off": events before the
# trigger (the event is traced at all) and in the window with translation
# on / off.
window() {
	python3 "$top/tests/lab/translation_window.py" "$out" "$1"
}

# check_corrupt VENDOR MODE CMD WANT: the first kernel corrupts its live
# IOMMU state with CMD just before the crash; the capture kernel must log
# exactly the rejection WANT (an extended regex), keep translation on, and
# complete the capture with working DMA of its own.
check_corrupt() { # vendor mode cmd want [VTD_MODE=scalable]
	local v=$1 m=$2 cmd=$3 want=$4 name w before on off lines
	shift 4
	name="lab-$v${1:+-sm}-takeover-corrupt-${cmd%%,*}"
	run "$name" "$v" "$m" write "LAB_APPEND=lab.corrupt=$cmd" \
		LAB_TRACE_EXTRA=amdvi_control_status "$@" || return
	if [ "$(j '.first_kernel.error')" != null ]; then
		fail "$name: first kernel: $(j '.first_kernel.error')"
		return
	fi
	lines=$(grep -E 'iommu kdump: .*(not copied|not usable)' "$out/capture-dmesg.txt")
	read -r before on off < <(window "$v")
	if [ "$(printf '%s\n' "$lines" | grep -c .)" != 1 ] ||
		! printf '%s\n' "$lines" | grep -qE "$want"; then
		fail "$name: rejections logged: ${lines:-none}; want exactly one matching '$want'"
	elif [ "${before:-0}" = 0 ]; then
		fail "$name: no translation-enable event in the trace at all (oracle missing)"
	elif [ "${off:-1}" != 0 ]; then
		fail "$name: translation turned off $off time(s) between the crash and the end of the capture"
	elif [ "$v" = amd ] && [ "${on:-0}" = 0 ]; then
		fail "$name: no Control Register write traced after the crash (oracle missing)"
	elif [ "$(j '.capture_device_dma')" != ok ]; then
		fail "$name: capture DMA $(j '.capture_device_dma'), want ok"
	else
		w=$(printf '%s\n' "$lines" | sed 's/.*iommu kdump: //')
		echo "PASS $name ($w; translation on through the capture: $on enabling writes, 0 disabling)"
	fi
}

want() { # test [vendor]: whether to run it; else a SKIP line
	[[ "$tests" == *" $1 "* ]] && return 0
	skip "lab-${2:+$2-}takeover-$1" "not in LAB_TAKEOVER_TESTS"
	return 1
}

# check_old_domain NAME VENDOR MODE STRATEGY LANDS [VAR=VALUE...]: the
# old-domain DMA test from the capture kernel's userspace
# (userspace/lab/takeover-capture.sh) on the second edu, the crash-time
# writer (READER=0), behind a bridge (AMD: LAB_EDU1_BRIDGE) so that a bus
# reset can reset it. Before the reset its write to the old IOVA lands iff
# LANDS=1 (no quiesce); the sysfs reset retires the copied entry. After
# it, in a translated domain (MODE=translated) the old IOVA no longer
# translates and the old domain id is released; in an identity domain
# (MODE=pt, where the IOVA is the physical address) the write lands and
# the capture kernel's own DMA works.
check_old_domain() {
	local name=$1 v=$2 m=$3 s=$4 lands=$5 dev=0000:01:00.0 tl c p p0 p1 p2
	local want1 want2 before after did unit nodid= tdev=0000:01:00.0
	shift 5
	# AMD: QEMU issues the DMA of a device behind a conventional PCI-PCI
	# bridge with the bridge's requester id (00:09.0): the trace names it.
	[ "$v" = amd ] && tdev=0000:00:09.0
	# Scalable mode: a pass-through PASID entry carries FLPT_DEFAULT_DID,
	# the capture kernel's own domain id: there is no old id to release.
	[ "$m" = pt ] && [[ " $* " == *" VTD_MODE=scalable "* ]] && nodid=1
	run "$name" "$v" "$m" "$s" READER=0 LAB_EDU1_BRIDGE=1 \
		"LAB_APPEND=lab.takeover=$dev" "$@" || return
	tl=$out/takeover.log
	val() { sed -n "s/.*takeover: .*$1=\([^ ]*\).*/\1/p" "$tl" | head -n 1; }
	c=$(val canary) p=$(val pattern) p0=$(val peek0) p1=$(val peek1) p2=$(val peek2)
	if [ -z "$c" ] || [ -z "$p2" ] || ! grep -q 'takeover: done' "$tl"; then
		fail "$name: the capture-side test did not run: $(tr '\n' ' ' <"$tl" 2>/dev/null | head -c 300)"
		return
	fi
	# Each poke copies the pattern's upper half (which differs from the
	# canary's): the first into the low half of the last word, the second
	# into its high half.
	if [ "$lands" = 1 ]; then
		want1=$(printf '0x%016x' $(((c & ~0xffffffff) | ((p >> 32) & 0xffffffff))))
	else
		want1=$c
	fi
	want2=$want1
	[ "$m" = pt ] && want2=$(printf '0x%016x' $(((p & ~0xffffffff) | (want1 & 0xffffffff))))
	before=$out/takeover-state-before.txt after=$out/takeover-state-after.txt
	read -r unit did < <(sed -n "s/^entry \([^ ]*\) $dev copied did \(0x[0-9a-f]*\).*/\1 \2/p" "$before")
	if [ -n "$nodid" ] && [ -z "$unit" ]; then
		unit=$(sed -n "s/^entry \([^ ]*\) $dev copied\( reset .*\)\?$/\1/p" "$before")
		[ -n "$unit" ] && did=none
	fi
	if [ "$p0" != "$c" ]; then
		fail "$name: old page's last word $p0 before the test, want the canary $c"
	elif [ "$p1" != "$want1" ]; then
		fail "$name: write to the old IOVA before the reset: last word $p1, want $want1 ($([ "$lands" = 1 ] && echo landed || echo blocked))"
	elif [ "$(val reset_rc)" != 0 ]; then
		fail "$name: sysfs reset failed: $(cat "$out/takeover-reset.err" 2>/dev/null)"
	elif [ "$p2" != "$want2" ]; then
		fail "$name: write to the old IOVA after the reset: last word $p2, want $want2 ($([ "$m" = pt ] && echo "landed: identity domain" || echo "not translated"))"
	elif [ -z "$did" ]; then
		fail "$name: debugfs before the reset lists no copied entry of $dev"
	elif [ "$did" = none ] && ! grep -qE "^entry $unit $dev retired reset [a-z_]+ after reset" "$after"; then
		fail "$name: debugfs after the reset: $(grep " $dev " "$after")"
	elif [ "$did" != none ] && ! grep -qE "^entry $unit $dev retired did $did reset [a-z_]+ after reset" "$after"; then
		fail "$name: debugfs after the reset: $(grep " $dev " "$after")"
	elif [ "$m" = translated ] &&
		! grep -qE "^did $unit $did released users 0 by [0-9a-f:.]+ after reset" "$after"; then
		fail "$name: old domain id $did not released: $(grep "^did $unit $did " "$after")"
	elif [ "$(j '.capture_device_dma')" != ok ]; then
		fail "$name: capture DMA $(j '.capture_device_dma'), want ok"
	elif ! trace=$(python3 "$top/tests/lab/hostile_trace.py" "$out" "$v" "$tdev" "$(val iova)" \
		2>"$out/hostile-trace.err"); then
		fail "$name: the trace cannot be read: $(cat "$out/hostile-trace.err")"
	elif [ "$(tv poke1_dma)" -lt 1 ] || { [ "$(tv poke2_dma)" -lt 1 ] && [ "$v" = intel ] && [ "$m" != pt ]; }; then
		# Poke 2 (after the reset) is required in the trace on VT-d in a
		# translated domain only. VT-d identity domain: the device is on
		# QEMU's untraced bypass, the old page shows the write. AMD: no
		# DMA of the device behind the bridge reaches the IOMMU after the
		# bus reset (not one event in the trace; lab runs of issue 21),
		# so "not translated after" rests on the old page alone there.
		fail "$name: the trace shows no DMA of $tdev at its old IOVA inside each poke: $trace"
	elif [ "$lands" = 0 ] && [ "$v" != amd ] && [ "$(tv poke1_fault)" -lt 1 ]; then
		# (AMD: the poke reaches the IOMMU under the bridge's DeviceID,
		# whose entry is blocking, V=1 TV=1 Mode 0 IR=IW=0; QEMU 7.2
		# refuses that without a fault event. The DMA event above and
		# the old page unchanged are the evidence.)
		fail "$name: the poke before the reset did not land, yet the trace shows no fault: $trace"
	elif [ "$lands" = 1 ] && [ "$(tv poke1_fault)" != 0 ]; then
		fail "$name: the poke before the reset landed, yet the trace shows a fault: $trace"
	elif [ "$v" = intel ] && [ "$m" = translated ] && [ "$(tv poke2_fault)" -lt 1 ]; then
		fail "$name: after the reset the old IOVA still translates (no fault traced): $trace"
	elif [ "$m" = translated ]; then
		echo "PASS $name (old IOVA write $([ "$lands" = 1 ] && echo landed || echo blocked) before the $(val reset_method) reset ($(tv poke1_dma) DMA event(s), $(tv poke1_fault) fault(s) in the trace), $([ "$(tv poke2_dma)" -ge 1 ] && echo "faulted after ($(tv poke2_fault) fault(s))" || echo "after it no DMA reached the IOMMU, old page unchanged"); entry retired, old domain id $did released)"
	else
		echo "PASS $name (write $([ "$lands" = 1 ] && echo landed || echo blocked) before the $(val reset_method) reset, landed after it through the identity domain; entry retired)"
	fi
}

# The window oracle itself: crash_dma_quiesce=disable turns translation
# off at the crash, which it must see.
check_window_oracle() { # vendor
	local v=$1 name="lab-$1-takeover-window-oracle-sees-disable" before on off
	run "$name" "$v" translated disable LAB_TRACE_EXTRA=amdvi_control_status || return
	read -r before on off < <(window "$v")
	if [ "${off:-0}" -gt 0 ]; then
		echo "PASS $name ($off disabling writes seen after the crash)"
	else
		fail "$name: the trace shows no disabling write after a crash_dma_quiesce=disable crash (before=$before on=$on)"
	fi
}

for v in $vendors; do
	want retired "$v" && check_retired "$v"
	want attach "$v" && check_retire_attach "$v"
	want stock "$v" && check_stock "$v"
	if want olddomain "$v"; then
		check_old_domain "lab-$v-takeover-old-domain" "$v" translated write 0
		# AMD: the edu sits behind a conventional PCI bridge (00:09.0,
		# 1b36:0001) and its DMA carries the bridge's DeviceID. The
		# bridge's driver binds before the edu was reset: the takeover
		# refuses that attach and blocks the shared entry (issue 19), so
		# even without the crash-path quiesce the old IOVA write must not
		# land there. VT-d keeps the old domain until the reset.
		if [ "$v" = amd ]; then
			check_old_domain "lab-$v-takeover-old-domain-control" "$v" translated off 0
		else
			check_old_domain "lab-$v-takeover-old-domain-control" "$v" translated off 1
		fi
	fi
	if want bringup "$v"; then
		check_old_domain "lab-$v-takeover-bringup" "$v" translated off 0 \
			CAPTURE_APPEND=iommu_kdump_quiesce=1
		check_old_domain "lab-$v-takeover-bringup-pt" "$v" pt off 0 \
			CAPTURE_APPEND=iommu_kdump_quiesce=1
	fi
done
# VT-d in scalable mode (kdump_sm.c): the same old-domain, bring-up and
# corruption tests. A corrupt context-table pointer loses the 128 devices
# of its root entry half; a corrupt second-level root (lab.corrupt=
# slpt-root) is, in scalable mode, the PASID-directory pointer.
if [[ " $vendors " == *" intel "* ]] && [[ " ${LAB_VTD_MODES:-legacy scalable} " == *" scalable "* ]]; then
	sm=VTD_MODE=scalable
	if want olddomain intel-sm; then
		check_old_domain lab-intel-sm-takeover-old-domain intel translated write 0 $sm
		check_old_domain lab-intel-sm-takeover-old-domain-control intel translated off 1 $sm
	fi
	if want bringup intel-sm; then
		check_old_domain lab-intel-sm-takeover-bringup intel translated off 0 $sm \
			CAPTURE_APPEND=iommu_kdump_quiesce=1
		check_old_domain lab-intel-sm-takeover-bringup-pt intel pt off 0 $sm \
			CAPTURE_APPEND=iommu_kdump_quiesce=1
	fi
	if want corrupt intel-sm; then
		check_corrupt intel translated ctx-ptr,1 \
			'entries of 0000:01:00.0..0000:01:0f.7 not copied: context-table pointer outside' $sm
		check_corrupt intel translated slpt-root,0000:01:00.0 \
			'entry of 0000:01:00.0 not copied: PASID directory outside' $sm
	fi
fi
for v in $vendors; do
	want corrupt "$v" || continue
	check_window_oracle "$v"
	case $v in
	amd)
		check_corrupt amd translated dte-root,0000:00:09.0 \
			'entry of 0000:00:09.0 not copied: page-table root outside'
		check_corrupt amd translated devtab-size \
			'not usable \(device table size .*all DMA blocked, translation stays enabled'
		;;
	intel)
		check_corrupt intel translated ctx-ptr,1 \
			'entries of 0000:01:00.0..0000:01:1f.7 not copied: context-table pointer outside'
		check_corrupt intel translated slpt-root,0000:01:00.0 \
			'entry of 0000:01:00.0 not copied: page-table root outside'
		;;
	esac
done
[ "$case_failures" = 0 ]
