#!/bin/sh
# /init of the lab initramfs (busybox sh). One initramfs serves both kernels:
# with /proc/vmcore present this is the capture kernel, else the first one.
#
# 9p shares: "labin" (read-only: bzImage, initramfs) and "labout" (results).
# Kernel command line options read here:
#   lab.reader=N   edu_dma probe index that arms a read DMA (-1: none)
#   lab.rxwait=S   seconds to wait for e1000e frames before the trigger
#   lab.arm=0      edu_dma arms no DMA: the trigger only panics
#   lab.preread=0  write devices do not read their target page before the
#                  crash (edu_dma preread=0): no cached translation of it
#   lab.nmi=1      the trigger panics from NMI context (edu_dma nmi=1)
#   lab.park=1     right before the panic, every other CPU is parked
#                  outside the IOMMU driver, interrupts off (edu_dma
#                  park=1; not with lab.lockheld=1)
#   lab.lockheld=1 at the trigger another CPU holds the IOMMU driver's
#                  submission lock with a command unpublished (edu_dma
#                  lock_held=1)
#   lab.crash_iova=OFF  write targets mapped at IOVA = start of the
#                  crashkernel region + OFF (edu_dma target_iova=); the
#                  capture kernel then reports that page (probe_phys=)
#   lab.corrupt=CMD,ARG  just before the trigger, corrupt the live IOMMU
#                  state through debugfs iommu_kdump/test_corrupt
#                  (CONFIG_IOMMU_KDUMP_TEST), e.g. dte-root,0000:00:09.0
#   lab.takeover=BDF  capture kernel: before the read-back, the old-domain
#                  DMA test of the crash-time write edu BDF (/bin/lab-takeover,
#                  userspace/lab/takeover-capture.sh) into /out/takeover.log
# /in/capture.append, when present: extra capture kernel options.
# /in/capture-hook, when present: a scenario's step the capture kernel runs
# after the dump, before the read-back (output in /out/capture-hook.log).
# Every step logs "LAB: ..." to the console; results go to /out.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/lib64

log() { echo "LAB: $*" >/dev/console; }
up() { cut -d' ' -f1 /proc/uptime; }
die() {
	log "ERROR: $*"
	[ -d /out ] && echo "error=$*" >>/out/"$stage".status
	sync
	poweroff -f
	sleep 60
}
kv() { echo "$1=$2" >>/out/"$stage".status; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /in /out /tmp
stage=first
[ -e /proc/vmcore ] && stage=capture
p9="trans=virtio,version=9p2000.L,msize=262144"
mount -t 9p -o "$p9,ro" labin /in || die "cannot mount labin"
mount -t 9p -o "$p9" labout /out || die "cannot mount labout"

reader=-1 rxwait=10 arm=1 preread=1 nmi=0 park=0 lockheld=0 crash_iova= corrupt= takeover=
# shellcheck disable=SC2013 # the command line is words
for opt in $(cat /proc/cmdline); do
	case "$opt" in
	lab.reader=*) reader=${opt#lab.reader=} ;;
	lab.rxwait=*) rxwait=${opt#lab.rxwait=} ;;
	lab.arm=*) arm=${opt#lab.arm=} ;;
	lab.preread=*) preread=${opt#lab.preread=} ;;
	lab.nmi=*) nmi=${opt#lab.nmi=} ;;
	lab.park=*) park=${opt#lab.park=} ;;
	lab.lockheld=*) lockheld=${opt#lab.lockheld=} ;;
	lab.crash_iova=*) crash_iova=${opt#lab.crash_iova=} ;;
	lab.corrupt=*) corrupt=$(echo "${opt#lab.corrupt=}" | tr , ' ') ;;
	lab.takeover=*) takeover=${opt#lab.takeover=} ;;
	esac
done

first_kernel() {
	: >/out/first.status
	kv init_uptime "$(up)"
	kv cmdline "$(cat /proc/cmdline)"
	kv crashkernel "$(awk '/Crash kernel/ { print $1; exit }' /proc/iomem)"
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

	# Sustained receive DMA from the e1000e: the host sends raw frames.
	# Bring the link up first: it takes a moment to come up.
	ifname=
	for n in /sys/class/net/*; do
		drv=$(readlink "$n/device/driver" 2>/dev/null)
		[ "${drv##*/}" = e1000e ] && ifname=${n##*/}
	done
	[ -n "$ifname" ] && ip link set "$ifname" up

	# Capture kernel command line as distributions build it: the running
	# one without crashkernel=, plus the usual kdump options.
	append=
	# shellcheck disable=SC2013 # the command line is words
	for opt in $(cat /proc/cmdline); do
		case "$opt" in crashkernel=*) ;; *) append="$append $opt" ;; esac
	done
	append="${append# } irqpoll nr_cpus=1 reset_devices maxcpus=1"
	# The capture kernel leaves the e1000e alone (its receive DMA goes on
	# until the ring is full): QEMU 7.2's e1000e can abort on the assertion
	# in e1000e_intrmgr_on_throttling_timer() when a second driver instance
	# re-initialises a NIC whose throttling timers are running.
	append="$append initcall_blacklist=e1000_init_module"
	[ -r /in/capture.append ] && append="$append $(cat /in/capture.append)"
	t0=$(up)
	# --console-serial: purgatory prints "I'm in purgatory" on ttyS0 as
	# the crashed kernel's last act hands over: the lab's outside marker
	# of the end of the crash shutdown (tests/lab/crash_bracket.py).
	kexec -p /in/bzImage --initrd=/in/initramfs.cpio.gz --append="$append" \
		--console-serial --serial=0x3f8 --serial-baud=115200 \
		>/out/kexec.log 2>&1 || die "kexec -p failed: $(tail -n 3 /out/kexec.log)"
	kv kexec_load_s "$(awk -v a="$t0" -v b="$(up)" 'BEGIN { printf "%.2f", b - a }')"
	[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] || die "capture kernel not loaded"
	log "capture kernel loaded: $append"

	# (the link came up while the capture kernel was loading)
	if [ -n "$ifname" ]; then
		i=0
		while [ "$i" -lt $((rxwait * 10)) ]; do
			rx=$(cat "/sys/class/net/$ifname/statistics/rx_packets")
			[ "$rx" -gt 0 ] && break
			sleep 0.1
			i=$((i + 1))
		done
		kv e1000e_if "$ifname"
		kv e1000e_rx_packets "$(cat "/sys/class/net/$ifname/statistics/rx_packets")"
		log "e1000e $ifname up, rx_packets=$(cat "/sys/class/net/$ifname/statistics/rx_packets")"
	else
		kv e1000e_if none
		log "no e1000e interface"
	fi

	edu_args=
	[ "$arm" = 0 ] && edu_args="arm=0"
	[ "$preread" = 0 ] && edu_args="$edu_args preread=0"
	[ "$nmi" = 1 ] && edu_args="$edu_args nmi=1"
	[ "$park" = 1 ] && edu_args="$edu_args park=1"
	[ "$lockheld" = 1 ] && edu_args="$edu_args lock_held=1"
	if [ -n "$crash_iova" ]; then
		ck=$(awk '/Crash kernel/ { print $1; exit }' /proc/iomem)
		[ -n "$ck" ] || die "lab.crash_iova: no crashkernel region"
		target=$(printf '0x%x' $((0x${ck%-*} + crash_iova)))
		kv edu_target_iova "$target"
		edu_args="$edu_args target_iova=$target"
	fi
	# shellcheck disable=SC2086 # module options are words
	insmod /lib/modules/edu_dma.ko reader="$reader" $edu_args ||
		die "insmod edu_dma failed"
	ready=$(dmesg | grep -c 'edu_dma: .* ready ')
	kv edu_ready "$ready"
	[ "$ready" -gt 0 ] || die "no edu device passed the DMA self-test"

	dry=/sys/kernel/debug/crash_dma_quiesce/dry_run
	[ -r "$dry" ] && cat "$dry" >/out/dry_run.txt 2>&1

	if [ -n "$corrupt" ]; then
		echo "$corrupt" >/sys/kernel/debug/iommu_kdump/test_corrupt 2>/out/corrupt.err ||
			die "lab.corrupt=$corrupt failed: $(cat /out/corrupt.err)"
		kv corrupt "$corrupt"
	fi

	kv trigger_uptime "$(up)"
	sync
	log "trigger"
	echo 1 >/sys/module/edu_dma/parameters/trigger
	die "still running after the trigger"
}

capture_kernel() {
	: >/out/capture.status
	kv init_uptime "$(up)"
	kv cmdline "$(cat /proc/cmdline)"
	log "capture kernel up at $(up) s"

	# What the IOMMUs looked like at the crash, on the console and for
	# the host, before makedumpfile reads the dump.
	if [ -x /usr/bin/iommu-dump ]; then
		iommu-dump --timeout 30 /proc/vmcore 2>&1 | tee /out/iommu-dump.txt
		iommu-dump --timeout 30 --json /proc/vmcore >/out/iommu-dump.json \
			2>/out/iommu-dump.err
		kv iommu_dump_rc $?
	fi
	t0=$(up)
	makedumpfile --dump-dmesg /proc/vmcore /out/crashed-dmesg.txt \
		>/out/makedumpfile-dmesg.log 2>&1
	kv dmesg_rc $?
	t1=$(up)
	# Message level 23: the default (progress, common, errors) and the
	# report of excluded pages per kind (free pages among them), which
	# shows whether this makedumpfile could filter this kernel's dump.
	makedumpfile -l -d 31 --message-level 23 /proc/vmcore /out/vmcore.kdump \
		>/out/makedumpfile.log 2>&1
	rc=$?
	t2=$(up)
	sync
	kv dump_rc "$rc"
	kv dmesg_s "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
	kv dump_s "$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')"
	kv dump_bytes "$(stat -c %s /out/vmcore.kdump 2>/dev/null || echo 0)"
	kv vmcore_bytes "$(stat -c %s /proc/vmcore)"
	# The old-domain DMA test, while no driver has bound the edu devices.
	if [ -n "$takeover" ]; then
		lab-takeover "$takeover" >/out/takeover.log 2>&1
		kv takeover_rc $?
	fi
	if [ -r /in/capture-hook ]; then
		sh /in/capture-hook >/out/capture-hook.log 2>&1
		kv capture_hook_rc $?
	fi
	# What the edu buffers hold now (after the dump, so it cannot disturb
	# it): shows whether the crash-time read DMA got the read page's data.
	t3=$(up)
	probe=$(sed -n 's/^edu_target_iova=//p' /out/first.status 2>/dev/null)
	insmod /lib/modules/edu_dma.ko readback=1 ${probe:+probe_phys=$probe} \
		>/out/readback.log 2>&1
	kv readback_rc $?
	kv readback_s "$(awk -v a="$t3" -v b="$(up)" 'BEGIN { printf "%.2f", b - a }')"
	# The takeover ledger (CONFIG_IOMMU_KDUMP_TAKEOVER), after the read-back.
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	state=/sys/kernel/debug/iommu_kdump/state
	[ -r "$state" ] && cat "$state" >/out/iommu_kdump_state.txt 2>&1
	dmesg >/out/capture-dmesg.txt
	kv done_uptime "$(up)"
	log "capture done: makedumpfile rc=$rc in $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s"
	sync
	umount /out
	poweroff -f
	sleep 60
}

if [ "$stage" = capture ]; then
	capture_kernel
else
	first_kernel
fi
