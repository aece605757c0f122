#!/bin/bash
# run.sh: one kdump lab run under QEMU (TCG, q35), then its analysis.
#
# The first kernel boots with an emulated IOMMU, loads the capture kernel
# (kexec -p), keeps an e1000e receiving frames from the host, loads edu_dma
# and triggers it: every edu device arms a DMA (write of a pattern onto a
# canary page, or a read) that fires ~100 ms later, and the kernel panics.
# The crash path applies crash_dma_quiesce=$STRATEGY; the capture kernel
# saves the crashed kernel's log and a makedumpfile dump, then powers off.
# analyze.py then judges every edu transfer with independent oracles (QEMU
# trace, the dump read by crash(8), the capture kernel's fault log).
#
# Environment:
#   KVER=6.1|6.12              the kernel booted (default 6.1; 6.12 stages
#                              build/lab-6.12 from build/obj-6.12)
#   VENDOR=amd|intel           emulated IOMMU (default amd)
#   MODE=translated|pt         first kernel DMA API mode (pt: iommu=pt)
#   VTD_MODE=legacy|scalable|scalable-fl
#                              VT-d table format (VENDOR=intel): scalable is
#                              QEMU's x-scalable-mode=on with intel_iommu=sm_on,
#                              scalable-fl adds x-flts=on (LAB_QEMU=10.0 only:
#                              first-level tables)
#                              on the first kernel (and so on the capture
#                              kernel, whose command line derives from it)
#   STRATEGY=write|all|off|disable   crash_dma_quiesce= (default write)
#   READER=N                   edu probe index arming a read DMA; -1: none
#                              (default 1: the edu behind the root port)
#   LAB_TIMEOUT=S              hard limit of the QEMU run (default 240)
#   RESULTS=DIR                parent of the results directory (default results/)
#   LAB_APPEND="..."           extra first-kernel command line options
#   KEEP_DUMP=0                delete the dump after the analysis
#   CAPTURE_APPEND="..."       extra capture kernel command line options
#                              (only the capture kernel gets them)
#   LAB_TRACE_EXTRA="..."      extra QEMU trace events (names)
#   LAB_FRAMES=0               send no frames to the e1000e (default 1)
#   LAB_PARK=1                 park the other CPUs outside the IOMMU driver
#                              right before the panic (lab.park=1; the lab
#                              tests' default, not make run's)
#   LAB_PREPARED=1             skip prepare.sh: boot what $BUILD/lab already
#                              holds (a frozen kernel and initramfs)
#   LAB_EDU1_BRIDGE=1          AMD: the second edu behind a conventional
#                              PCI-PCI bridge (resettable by a bus reset)
#   LAB_NVME=1                 add an NVMe controller (00:03.0, FLR-capable)
#   LAB_CRASH=system|unstable  crash(8) of the analysis: Debian 12's 8.0.2 or
#                              Debian unstable's (default: system on 6.1,
#                              unstable on 6.12, which 8.0.2 cannot open)
#   LAB_QEMU=7.2|10.0          QEMU: the system's 7.2 (default) or 10.0 from
#                              bookworm-backports in build/qemu10
#   LAB_ATS=1                  device-iotlb=on and an ATS-capable virtio-rng
#                              behind a root port (00:1d.0)
#   LAB_HIGHBUS=1              the second edu on bus 0x80 / 0x81 (pxb-pcie)
#   LAB_EDU_EXTRA=N            N more edu devices (write role) on the root
#                              bus: one per free slot (24), then further
#                              functions of those slots
#                              (at most 8 per slot)
#   LAB_QEMU_EXTRA="..."       extra QEMU arguments (words), e.g. a
#                              hot-plug root port and a QMP socket
#   LAB_CAPTURE_HOOK=FILE      a shell script the capture kernel's /init
#                              runs after the dump and before the read-back
#                              (output in capture-hook.log)
# Output: results/<vendor>-<mode>-<strategy>-<timestamp>/ with serial.log,
# trace.log, vmcore.kdump, crashed-dmesg.txt, capture-dmesg.txt,
# result.json, report.txt; the last line printed is that directory.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
lab=${BUILD:-$top/build}/lab$kver_sfx
here=$top/userspace/lab

VENDOR=${VENDOR:-amd}
MODE=${MODE:-translated}
VTD_MODE=${VTD_MODE:-legacy}
STRATEGY=${STRATEGY:-write}
READER=${READER:-1}
LAB_TIMEOUT=${LAB_TIMEOUT:-240}
RESULTS=${RESULTS:-$top/results}
KEEP_DUMP=${KEEP_DUMP:-1}
log() { printf 'lab: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }

case "$VENDOR" in amd | intel) ;; *) die "VENDOR must be amd or intel" ;; esac
case "$MODE" in translated | pt) ;; *) die "MODE must be translated or pt" ;; esac
case "$VTD_MODE" in legacy | scalable) ;; scalable-fl)
	[ "${LAB_QEMU:-7.2}" = 10.0 ] || die "VTD_MODE=scalable-fl (x-flts) needs LAB_QEMU=10.0" ;;
*) die "VTD_MODE must be legacy, scalable or scalable-fl" ;; esac
case "$STRATEGY" in write | all | off | disable) ;; *) die "STRATEGY must be write, all, off or disable" ;; esac
case "$READER" in -1 | [0-9]) ;; *) die "READER must be -1 or a probe index" ;; esac

[ "${LAB_PREPARED:-0}" = 1 ] || "$here/prepare.sh"

# LAB_QEMU: Debian 12's QEMU 7.2 (the system's), or 10.0 from
# bookworm-backports, installed into build/qemu10 by
# userspace/build/qemu10.sh (never replacing the system's).
case "${LAB_QEMU:-7.2}" in
7.2) qemu_bin=(qemu-system-x86_64) ;;
10.0)
	q10=$("$top/userspace/build/qemu10.sh") || die "QEMU 10.0 could not be installed"
	qemu_bin=("$q10" -L "$(dirname "$q10")/../share/qemu")
	;;
*) die "LAB_QEMU must be 7.2 or 10.0" ;;
esac

# LAB_CRASH: the crash(8) that opens the dump for the analysis: Debian 12's
# 8.0.2 (system), or Debian unstable's with its own libraries
# (userspace/build/unstable.sh crash), the first of the two that reads a
# Linux 6.4+ dump. Default: system on 6.1, unstable on 6.12.
crash_kind=${LAB_CRASH:-system}
[ -n "${LAB_CRASH:-}" ] || [ "$kver" = 6.1 ] || crash_kind=unstable
case "$crash_kind" in
system) crash_bin=crash ;;
unstable) crash_bin=$("$top/userspace/build/unstable.sh" crash) || die "crash could not be installed" ;;
*) die "LAB_CRASH must be system or unstable" ;;
esac

tag=$VENDOR
[ "$VENDOR" = intel ] && [ "$VTD_MODE" = scalable ] && tag=intel-sm
[ "$VENDOR" = intel ] && [ "$VTD_MODE" = scalable-fl ] && tag=intel-smfl
name=$tag-$MODE-$STRATEGY-$(date +%Y%m%d-%H%M%S)
out=$RESULTS/$name
n=1
while [ -e "$out" ]; do out=$RESULTS/$name.$n; n=$((n + 1)); done
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Inputs of the guest, frozen for this run (hard links of the staged files).
in=$(mktemp -d "$lab/in.XXXXXX")
sender=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -n "$sender" ]; then
		kill "$sender" 2>/dev/null || true
		wait "$sender" 2>/dev/null || true
	fi
	rm -rf "$in"
}
trap cleanup EXIT
ln "$lab/kernel/bzImage" "$in/bzImage" 2>/dev/null || cp "$lab/kernel/bzImage" "$in/bzImage"
ln "$lab/initramfs.cpio.gz" "$in/initramfs.cpio.gz" 2>/dev/null ||
	cp "$lab/initramfs.cpio.gz" "$in/initramfs.cpio.gz"
# Keep the matching vmlinux beside the dump (a hard link costs nothing).
ln "$lab/kernel/vmlinux" "$out/vmlinux" 2>/dev/null || true

# Two free loopback UDP ports: QEMU's end of the e1000e link and the peer.
read -r port_qemu port_peer < <(python3 -c '
import socket
s = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
mac=52:54:00:12:34:56

dma=dma_mask=0xffffffffffffffff
case "$VENDOR" in
amd)
	iommu=(-device "amd-iommu${LAB_AMD_IOMMU_OPTS:+,$LAB_AMD_IOMMU_OPTS}")
	# QEMU 7.2's amd-iommu keys a device's address space by the bus number
	# its bus had when QEMU created it (0 before the firmware numbers the
	# buses): DMA from behind a root port is translated with the DTE of
	# 00:<same devfn>. So both edu devices sit on the root bus here.
	edu1=(-device "edu,id=edu1,bus=pcie.0,addr=0x9,$dma")
	# LAB_EDU1_BRIDGE=1: edu1 behind a conventional PCI-PCI bridge at
	# 00:09.0 instead (01:00.0), so that a secondary bus reset can reset
	# it. QEMU then issues its DMA with the bridge's requester id
	# (00:09.0, a bus number fixed before the firmware runs), which Linux
	# also knows as the device's DMA alias.
	[ "${LAB_EDU1_BRIDGE:-0}" = 1 ] &&
		edu1=(-device "pci-bridge,id=br1,bus=pcie.0,addr=0x9,chassis_nr=1,shpc=off"
			-device "edu,id=edu1,bus=br1,addr=0x0,$dma")
	events="amdvi_page_fault amdvi_translation_result amdvi_all_inval amdvi_devtab_inval
		amdvi_pages_inval amdvi_iotlb_inval amdvi_completion_wait amdvi_command_error
		amdvi_mode_invalid amdvi_dte_get_fail amdvi_invalid_dte amdvi_mmio_read
		amdvi_mmio_write amdvi_cache_update amdvi_iotlb_hit amdvi_iotlb_reset"
	;;
intel)
	iommu=(-device "intel-iommu,intremap=on")
	[ "$VTD_MODE" = scalable ] && iommu=(-device "intel-iommu,intremap=on,x-scalable-mode=on")
	# QEMU 10.0: first-level translation offered (ECAP.FLTS); Linux 6.1
	# then puts its DMA domains on first-level tables.
	[ "$VTD_MODE" = scalable-fl ] &&
		iommu=(-device "intel-iommu,intremap=on,x-scalable-mode=on,x-flts=on")
	# The second edu behind a PCIe root port (bus 01), so the quiesce is
	# exercised on a context table other than bus 0's.
	edu1=(-device "pcie-root-port,id=rp1,bus=pcie.0,addr=0x5,chassis=1"
		-device "edu,id=edu1,bus=rp1,$dma")
	events="vtd_dmar_fault vtd_fault_disabled vtd_inv_desc_cc_global vtd_inv_desc_cc_domain
		vtd_inv_desc_cc_device vtd_inv_desc_iotlb_global vtd_inv_desc_iotlb_domain
		vtd_inv_desc_iotlb_pages vtd_inv_desc_wait_sw vtd_inv_desc_wait_write_fail
		vtd_context_cache_reset vtd_iotlb_reset vtd_reg_dmar_root vtd_dmar_enable
		vtd_switch_address_space vtd_pt_enable_fast_path vtd_frr_new vtd_fsts_ppf
		vtd_iotlb_page_update vtd_iotlb_page_hit vtd_translate_pt vtd_reg_read
		vtd_reg_write vtd_iotlb_cc_update vtd_inv_desc_iotlb_pasid
		vtd_inv_desc_iotlb_pasid_pages"
	;;
esac
# LAB_EDU_EXTRA: free root-bus slots (not 00, 04 and 06-09, nor 1f; 01
# holds the AMD IOMMU's PCI function, 05 the VT-d root port), function 0
# first.
slots=(0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 02 03)
case "$VENDOR" in amd) slots+=(05) ;; intel) slots+=(01) ;; esac
extra=()
# LAB_NVME=1: an NVMe controller at 00:03.0 (16 MiB sparse image in the
# results directory): QEMU's NVMe device has Function Level Reset, so the
# capture kernel's retirement resets it by FLR at its driver's bind.
if [ "${LAB_NVME:-0}" = 1 ]; then
	truncate -s 16M "$out/nvme.img"
	extra+=(-drive "file=$out/nvme.img,if=none,id=nvme0,format=raw"
		-device "nvme,drive=nvme0,serial=lab0,bus=pcie.0,addr=0x3")
	free=()
	for s in "${slots[@]}"; do [ "$s" = 03 ] || free+=("$s"); done
	slots=("${free[@]}")
fi
# LAB_ATS=1: the IOMMU offers device IOTLBs (device-iotlb=on) and a
# virtio-rng with ATS (ats=on; a PCIe capability, so behind a root port
# at 00:1d.0; iommu_platform=on: its DMA goes through the IOMMU) is the
# ATS-capable device Linux enables ATS for: legacy VT-d context entry
# TT=01b, AMD DTE I=1.
if [ "${LAB_ATS:-0}" = 1 ]; then
	iommu[1]+=",device-iotlb=on"
	extra+=(-device "pcie-root-port,id=rpats,bus=pcie.0,addr=0x1d,chassis=5"
		-device "virtio-rng-pci,id=rng0,bus=rpats,iommu_platform=on,ats=on,disable-legacy=on")
	free=()
	for s in "${slots[@]}"; do [ "$s" = 1d ] || free+=("$s"); done
	slots=("${free[@]}")
fi
# LAB_HIGHBUS=1: the second edu on a high bus number: behind a PCIe
# expander bridge (pxb-pcie, bus_nr=0x80) at 00:09.0, on its root bus
# (AMD: 81:00.0 behind a PCI-PCI bridge, DMA as 80:00.0) or behind a
# root port there (VT-d: 81:00.0).
if [ "${LAB_HIGHBUS:-0}" = 1 ]; then
	case "$VENDOR" in
	# AMD: behind a conventional PCI-PCI bridge on the expander's root
	# bus (pxb-pcie takes only bridges), so QEMU issues the edu's DMA with
	# the bridge's requester id 80:00.0, a bus number fixed before the
	# firmware runs (see LAB_EDU1_BRIDGE); Linux knows it as the edu's
	# DMA alias.
	amd) edu1=(-device "pxb-pcie,id=pxb1,bus_nr=128,bus=pcie.0,addr=0x9"
		-device "pci-bridge,id=brhb,bus=pxb1,addr=0x0,chassis_nr=4,shpc=off"
		-device "edu,id=edu1,bus=brhb,addr=0x0,$dma") ;;
	intel) edu1=(-device "pxb-pcie,id=pxb1,bus_nr=128,bus=pcie.0,addr=0x9"
		-device "pcie-root-port,id=rphb,bus=pxb1,addr=0x0,chassis=4"
		-device "edu,id=edu1,bus=rphb,$dma") ;;
	esac
fi
nextra=${LAB_EDU_EXTRA:-0}
case "$nextra" in '' | *[!0-9]*) die "LAB_EDU_EXTRA must be a number" ;; esac
[ "$nextra" -le $((8 * ${#slots[@]})) ] || die "LAB_EDU_EXTRA: at most $((8 * ${#slots[@]})) here"
for ((i = 0; i < nextra; i++)); do
	s=${slots[i % ${#slots[@]}]} f=$((i / ${#slots[@]})) mf=
	[ "$f" = 0 ] && [ $((i + ${#slots[@]})) -lt "$nextra" ] && mf=,multifunction=on
	extra+=(-device "edu,id=edux$i,bus=pcie.0,addr=0x$s.$f,$dma$mf")
done
# The console on QEMU's clock (analyze.py splits the run at the arming of
# the crash-time DMA with it), then what the caller adds.
events+=" serial_write ${LAB_TRACE_EXTRA:-}"
tr -s ' \t\n' '\n' <<<"$events" | grep . | sort -u >"$out/trace-events"
[ -n "${CAPTURE_APPEND:-}" ] && printf '%s\n' "$CAPTURE_APPEND" >"$in/capture.append"
[ -n "${LAB_CAPTURE_HOOK:-}" ] && cp "$LAB_CAPTURE_HOOK" "$in/capture-hook"
# shellcheck disable=SC2206 # extra QEMU arguments are words
qemu_extra=(${LAB_QEMU_EXTRA:-})

append="console=ttyS0 crashkernel=256M crash_dma_quiesce=$STRATEGY panic=1"
append+=" lab.reader=$READER"
[ "$MODE" = pt ] && append+=" iommu=pt"
[ "$VENDOR" = intel ] && [ "${VTD_MODE#scalable}" != "$VTD_MODE" ] && append+=" intel_iommu=sm_on"
[ "${LAB_PARK:-0}" = 1 ] && append+=" lab.park=1"
[ -n "${LAB_APPEND:-}" ] && append+=" $LAB_APPEND"

qemu=("${qemu_bin[@]}"
	-M q35 -accel tcg -smp 2 -m 1024
	# qemu64 has CMPXCHG16B already; named because Linux 6.12.114 and later
	# refuse to initialise the AMD IOMMU without it (128-bit DTE updates).
	-cpu qemu64,+cx16
	"${iommu[@]}"
	-nodefaults -no-reboot -display none -vga none -monitor none
	-serial "file:$out/serial.log"
	-msg timestamp=on -D "$out/trace.log" -trace "events=$out/trace-events"
	-d guest_errors
	-kernel "$in/bzImage" -initrd "$in/initramfs.cpio.gz" -append "$append"
	-device "edu,id=edu0,bus=pcie.0,addr=0x4,$dma"
	"${edu1[@]}"
	"${extra[@]}"
	"${qemu_extra[@]}"
	-netdev "dgram,id=net0,local.type=inet,local.host=127.0.0.1,local.port=$port_qemu,remote.type=inet,remote.host=127.0.0.1,remote.port=$port_peer"
	-device "e1000e,netdev=net0,mac=$mac,bus=pcie.0,addr=0x6"
	-fsdev "local,id=fsin,path=$in,security_model=none,readonly=on"
	-device "virtio-9p-pci,fsdev=fsin,mount_tag=labin,bus=pcie.0,addr=0x7"
	-fsdev "local,id=fsout,path=$out,security_model=none"
	-device "virtio-9p-pci,fsdev=fsout,mount_tag=labout,bus=pcie.0,addr=0x8"
)
printf '%q ' timeout -k 10 "$LAB_TIMEOUT" "${qemu[@]}" >"$out/qemu.cmd"
echo >>"$out/qemu.cmd"
cat >"$out/run.env" <<EOF
kver=$kver
vendor=$VENDOR
mode=$MODE
vtd_mode=$VTD_MODE
qemu=${LAB_QEMU:-7.2}
strategy=$STRATEGY
reader=$READER
timeout=$LAB_TIMEOUT
append=$append
capture_append=${CAPTURE_APPEND:-}
frames=${LAB_FRAMES:-1}
ats=${LAB_ATS:-0}
highbus=${LAB_HIGHBUS:-0}
crash=$crash_bin
EOF

if [ "${LAB_FRAMES:-1}" != 0 ]; then
	python3 "$here/sendframes.py" --port "$port_qemu" --mac "$mac" --rate 100 \
		--seconds "$LAB_TIMEOUT" 2>"$out/sendframes.log" &
	sender=$!
fi

log "run $name (timeout ${LAB_TIMEOUT}s)"
t0=$(date +%s.%N)
rc=0
timeout -k 10 "$LAB_TIMEOUT" "${qemu[@]}" >"$out/qemu.log" 2>&1 || rc=$?
t1=$(date +%s.%N)
{
	echo "qemu_rc=$rc"
	echo "qemu_wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
	[ "$rc" = 124 ] && echo "qemu_timeout=1"
} >>"$out/run.env"
if [ -n "$sender" ]; then
	kill "$sender" 2>/dev/null || true
	wait "$sender" 2>/dev/null || true
fi
sender=
log "qemu exited rc=$rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

arc=0
python3 "$here/analyze.py" "$out" || arc=$?
[ "$KEEP_DUMP" = 0 ] && rm -f "$out/vmcore.kdump" "$out/vmlinux"
echo "$out"
exit "$arc"
