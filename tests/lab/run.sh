#!/bin/bash
# Lab tests (make test, group "lab"): boot the lab kernel under QEMU with
# each emulated IOMMU, crash it with edu DMA in flight and judge the result
# with independent oracles (userspace/lab/analyze.py):
#   STRATEGY=off    the edu write lands (the dump shows the pattern) and the
#                   edu read is not faulted;
#   STRATEGY=write  the edu write is blocked (the dump shows the canary and
#                   the QEMU trace a fault at its IOVA), the read is not;
#   STRATEGY=all    the edu read is blocked too (fault in the QEMU trace);
#   every run       the capture kernel writes a dump that crash(8) opens
#                   ("sys" and "log" run), and can itself still DMA through
#                   an edu device the crash path quiesced (read-back).
# for VENDOR in amd intel and first-kernel MODE in translated pt.
# Prints "PASS name", "FAIL name: detail" and, where QEMU 7.2 offers no
# oracle at all, "SKIP name: reason" (not counted).
#
# Knobs: LAB_VENDORS, LAB_MODES, LAB_STRATEGIES (subsets), LAB_TIMEOUT (per
# QEMU run, default 150 s), LAB_RESULTS (default build/lab/test-results,
# emptied first), LAB_TAKEOVER=0 (skip tests/lab/takeover.sh, the
# capture-kernel takeover tests run after the matrix), LAB_FAULTS=0 (skip
# tests/lab/faults.sh, the crash path under faults and hostile state).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
vendors=${LAB_VENDORS:-amd intel}
modes=${LAB_MODES:-translated pt}
strategies=${LAB_STRATEGIES:-off write all}
timeout=${LAB_TIMEOUT:-150}
results=${LAB_RESULTS:-${BUILD:-$top/build}/lab/test-results}
lab=${BUILD:-$top/build}/lab

if ! "$top/userspace/lab/prepare.sh"; then
	echo "FAIL lab-prepare: kernel, module or initramfs missing (see log above)"
	exit 1
fi
echo "PASS lab-prepare"
rm -rf "$results"
mkdir -p "$results"

quiesce=$(nm "$lab/kernel/vmlinux" 2>/dev/null | grep -c ' T crash_dma_quiesce$')

j() { jq -r "$1" "$json" 2>/dev/null; }

check_run() { # vendor mode strategy
	local v=$1 m=$2 s=$3 name="lab-$1-$2-$3" out rc=0
	local t0=$SECONDS
	out=$(RESULTS=$results VENDOR=$v MODE=$m STRATEGY=$s READER=1 LAB_TIMEOUT=$timeout \
		"$top/userspace/lab/run.sh" 2>"$results/$name.stderr" | tee "$results/$name.stdout" |
		tail -n 1) || rc=$?
	json=$out/result.json
	if [ ! -f "$json" ]; then
		echo "FAIL $name: no result (run.sh status $rc, see $results/$name.stderr)"
		return
	fi
	echo "# $name: $((SECONDS - t0)) s, $(j '.qemu.wall_s') s in QEMU, results in $out"
	if [ "$(j '.qemu.timeout')" = true ]; then
		echo "FAIL $name-boot: QEMU timed out after $timeout s"
	elif [ "$(j '.qemu.rc')" != 0 ]; then
		echo "FAIL $name-boot: QEMU exited with status $(j '.qemu.rc'): $(j '.qemu.error')"
	elif [ "$(j '.first_kernel.error')" != null ]; then
		echo "FAIL $name-boot: first kernel: $(j '.first_kernel.error')"
	elif [ "$(j '.first_kernel.edu_ready')" != 2 ]; then
		echo "FAIL $name-boot: $(j '.first_kernel.edu_ready') edu device(s) passed the DMA self-test, want 2"
	fi

	# The edu write (device buffer -> RAM onto the canary page).
	local wv wd wn
	wv=$(j '[.buffers[] | select(.role == "write")][0].verdict')
	wd=$(j '[.buffers[] | select(.role == "write")][0].dump')
	wn=$(j '[.buffers[] | select(.role == "write")][0].notes | join("; ")')
	case "$s" in
	off)
		if [ "$wv" = landed ]; then
			echo "PASS $name-write-lands"
		else
			echo "FAIL $name-write-lands: verdict $wv (dump: $wd) ${wn}"
		fi
		;;
	*)
		if [ "$wv" = blocked ]; then
			echo "PASS $name-write-blocked${wn:+ ($wn)}"
		else
			echo "FAIL $name-write-blocked: verdict $wv (dump: $wd, trace faults: $(j '[.buffers[] | select(.role == "write")][0].trace_faults')) ${wn}"
		fi
		;;
	esac

	# The edu read (RAM -> device buffer): only the QEMU trace can tell.
	local rv rn want
	rv=$(j '[.buffers[] | select(.role == "read")][0].verdict')
	rn=$(j '[.buffers[] | select(.role == "read")][0].notes | join("; ")')
	want=allowed
	[ "$s" = all ] && want=blocked
	if [ "$rv" = unobservable ]; then
		echo "SKIP $name-read-$want: $rn"
	elif [ "$rv" = "$want" ]; then
		echo "PASS $name-read-$want${rn:+ ($rn)}"
	else
		echo "FAIL $name-read-$want: verdict $rv (trace faults: $(j '[.buffers[] | select(.role == "read")][0].trace_faults')) ${rn}"
	fi

	if [ "$(j '.capture.ok')" = true ]; then
		echo "PASS $name-capture ($(j '.capture.dump_bytes') bytes in $(j '.capture.dump_s') s)"
	else
		echo "FAIL $name-capture: reached=$(j '.capture.reached') makedumpfile rc=$(j '.capture.dump_rc') error=$(j '.capture.error')"
	fi
	# The capture kernel must still be able to DMA with a device whose
	# entry the crash path quiesced (edu read-back of the write device).
	case "$(j '.capture_device_dma')" in
	ok) echo "PASS $name-capture-dma" ;;
	failed) echo "FAIL $name-capture-dma: the capture kernel's DMA write through a quiesced edu did not land (old DTE/context entry still in force)" ;;
	*) echo "FAIL $name-capture-dma: no edu read-back in the capture kernel log" ;;
	esac
	# The crash path's own record, read from the dump with crash(8), must
	# agree with the trace and the dump contents.
	case "$(j '.record.matches_oracles')" in
	true) echo "PASS $name-record-matches-oracles" ;;
	*) echo "FAIL $name-record-matches-oracles: $(j '.record.detail')" ;;
	esac
	if [ "$(j '.crash.sys_ok')" = true ] && [ "$(j '.crash.log_ok')" = true ]; then
		echo "PASS $name-crash-opens"
	else
		echo "FAIL $name-crash-opens: $(j '.crash.error')"
	fi
}

for v in $vendors; do
	for m in $modes; do
		for s in $strategies; do
			if [ "$s" != off ] && [ "$quiesce" = 0 ]; then
				echo "FAIL lab-$v-$m-$s: the lab kernel has no crash_dma_quiesce"
				continue
			fi
			check_run "$v" "$m" "$s"
		done
	done
done
# The capture-kernel takeover (it also reads this matrix's results).
[ "${LAB_TAKEOVER:-1}" = 0 ] || "$top/tests/lab/takeover.sh"
# The crash path under faults: NMI context, budget exhausted, bad tables.
[ "${LAB_FAULTS:-1}" = 0 ] || "$top/tests/lab/faults.sh"
exit 0
