#!/bin/bash
# Lab tests of the crash path under faults and hostile state, run by
# tests/lab/run.sh after takeover.sh (LAB_FAULTS=0 skips them). For each
# vendor (STRATEGY=write, translated first kernel), one test case each:
#   nmi      the crash comes from NMI context: edu_dma nmi=1 sends itself
#            an NMI whose handler calls nmi_panic() (lab.nmi=1);
#   budget   crash_dma_quiesce_budget=1 (1 us): the budget is gone before
#            the crash path reaches the IOMMU; it must stop at once and
#            leave the tables alone, and the record must say "not run";
#   cmdbuf   AMD only: the first kernel clears CmdBufEn in the IOMMU Control
#            Register just before the crash (lab.corrupt=cmdbuf-off): the
#            crash path cannot invalidate, must not wait for it, and must
#            say so (invalidation "unavailable"); the DTEs are still
#            revoked, so a write with no cached translation is blocked.
#            Without the pre-read (lab.preread=0): with its command buffer
#            off the first kernel's own unmap flushes time out, and the
#            NIC's stale translations corrupt its memory within the second
#            the pre-read would add; for the same reason no e1000e frames
#            are sent (LAB_FRAMES=0, lab.rxwait=0);
#   cmdbuf-preread  AMD, the negative control of the invalidation
#            oracle: as cmdbuf, but with the pre-read: the write must
#            land (a cached writable translation survives without an
#            invalidation) and the record say "unavailable";
#   lockheld at the crash another CPU is inside the IOMMU driver with its
#            submission lock held (AMD iommu->lock, VT-d qi->q_lock) and a
#            command written but not published (edu_dma lock_held=1,
#            lab.lockheld=1; the unpublished command invalidates domain id
#            0xfffe). The crash path must neither wait for the lock nor
#            run that command: it writes at the hardware tail;
#   many     LAB_FAULT_MANY (default 96) more edu devices (LAB_EDU_EXTRA:
#            every free root-bus slot, 4 functions each), all writing at
#            the crash;
#   garbage  hostile table state just before the crash
#            (CONFIG_IOMMU_KDUMP_TEST, lab.corrupt=): AMD a DTE whose
#            page-table root points into the crashkernel region (the walk
#            must still revoke its write), VT-d a root entry whose
#            context-table pointer leaves RAM (the walk must skip that bus
#            and report "partial").
# Oracles. Every scenario:
#   - capture: the capture completes and crash(8) opens the dump;
#   - bracket: the crash path's own IOMMU traffic in the QEMU trace, on
#     QEMU's clock (tests/lab/crash_bracket.py): from its read of the
#     table-pointer register after the panic line to its last register
#     access or executed command before purgatory's line. Its span must
#     be within the budget plus 10 ms: a bound on the crash path itself,
#     from outside it, that does not include panic(), the kexec or the
#     next kernel's boot. The early pass at panic entry, when the trace
#     shows it (traffic between the arming and the panic line), is
#     bounded the same way (row early-bracket);
#   - translation-on: the QEMU trace shows no write turning translation
#     off between the trigger and the end of the capture (AMD
#     amdvi_control_status IommuEn, VT-d vtd_dmar_enable);
#   - record: what the record says (read from the dump by crash(8) and by
#     iommu-dump, which must agree) matches the oracles of the scenario.
# Per scenario, the outcome: the edu writes judged from the dump and the
# trace (analyze.py), with the pre-read invalidation oracle (a cached
# writable translation that only an invalidation drops); the commands the
# IOMMU executed inside the bracket; the tables as they are in the dump
# (iommu-dump decodes the DTEs / context entries from memory).
# Prints rows and one PASS / FAIL line per scenario (tests/lib/case.sh).
# A table of the scenarios goes to $results/faults-table.txt.
#
# Environment: LAB_VENDORS, LAB_TIMEOUT, LAB_RESULTS as tests/lab/run.sh;
# LAB_FAULT_TESTS: subset of "nmi budget cmdbuf lockheld many garbage"
# (default all); LAB_FAULT_MANY: extra edu devices of "many" (default 96).
set -uo pipefail
# The other CPUs parked at the trigger, as in tests/lab/run.sh (LAB_PARK).
export LAB_PARK=${LAB_PARK:-1}
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/case.sh
. "$top/tests/lib/case.sh"
vendors=${LAB_VENDORS:-amd intel}
tests=" ${LAB_FAULT_TESTS:-nmi budget cmdbuf cmdbuf-preread lockheld many garbage} "
many=${LAB_FAULT_MANY:-96}
timeout=${LAB_TIMEOUT:-150}
# shellcheck source=../../userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
results=${LAB_RESULTS:-${BUILD:-$top/build}/lab$kver_sfx/test-results}
kver_case_names "$@"
mkdir -p "$results"
table=$results/faults-table.txt
printf '%-10s %-6s %-10s %-12s %-16s %s\n' scenario vendor state inval record_us bracket_us >"$table"

if ! "$top/userspace/lab/prepare.sh"; then
	echo "FAIL lab-faults-prepare: kernel, module or initramfs missing"
	exit 1
fi

j() { jq -r "$1" "$json" 2>/dev/null; }
d() { jq -r "$1" "$out/iommu-dump.json" 2>/dev/null; }
b() { jq -r "$1" <<<"$bracket" 2>/dev/null; }
isnum() { [[ "${1:-}" =~ ^[0-9]+$ ]]; }

# run NAME VENDOR [VAR=VALUE...]: one translated write-mode lab run, as
# the test case NAME; sets $out, $json and $bracket, or fails the case
# and returns 1.
run() {
	local name=$1 v=$2 rc=0
	shift 2
	echo "progress: lab run $name"
	case_begin "$name"
	out=$(env RESULTS="$results" VENDOR="$v" MODE=translated STRATEGY=write \
		READER=1 LAB_TIMEOUT="$timeout" LAB_PREPARED=1 \
		LAB_TRACE_EXTRA="amdvi_control_status" "$@" "$top/userspace/lab/run.sh" \
		2>"$results/$name.stderr" | tee "$results/$name.stdout" | tail -n 1) || rc=$?
	json=$out/result.json
	if [ ! -f "$json" ]; then
		notok run "no result (run.sh status $rc, see $results/$name.stderr)"
		case_end
		return 1
	fi
	bracket=$(python3 "$top/tests/lab/crash_bracket.py" "$out" "$v")
	echo "$bracket" >"$out/crash-bracket.json"
	return 0
}

# Translation-enable events of the QEMU trace from the trigger to the end
# of the capture: prints "before on off" (tests/lab/translation_window.py).
window() {
	python3 "$top/tests/lab/translation_window.py" "$out" "$1"
}

# common VENDOR BUDGET_US: the checks every scenario shares. Sets $us
# (the record's time, microseconds) and $span (the bracket's).
common() {
	local v=$1 budget=$2 before off cyc khz us2 espan
	if [ "$(j '.qemu.timeout')" = true ]; then
		notok capture "QEMU timed out after $timeout s"
	elif [ "$(j '.capture.ok')" != true ]; then
		notok capture "capture failed: reached=$(j '.capture.reached') makedumpfile rc=$(j '.capture.dump_rc') error=$(j '.capture.error')"
	elif [ "$(j '.crash.sys_ok')" != true ]; then
		notok capture "crash(8) does not open the dump: $(j '.crash.error')"
	else
		ok capture
	fi
	# The crash path's time, bounded by event order on the guest's clock:
	# its traffic ends before purgatory's line, and the whole crash
	# shutdown before the first DMA of the armed edu devices, which edu
	# starts 100 ms of QEMU's virtual clock after the arming. A host that
	# stalls QEMU moves both alike; the span on QEMU's clock is reported
	# (faults-table.txt), not judged.
	span=$(b '.span_us')
	if [ "$(b '.found')" != true ]; then
		notok bracket "no read of the table-pointer register after the arming: the crash path's traffic is not in the trace"
	elif [ "$(b '.closed')" != true ]; then
		notok bracket "no \"I'm in purgatory\" console line after the crash path's start: the bracket is not closed"
	elif [ "$(b '.t_edu_dma')" = null ]; then
		notok bracket "no DMA of an armed edu device traced after the arming: nothing bounds the crash shutdown"
	elif ! python3 -c 'import sys; sys.exit(not float(sys.argv[1]) < float(sys.argv[2]))' \
		"$(b '.t_purgatory')" "$(b '.t_edu_dma')"; then
		notok bracket "purgatory's line at $(b '.t_purgatory') comes after the first armed edu DMA at $(b '.t_edu_dma'): the crash shutdown took more than the edu's 100 ms of guest time"
	else
		ok bracket "crash path and shutdown done before the edu DMA (100 ms of guest time after the arming); span $span us on QEMU's clock, budget $budget us"
	fi
	if [ "$(b '.early_found')" = true ]; then
		espan=$(b '.early_span_us')
		if ! python3 -c 'import sys; sys.exit(not float(sys.argv[1]) < float(sys.argv[2]))' \
			"$(b '.early_end')" "$(b '.start')"; then
			notok early-bracket "the early pass's wait at $(b '.early_end') does not precede the second pass at $(b '.start')"
		else
			ok early-bracket "early pass ended with its own wait before the pass after the stop; $espan us on QEMU's clock"
		fi
	fi
	read -r before _ off < <(window "$v")
	if ! isnum "$before" || [ "$before" = 0 ]; then
		notok translation-on "no translation-enable event in the trace at all (oracle missing)"
	elif [ "${off:-1}" != 0 ]; then
		notok translation-on "translation turned off $off time(s) between the crash and the end of the capture"
	else
		ok translation-on
	fi
	cyc=$(j '.record.total_cycles') khz=$(j '.record.tsc_khz') us=
	us2=$(d '.record.total_us')
	if [ "$(j '.record.ran')" != 1 ] || ! isnum "$cyc" || ! isnum "$khz" || [ "$khz" = 0 ]; then
		notok record-read "crash(8) reads no record of a crash-path run: $(j '.record')"
	else
		us=$((cyc * 1000 / khz))
		if [ "$(d '.record.ran')" != true ] || [ "$us2" != "$us" ]; then
			notok record-read "iommu-dump's record (ran $(d '.record.ran'), $us2 us) disagrees with crash(8)'s ($us us)"
		else
			ok record-read "$us us in the record"
		fi
	fi
}

# record_is STATE INVAL: the record's outcome of IOMMU 0.
record_is() {
	local st inv
	st=$(d '.iommus[0].state') inv=$(d '.iommus[0].inval')
	if [ "$st" = "$1" ] && [ "$inv" = "$2" ]; then
		ok record-outcome "$st / $inv"
	else
		notok record-outcome "record state $st inval $inv, want $1 / $2"
	fi
}

# writes_are VERDICT [cached]: every crash-time edu write has that verdict
# (analyze.py); with "cached", each write's pre-read shows in the trace
# (the IOMMU held a writable translation only an invalidation drops).
writes_are() {
	local n bad pre
	n=$(j '[.buffers[] | select(.role == "write")] | length')
	bad=$(j "[.buffers[] | select(.role == \"write\" and .verdict != \"$1\") | \"\\(.dev) \\(.verdict)\"] | join(\", \")")
	if ! isnum "$n" || [ "$n" = 0 ]; then
		notok "writes-$1" "no crash-time edu write in the result"
	elif [ -n "$bad" ]; then
		notok "writes-$1" "$bad (of $n)"
	else
		ok "writes-$1" "$n write(s)"
	fi
	if [ "${2:-}" = cached ]; then
		pre=$(j '[.buffers[] | select(.role == "write" and .preread_traced != true) | .dev] | join(", ")')
		if [ -n "$pre" ]; then
			notok writes-were-cached "no traced pre-read translation for $pre"
		else
			ok writes-were-cached
		fi
	fi
}

# waits_ran N|none: the IOMMU executed a completion wait / wait descriptor
# inside the bracket (N: at least one), or none at all.
waits_ran() {
	local n
	n=$(b '.waits | length')
	if [ "$1" = none ]; then
		if [ "$n" = 0 ] && [ "$(b '[.events | keys[] | select(test("inval|_cc_|iotlb"))] | length')" = 0 ]; then
			ok no-commands "no invalidation or wait executed by the IOMMU inside the bracket"
		else
			notok no-commands "the IOMMU executed $(b '.events') inside the bracket"
		fi
	elif isnum "$n" && [ "$n" -ge 1 ]; then
		ok waits-ran "$(b '.waits | join(",")')"
	else
		notok waits-ran "no completion wait executed inside the bracket: $(b '.events')"
	fi
}

row() { # scenario vendor
	printf '%-10s %-6s %-10s %-12s %-16s %s\n' "$1" "$2" "$(d '.iommus[0].state')" \
		"$(d '.iommus[0].inval')" "${us:-?}" "${span:-?}" >>"$table"
}

# early_ran yes|busy: the early pass at panic entry ran: the trace holds
# two passes of the crash path (crash_bracket.py: a table-pointer read
# after the crash path's own completion wait), the first with that wait,
# and the record says "early"; busy: one pass only, and the record says
# the early pass found its lock busy. (A panic in NMI context never
# prints its panic line: its consoles are flushed after the kexec.)
early_ran() {
	local tag=0x5141 flags
	[ "$v" = amd ] && tag=0x444d4151
	flags=$(d '.iommus[0].flags')
	if [ "$1" = yes ]; then
		if [ "$(b "[.early_waits[] | select(startswith(\"$tag\"))] | length")" -ge 1 ] 2>/dev/null &&
			[[ ",$flags," == *,early,* ]]; then
			ok early-pass "own wait $(b '.early_waits | join(",")') in the early pass, $(b '.early_span_us') us; flags $flags"
		else
			notok early-pass "early waits $(b '.early_waits'), record flags $flags: the early pass did not run"
		fi
	elif [ "$(b '.early_found')" = false ] && [[ ",$flags," == *,early-busy,* ]]; then
		ok early-pass-skipped "one pass only; flags $flags"
	else
		notok early-pass-skipped "early pass in the trace: $(b '.early_found'), record flags $flags"
	fi
}

check_nmi() { # vendor
	local v=$1 name="lab-$1-fault-nmi-panic"
	run "$name" "$v" LAB_APPEND=lab.nmi=1 || return
	if grep -q 'edu_dma: panic from NMI context: in_nmi=1' "$out/crashed-dmesg.txt" &&
		grep -q 'Kernel panic - not syncing: edu_dma: panic from an NMI handler' \
			"$out/crashed-dmesg.txt"; then
		ok in-nmi
	else
		notok in-nmi "the crashed kernel's log shows no panic from NMI context"
	fi
	common "$v" 100000
	early_ran yes
	waits_ran 1
	writes_are blocked cached
	record_is "done" ok
	row nmi "$v"
	case_end
}

check_budget() { # vendor
	local v=$1 name="lab-$1-fault-budget-exhausted"
	run "$name" "$v" LAB_APPEND=crash_dma_quiesce_budget=1 || return
	common "$v" 1
	if [ "$(d '.record.budget_us')" = 1 ]; then
		ok record-budget
	else
		notok record-budget "budget in the record $(d '.record.budget_us') us, want 1"
	fi
	# Out of time before the IOMMU: nothing changed, nothing sent; the
	# writes land (the tables were left alone) and the record says so.
	waits_ran none
	writes_are landed
	record_is "not run" "not needed"
	row budget "$v"
	case_end
}

check_cmdbuf() { # vendor (AMD)
	local v=$1 name="lab-$1-fault-cmdbuf-disabled" dev
	# No e1000e frames: with the command buffer off, the NIC's unmapped
	# receive buffers stay writable through stale IOTLB entries until the
	# crash, and a frame landing in a reused page crashed the first kernel
	# before the trigger in one run out of many.
	run "$name" "$v" "LAB_APPEND=lab.corrupt=cmdbuf-off lab.preread=0 lab.rxwait=0" \
		LAB_FRAMES=0 || return
	if grep -q 'corrupt=cmdbuf-off' "$out/first.status"; then
		ok corrupted
	else
		notok corrupted "the first kernel did not disable its command buffer"
	fi
	common "$v" 100000
	# No command can run; the DTE lost IW all the same (the dump's
	# table), and a write with nothing cached walks into it and faults.
	waits_ran none
	writes_are blocked
	dev=$(d '.iommus[0].devices[] | select(.bdf == "00:04.0") | "\(.write) \(.changed)"')
	if [ "$dev" = "false true" ]; then
		ok dte-revoked "00:04.0 has IW clear in the dump's device table"
	else
		notok dte-revoked "00:04.0 in the dump's device table: write/changed ${dev:-absent}, want false true"
	fi
	record_is "done" unavailable
	row cmdbuf "$v"
	case_end
}

# The negative control of the invalidation oracle (AMD): the command
# buffer off and the pre-read on. The DTE loses IW all the same, but the
# crash path cannot invalidate, so the pre-read's cached writable
# translation must let the write land -- were it blocked, the lab's
# "blocked" verdicts would not prove any invalidation -- and the record
# must say the invalidation was unavailable.
check_cmdbuf_preread() { # vendor (AMD)
	local v=$1 name="lab-$1-fault-cmdbuf-disabled-preread-lands"
	run "$name" "$v" "LAB_APPEND=lab.corrupt=cmdbuf-off lab.rxwait=0" LAB_FRAMES=0 || return
	if grep -q 'corrupt=cmdbuf-off' "$out/first.status"; then
		ok corrupted
	else
		notok corrupted "the first kernel did not disable its command buffer"
	fi
	common "$v" 100000
	waits_ran none
	writes_are landed cached
	record_is "done" unavailable
	row cmdbuf-pre "$v"
	case_end
}

check_lockheld() { # vendor
	local v=$1 name="lab-$1-fault-lock-held" line slot tail waits stale
	run "$name" "$v" LAB_APPEND=lab.lockheld=1 || return
	line=$(grep -m1 'test: CPU[0-9]* holds the .* lock: command written at' "$out/crashed-dmesg.txt")
	slot=$(sed -n 's/.*command written at \(0x[0-9a-f]*\|0\),.*/\1/p' <<<"$line")
	tail=$(sed -n 's/.*tail register \(0x[0-9a-f]*\|0\)$/\1/p' <<<"$line")
	if [ -n "$slot" ] && [ "$slot" = "$tail" ]; then
		ok lock-held "$line"
	else
		notok lock-held "no CPU was stopped mid-submission (log: ${line:-none})"
	fi
	common "$v" 100000
	case $v in
	amd)
		waits=$(b '[.waits[] | select(startswith("0x444d4151"))] | length')
		stale=$(grep -c 'amdvi_pages_inval .*domain 0xfffe ' "$out/trace.log")
		;;
	intel)
		waits=$(b '[.waits[] | select(startswith("0x5141"))] | length')
		stale=$(grep -c 'vtd_inv_desc_iotlb_domain .*domain 0xfffe$' "$out/trace.log")
		;;
	esac
	if isnum "$waits" && [ "$waits" -ge 1 ]; then
		ok own-wait-ran
	else
		notok own-wait-ran "the QEMU trace shows no completion wait of the crash path in the bracket: $(b '.waits')"
	fi
	if [ "$stale" = 0 ]; then
		ok held-command-never-ran
	else
		notok held-command-never-ran "the unpublished command (domain 0xfffe) ran $stale time(s)"
	fi
	# The lock stays held: the early pass must leave this IOMMU alone.
	early_ran busy
	writes_are blocked cached
	record_is "done" ok
	row lockheld "$v"
	case_end
}

check_many() { # vendor
	local v=$1 name="lab-$1-fault-many-devices" probed
	run "$name" "$v" LAB_EDU_EXTRA="$many" || return
	probed=$(grep -c 'edu_dma: dev=.* ready role=' "$out/crashed-dmesg.txt")
	if [ "$probed" = $((many + 2)) ]; then
		ok probed "$probed edu devices"
	else
		notok probed "$probed edu devices probed, want $((many + 2))"
	fi
	common "$v" 100000
	waits_ran 1
	writes_are blocked cached
	if [ "$(j '[.buffers[] | select(.role == "write")] | length')" = $((many + 1)) ]; then
		ok all-armed
	else
		notok all-armed "$(j '[.buffers[] | select(.role == "write")] | length') write buffers, want $((many + 1))"
	fi
	record_is "done" ok
	row many "$v"
	case_end
}

check_garbage() { # vendor
	local v=$1 name="lab-$1-fault-garbage-tables" cmd rej dev
	case $v in
	amd) cmd=dte-root,0000:00:09.0 ;;
	intel) cmd=ctx-ptr,1 ;;
	esac
	run "$name" "$v" "LAB_APPEND=lab.corrupt=$cmd" || return
	if grep -q "corrupt=${cmd/,/ }" "$out/first.status"; then
		ok corrupted "$cmd"
	else
		notok corrupted "the first kernel did not corrupt its tables ($cmd)"
	fi
	common "$v" 100000
	waits_ran 1
	# The healthy device's write is blocked whatever the garbage.
	writes_are blocked cached
	case $v in
	amd)
		# The DTE keeps V=1 TV=1 with its bad root: the walk revokes
		# its write all the same (the dump's device table: IW=0).
		dev=$(d '.iommus[0].devices[] | select(.bdf == "00:09.0") | "\(.write) \(.changed)"')
		if [ "$dev" = "false true" ]; then
			ok bad-dte-revoked
		else
			notok bad-dte-revoked "00:09.0 in the dump's device table: write/changed ${dev:-absent}, want false true"
		fi
		record_is "done" ok
		;;
	intel)
		# Bus 1's context table is unreachable: the record must say
		# "partial" with the rejected entry.
		rej=$(d '.iommus[0].entries_rejected')
		if [ "$(d '.iommus[0].state')" = partial ] && isnum "$rej" && [ "$rej" -ge 1 ]; then
			ok record-partial "$rej rejected"
		else
			notok record-partial "record state $(d '.iommus[0].state') with ${rej:-?} rejected, want partial with at least 1"
		fi
		;;
	esac
	row garbage "$v"
	case_end
}

want() { # test [vendor]: whether to run it; else a SKIP line
	[[ "$tests" == *" $1 "* ]] && return 0
	skip "lab-${2:+$2-}fault-$1" "not in LAB_FAULT_TESTS"
	return 1
}

for v in $vendors; do
	want nmi "$v" && check_nmi "$v"
	want budget "$v" && check_budget "$v"
	[ "$v" = amd ] && want cmdbuf "$v" && check_cmdbuf "$v"
	[ "$v" = amd ] && want cmdbuf-preread "$v" && check_cmdbuf_preread "$v"
	want lockheld "$v" && check_lockheld "$v"
	want many "$v" && check_many "$v"
	want garbage "$v" && check_garbage "$v"
done
[ "$case_failures" = 0 ]
