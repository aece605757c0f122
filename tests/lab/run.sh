#!/bin/bash
# Lab tests (make test, group "lab"): boot the lab kernel under QEMU with
# each emulated IOMMU, crash it with edu DMA in flight and judge the result
# with independent oracles (userspace/lab/analyze.py). One test case per
# run (vendor, first-kernel MODE, STRATEGY), with these checks:
#   write   STRATEGY=off: the edu write lands (the dump shows the pattern);
#           write / all: it is blocked (the dump shows the canary and the
#           QEMU trace the device's DMA to that page after the arming).
#           The invalidation oracle: before the crash the write device
#           read its own target page (edu_dma preread=1) and the trace
#           shows that read translated, so the IOMMU held a cached
#           translation with write permission; revoking the table entry
#           alone does not block the write, only the crash path's cache
#           invalidation does;
#   read    off / write: the edu read is allowed, all: blocked (trace and
#           the capture kernel's read-back of the device buffer);
#   capture the capture kernel writes a dump that crash(8) opens ("sys"
#           and "log" run), and can itself still DMA through an edu
#           device the crash path quiesced (read-back);
#   record  the crash path's record in the dump agrees with the oracles;
#   early   write / all: the early pass at panic entry ran before the
#           panic was printed: the QEMU trace shows the IOMMU executing
#           the crash path's own completion wait (AMD store value
#           0x444d4151..., VT-d status 0x5141....) after the arming, and
#           that pass's traffic ending before the panic line's first byte
#           (tests/lab/crash_bracket.py); off: no crash-path pass before
#           the one after the stop.
# for VENDOR in amd intel, VT-d in legacy and in scalable mode (runs named
# lab-intel-sm-*), and first-kernel MODE in translated pt; in scalable
# mode also write runs where both edu devices write, one behind the root
# port (lab-intel-sm-MODE-write-two-writers). Every write is judged. Then the
# takeover (tests/lab/takeover.sh), the takeover on hostile old state
# (hostile.sh) and the fault scenarios (faults.sh).
# Prints rows and PASS / FAIL / SKIP case lines (tests/lib/case.sh); exits
# non-zero when a case failed or a script it runs did not finish.
#
# KVER=6.12 boots Linux 6.12 (build/lab-6.12; results in
# build/lab-6.12/test-results) and names the cases lab-6.12-*.
# Knobs: LAB_Q10_TESTS (subset of "smfl ats highbus-dac", the QEMU 10.0
# runs), LAB_VENDORS, LAB_MODES, LAB_STRATEGIES, LAB_VTD_MODES (subsets;
# the last of "legacy scalable", for VENDOR=intel), LAB_TIMEOUT (per
# QEMU run, default 150 s), LAB_RESULTS (default build/lab/test-results,
# emptied first), LAB_TAKEOVER=0 (skip tests/lab/takeover.sh, the
# capture-kernel takeover tests run after the matrix), LAB_FAULTS=0 (skip
# tests/lab/faults.sh, the crash path under faults and hostile state),
# LAB_HOSTILE=0 (skip tests/lab/hostile.sh), LAB_RETIRE=0 (skip
# tests/lab/retire.sh: a device hot-added into the capture kernel, an old
# DomainID-0 entry), LAB_PARK (default 1 here: at the trigger every other
# CPU is parked outside the IOMMU driver, so that the early pass finds the
# driver's lock free in every run, as a row that asserts it requires; with
# the CPUs running, the driver's flush-queue timer, fed by the e1000e's
# receive unmaps, can hold the lock through a host preemption longer than
# the early pass waits; faults.sh's lockheld case holds it on purpose).
# Skipped parts print "SKIP name: why".
set -uo pipefail
export LAB_PARK=${LAB_PARK:-1}
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/case.sh
. "$top/tests/lib/case.sh"
vendors=${LAB_VENDORS:-amd intel}
modes=${LAB_MODES:-translated pt}
strategies=${LAB_STRATEGIES:-off write all}
vtd_modes=${LAB_VTD_MODES:-legacy scalable}
timeout=${LAB_TIMEOUT:-150}
q10_tests=${LAB_Q10_TESTS:-smfl ats highbus-dac}
# shellcheck source=../../userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
results=${LAB_RESULTS:-${BUILD:-$top/build}/lab$kver_sfx/test-results}
lab=${BUILD:-$top/build}/lab$kver_sfx
kver_case_names "$@"

if ! "$top/userspace/lab/prepare.sh"; then
	echo "FAIL lab-prepare: kernel, module or initramfs missing (see log above)"
	exit 1
fi
rm -rf "$results"
mkdir -p "$results"

quiesce=$(nm "$lab/kernel/vmlinux" 2>/dev/null | grep -c ' T crash_dma_quiesce$')

j() { jq -r "$1" "$json" 2>/dev/null; }

check_run() { # vendor (intel-sm: VT-d scalable mode) mode strategy [two]
	# two: both edu devices write (READER=-1; VT-d: one on bus 0, one
	# behind the root port), no read is armed.
	# $prefix (default "lab") names the case, $runenv (VAR=VALUE words)
	# goes to run.sh: the QEMU 10.0 runs below.
	local v=$1 m=$2 s=$3 two=${4:-} name="${prefix:-lab}-$1-$2-$3${4:+-two-writers}" out rc=0
	local t0=$SECONDS vtd=legacy reader=1 want rv rn dev wv wd wp wt wn nw=0
	[ "$v" = intel-sm ] && vtd=scalable
	[ "$v" = intel-smfl ] && vtd=scalable-fl
	[ -n "$two" ] && reader=-1
	echo "progress: lab run $name"
	case_begin "$name"
	out=$(env RESULTS="$results" VENDOR="${v%%-*}" VTD_MODE=$vtd MODE="$m" STRATEGY="$s" READER=$reader \
		LAB_TIMEOUT="$timeout" LAB_PREPARED=1 "${runenv[@]}" "$top/userspace/lab/run.sh" \
		2>"$results/$name.stderr" | tee "$results/$name.stdout" | tail -n 1) || rc=$?
	json=$out/result.json
	if [ ! -f "$json" ]; then
		notok run "no result (run.sh status $rc, see $results/$name.stderr)"
		case_end
		return
	fi
	echo "# $name: $((SECONDS - t0)) s, $(j '.qemu.wall_s') s in QEMU, results in $out"
	if [ "$(j '.qemu.timeout')" = true ]; then
		notok boot "QEMU timed out after $timeout s"
	elif [ "$(j '.qemu.rc')" != 0 ]; then
		notok boot "QEMU exited with status $(j '.qemu.rc'): $(j '.qemu.error')"
	elif [ "$(j '.first_kernel.error')" != null ]; then
		notok boot "first kernel: $(j '.first_kernel.error')"
	elif [ "$(j '.first_kernel.edu_ready')" != "${ready_want:-2}" ]; then
		notok boot "$(j '.first_kernel.edu_ready') edu device(s) passed the DMA self-test, want ${ready_want:-2}"
	else
		ok boot
	fi

	# Every edu write (device buffer -> RAM onto its canary page).
	want=blocked
	[ "$s" = off ] && want=landed
	while IFS='|' read -r dev wv wd wp wt wn; do
		nw=$((nw + 1))
		if [ "$wv" = "$want" ]; then
			ok "write-$want-$dev" "$wn"
		else
			notok "write-$want-$dev" "verdict $wv (dump: $wd, trace after the arming: $wt) $wn"
		fi
		[ "$s" = off ] && continue
		# Only an invalidation can block a write whose writable
		# translation the IOMMU had cached: the pre-read must show.
		if [ "$wp" = true ]; then
			ok "write-was-cached-$dev" "the trace shows the pre-read translated, or the device on QEMU's bypass address space, before the crash"
		else
			notok "write-was-cached-$dev" "no translation of the pre-read in the trace ($wp): the write-blocked check proves no invalidation"
		fi
	done < <(j '.buffers[] | select(.role == "write") |
		[.dev, .verdict, .dump, (.preread_traced | tostring),
		 ((.trace_after // []) | join(",")), ((.notes // []) | join("; "))] | join("|")')
	want=1
	[ -n "$two" ] && want=2
	if [ "$nw" = "$want" ]; then
		ok writers "$nw"
	else
		notok writers "$nw edu write(s) armed, want $want"
	fi

	# The edu read (RAM -> device buffer), when one was armed.
	[ -n "$two" ] || [ "${ready_want:-2}" != 2 ] || check_read
	check_early "${v%%-*}"
	check_capture
	check_after
	case_end "$((SECONDS - t0)) s"
}

check_early() { # vendor
	local br tag=0x5141 n found
	[ "$1" = amd ] && tag=0x444d4151
	br=$(python3 "$top/tests/lab/crash_bracket.py" "$out" "$1")
	echo "$br" >"$out/crash-bracket.json"
	n=$(jq -r "[.early_waits[] | select(startswith(\"$tag\"))] | length" <<<"$br")
	found=$(jq -r '.early_found' <<<"$br")
	if [ "$s" = off ]; then
		if [ "$found" = false ]; then
			ok no-early-pass "no crash-path IOMMU traffic before the panic line"
		else
			notok no-early-pass "crash-path IOMMU traffic before the panic line in mode off"
		fi
	elif [[ "$n" =~ ^[1-9][0-9]*$ ]] && [ "$(jq -r '.early_before_panic_line' <<<"$br")" = true ]; then
		ok early-pass "own wait $(jq -r '.early_waits | join(",")' <<<"$br") before the panic line, early traffic $(jq -r '.early_span_us' <<<"$br") us"
	else
		notok early-pass "no completion wait of the crash path before the panic line (early pass: $found, waits: $(jq -c '.early_waits' <<<"$br"), before the panic line: $(jq -r '.early_before_panic_line' <<<"$br"); the crashed kernel's log: $(grep -ho 'early pass [a-z ()]*' "$out/crashed-dmesg.txt" 2>/dev/null | tail -n 1), $(grep -ho 'park: [0-9]* of [0-9]*' "$out/serial.log" 2>/dev/null | tail -n 1))"
	fi
}

check_read() {
	local rv rn want
	rv=$(j '[.buffers[] | select(.role == "read")][0].verdict')
	rn=$(j '[.buffers[] | select(.role == "read")][0].notes | join("; ")')
	want=allowed
	[ "$s" = all ] && want=blocked
	# A first-level PASID entry is blocked whole, reads included: its
	# tables may be the CPU's own (drivers/iommu/README.kdump.md, "What the
	# crash path leaves each kind of entry with").
	[ "$v" = intel-smfl ] && want=blocked
	if [ "$rv" = "$want" ]; then
		ok "read-$want" "$rn"
	else
		notok "read-$want" "verdict $rv (trace after the arming: $(j '[.buffers[] | select(.role == "read")][0].trace_after | join(",")'), read-back $(j '[.buffers[] | select(.role == "read")][0].readback')) $rn"
	fi
}

check_capture() {
	if [ "$(j '.capture.ok')" = true ]; then
		ok capture "$(j '.capture.dump_bytes') bytes in $(j '.capture.dump_s') s"
	else
		notok capture "reached=$(j '.capture.reached') makedumpfile rc=$(j '.capture.dump_rc') error=$(j '.capture.error')"
	fi
	# The capture kernel must still be able to DMA with a device whose
	# entry the crash path quiesced (edu read-back of the write device).
	case "$(j '.capture_device_dma')" in
	ok) ok capture-dma ;;
	failed) notok capture-dma "the capture kernel's DMA write through a quiesced edu did not land (old DTE/context entry still in force)" ;;
	*) notok capture-dma "no edu read-back in the capture kernel log" ;;
	esac
	# The crash path's own record, read from the dump with crash(8), must
	# agree with the trace and the dump contents.
	case "$(j '.record.matches_oracles')" in
	true) ok record-matches-oracles ;;
	*) notok record-matches-oracles "$(j '.record.detail')" ;;
	esac
	if [ "$(j '.crash.sys_ok')" = true ] && [ "$(j '.crash.log_ok')" = true ]; then
		ok crash-opens
	else
		notok crash-opens "$(j '.crash.error')"
	fi
}

# sub NAME SCRIPT: run one more lab script; its case lines count as they
# are; a script that did not finish (non-zero status without a FAIL line)
# is one more failure.
sub() {
	local rc
	"$2" | tee "$results/$1.out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ]; then
		scripts_failed=$((scripts_failed + 1))
		grep -q '^FAIL ' "$results/$1.out" ||
			echo "FAIL $1: $2 exited with status $rc before reporting a failure"
	fi
}

scripts_failed=0
runenv=()
check_after() { :; }
# check_high: every write landed on a high bus / top-level entry 511
# (LAB_HIGHBUS=1 with iommu.forcedac=1): a writer's bus >= 0x80, and an
# IOVA at or above 2^39 - 2^30 (3-level tables, 39 bits: entry 511 of the
# top level starts at 511 << 30) or 2^48 - 2^39 (4 levels).
check_high() {
	local dev iova hb=0 dac=0 vendor
	vendor=$(j '.vendor')
	while read -r dev iova; do
		[ $((16#$(cut -d: -f2 <<<"$dev"))) -ge 128 ] && hb=$((hb + 1))
		if [ "$vendor" = amd ]; then
			# AMD: Linux grows the domain's table to 6 levels for an IOVA
			# at the top of the 64-bit space: its top-level index is the
			# last one (bits 63:57).
			[ $(((iova >> 57) & 127)) = 127 ] && dac=$((dac + 1))
		elif [ $((iova >> 39)) = 511 ] || { [ $((iova >> 39)) = 0 ] && [ $((iova >> 30)) = 511 ]; }; then
			dac=$((dac + 1))
		fi
	done < <(j '.buffers[] | select(.role == "write") | "\(.dev) \(.iova)"')
	if [ -n "${two:-}" ]; then
		check high-bus "$([ "$hb" -ge 1 ]; echo $?)" "no writer on a bus >= 0x80: $(j '[.buffers[].dev] | join(",")')"
	fi
	check top-level-last-entry "$([ "$dac" -ge 1 ]; echo $?)" "no write IOVA in the last top-level entry (VT-d 511 of 3 or 4 levels, AMD 127 of 6): $(j '[.buffers[].iova] | join(",")')"
}
runs=
for v in $vendors; do
	if [ "$v" != intel ]; then
		runs="$runs $v"
		continue
	fi
	for t in $vtd_modes; do
		case $t in
		legacy) runs="$runs intel" ;;
		scalable) runs="$runs intel-sm" ;;
		esac
	done
done
for v in $runs; do
	for m in $modes; do
		for s in $strategies; do
			if [ "$s" != off ] && [ "$quiesce" = 0 ]; then
				echo "FAIL lab-$v-$m-$s: the lab kernel has no crash_dma_quiesce"
				case_failures=$((case_failures + 1))
				continue
			fi
			check_run "$v" "$m" "$s"
		done
	done
done
# VT-d scalable mode: a writer behind the root port too (both edu devices
# write).
for v in $runs; do
	[ "$v" = intel-sm ] || continue
	for m in $modes; do
		if [[ " $strategies " != *" write "* ]]; then
			skip "lab-$v-$m-write-two-writers" "write is not in LAB_STRATEGIES"
		elif [ "$quiesce" != 0 ]; then
			check_run "$v" "$m" write two
		fi
	done
done
# The capture-kernel takeover (it also reads this matrix's results).
if [ "${LAB_TAKEOVER:-1}" = 0 ]; then
	skip lab-takeover "LAB_TAKEOVER=0"
else
	sub lab-takeover "$top/tests/lab/takeover.sh"
fi
# The takeover on hostile old state (V=0 DTEs, pass-through without reset).
if [ "${LAB_HOSTILE:-1}" = 0 ]; then
	skip lab-hostile "LAB_HOSTILE=0"
else
	sub lab-hostile "$top/tests/lab/hostile.sh"
fi
# Retirement outside the boot-time probe: a hot-added device, a DomainID-0 entry.
if [ "${LAB_RETIRE:-1}" = 0 ]; then
	skip lab-retire "LAB_RETIRE=0"
else
	sub lab-retire "$top/tests/lab/retire.sh"
fi
# The crash path under faults: NMI context, budget exhausted, bad tables.
if [ "${LAB_FAULTS:-1}" = 0 ]; then
	skip lab-faults "LAB_FAULTS=0"
else
	sub lab-faults "$top/tests/lab/faults.sh"
fi
# QEMU 10.0 (bookworm-backports, userspace/build/qemu10.sh): what QEMU 7.2
# cannot show (userspace/lab/README.md, "Limits of the emulator that shape
# the tests"). LAB_QEMU10=0 skips it.
check_ats() { # the run's VT-d context entries with TT=01b, and after the crash
	local a
	a=$(python3 "$top/tests/lab/ats_check.py" "$out")
	echo "$a" >"$out/ats-check.json"
	if [ "$(jq -r '.tt01_before | length' <<<"$a")" -ge 1 ] 2>/dev/null; then
		ok ats-tt01-before-crash "QEMU cached TT=01b context entries of $(jq -c '.tt01_before' <<<"$a") before the crash path"
	else
		notok ats-tt01-before-crash "no context entry with TT=01b in the trace before the crash: Linux did not enable ATS ($a)"
		return
	fi
	if [ "$(jq -r '[.dump[] | select(.translation == "paging" and .changed == true and .write == false)] | length' <<<"$a")" = \
		"$(jq -r '.tt01_before | length' <<<"$a")" ]; then
		ok ats-tt-changed-in-dump "the dump shows those entries TT=00b (paging), write revoked, changed"
	else
		notok ats-tt-changed-in-dump "the dump's entries of the ATS devices: $(jq -c '.dump' <<<"$a")"
	fi
	if [ "$(jq -r '[.tt_after[][] | select(. == 1)] | length' <<<"$a")" = 0 ]; then
		ok ats-no-tt01-after "QEMU cached no TT=01b entry after the crash path's first table read: $(jq -c '.tt_after' <<<"$a")"
	else
		notok ats-no-tt01-after "TT=01b cached after the crash path began: $(jq -c '.tt_after' <<<"$a")"
	fi
}

check_first_level() { # x-flts: the dump's first-level PASID entries
	# Decoded from the dump by iommu-dump: a first-level entry (PGTT
	# 001b) the crash path blocked has P clear; none may remain present.
	local n live
	n=$(jq -r '[.iommus[].devices[] | select(.translation == "first-level blocked")] | length' \
		"$out/iommu-dump.json" 2>/dev/null)
	live=$(jq -c '[.iommus[].devices[] | select(.translation == "first-level")]' \
		"$out/iommu-dump.json" 2>/dev/null)
	if [ "${n:-0}" -ge 1 ] 2>/dev/null; then
		ok first-level-blocked-in-dump "$n device(s) on first-level PASID entries, P clear, in the dump"
	else
		notok first-level-blocked-in-dump "no blocked first-level PASID entry in the dump: Linux did not use first-level tables, or the crash path left them"
	fi
	if [ "$live" = "[]" ]; then
		ok first-level-none-present "no first-level PASID entry still present in the dump"
	else
		notok first-level-none-present "first-level PASID entries still present: $live"
	fi
}

# QEMU 7.2 too: ATS on legacy VT-d; an IOVA at the top of the space
# (iommu.forcedac=1) on both vendors; the VT-d high bus (AMD's cannot
# work on 7.2: userspace/lab/README.md, "Limits of the emulator that shape
# the tests").
if [ "${LAB_MACHINES:-1}" = 0 ]; then
	skip lab-ats-highbus-dac "LAB_MACHINES=0"
elif [[ " $strategies " == *" write "* ]] && [ "$quiesce" != 0 ]; then
	if [[ " $vendors " == *" intel "* ]]; then
		runenv=(LAB_ATS=1)
		check_after() { check_ats; }
		prefix=lab-ats check_run intel translated write
		runenv=(LAB_HIGHBUS=1 "LAB_APPEND=iommu.forcedac=1")
		check_after() { check_high; }
		prefix=lab-highbus-dac check_run intel translated write two
	fi
	if [[ " $vendors " == *" amd "* ]]; then
		# One edu only: QEMU 7.2's AMD IOTLB key is gfn | devid << 36,
		# so for IOVAs at or above 2^48 the devid bits alias and the
		# second edu's self-test DMA hits the first one's cached
		# translation (amdvi_iotlb_hit with its host address): it fails.
		runenv=("LAB_APPEND=iommu.forcedac=1")
		check_after() { check_high; }
		ready_want=1 prefix=lab-dac check_run amd translated write
	fi
	check_after() { :; }
	runenv=()
else
	skip lab-ats-highbus-dac "write is not in LAB_STRATEGIES"
fi

if [ "${LAB_QEMU10:-1}" = 0 ]; then
	skip lab-q10 "LAB_QEMU10=0"
elif ! "$top/userspace/build/qemu10.sh" >/dev/null; then
	echo "FAIL lab-q10: QEMU 10.0 could not be installed (userspace/build/qemu10.sh)"
	case_failures=$((case_failures + 1))
else
	prefix=lab-q10
	# First-level translation (x-flts): the crash path blocks each
	# first-level PASID entry (P cleared), its tables left untouched.
	[[ " $vendors " == *" intel "* ]] || skip lab-q10 "intel is not in LAB_VENDORS (AMD stays on QEMU 7.2)"
	if [[ " $vendors " == *" intel "* ]]; then
		if [[ " $q10_tests " == *" smfl "* ]]; then
			runenv=(LAB_QEMU=10.0)
			check_after() { check_first_level; }
			check_run intel-smfl translated write
		fi
		# ATS: legacy VT-d with device-iotlb=on and the virtio-rng with
		# ats=on: TT=01b before, 00b after the crash path.
		if [[ " $q10_tests " == *" ats "* ]]; then
			runenv=(LAB_QEMU=10.0 LAB_ATS=1)
			check_after() { check_ats; }
			prefix=lab-q10-ats check_run intel translated write
		fi
		# High bus number (pxb-pcie, bus 0x81) and IOVAs in the top-level
		# entry 511 (iommu.forcedac=1, 64-bit edu): both edu write.
		if [[ " $q10_tests " == *" highbus-dac "* ]]; then
			runenv=(LAB_QEMU=10.0 LAB_HIGHBUS=1 "LAB_APPEND=iommu.forcedac=1")
			check_after() { check_high; }
			prefix=lab-q10-highbus-dac check_run intel translated write two
		fi
	fi
	check_after() { :; }
	runenv=()
fi
[ "$case_failures" = 0 ] && [ "$scripts_failed" = 0 ]
