#!/bin/sh
# takeover-capture.sh BDF: old-domain DMA test, run by init.sh in the capture
# kernel (as /bin/lab-takeover, with lab.takeover=BDF) after the dump and
# before any driver binds the edu devices. Output: "takeover: key=value"
# lines on stdout; debugfs snapshots in /out/takeover-state-*.txt.
#
# BDF is an edu that did a write DMA at the crash ("edu_dma: dev=BDF ...
# role=write iova=IOVA phys=PHYS len=4088 canary=C pattern=P" in the
# crashed kernel's log). That write covered bytes 0..4087 of its target
# page (whether it landed or not); bytes 4088..4095 still hold the canary.
# The device buffer holds the pattern P in every word; the upper half of
# P differs from the upper half of C (their lower halves are both the
# device index). From userspace, through the device's BAR (edu_poke, no
# driver bound):
#   1. the device writes bytes 4..7 of its buffer (P's upper half) to
#      IOVA + 4088, its old IOVA, through the entry the capture kernel
#      copied;
#   2. the device is reset through sysfs: the capture kernel replaces its
#      copied entry and releases the old domain id (debugfs);
#   3. the same 4 bytes to IOVA + 4092: in a translated domain the old IOVA
#      no longer translates.
# The last word of the old page, read through /proc/vmcore before and after
# each step ("peek0..2"), shows which writes landed: its low half is step
# 1's target, its high half step 3's.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
dev=$1
state=/sys/kernel/debug/iommu_kdump/state
say() { echo "takeover: $*"; }
# Console markers: the QEMU trace times them (serial_write), so the lab's
# trace readers (tests/lab/hostile_trace.py) tell each poke's DMA apart on
# QEMU's clock.
mark() { echo "LAB: takeover $*" >/dev/console; }

mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
line=$(grep "edu_dma: dev=$dev index=[0-9]* role=write " /out/crashed-dmesg.txt | tail -n 1)
if [ -z "$line" ]; then
	say "error=no crash-time write line for $dev"
	exit 1
fi
field() { echo "$line" | sed -n "s/.* $1=\(0x[0-9a-f]*\).*/\1/p"; }
iova=$(field iova)
phys=$(field phys)
say "dev=$dev iova=$iova phys=$phys canary=$(field canary) pattern=$(field pattern)"
last_phys=$(printf '0x%x' $((phys + 4088)))

cat "$state" >/out/takeover-state-before.txt 2>&1
say "peek0=$(edu_poke peek "$last_phys")"
mark "poke1 start"
edu_poke dma "$dev" "$(printf '0x%x' $((iova + 4088)))" 4 4 >/dev/null 2>/out/takeover-dma1.err
rc=$?
mark "poke1 done"
say "dma1_rc=$rc"
say "peek1=$(edu_poke peek "$last_phys")"

echo 1 >/sys/bus/pci/devices/"$dev"/reset 2>/out/takeover-reset.err
say "reset_rc=$?"
say "reset_method=$(cat /sys/bus/pci/devices/"$dev"/reset_method 2>/dev/null)"
# Reading the state waits for the retirement work the reset queued.
cat "$state" >/out/takeover-state-after.txt 2>&1

mark "poke2 start"
edu_poke dma "$dev" "$(printf '0x%x' $((iova + 4092)))" 4 4 >/dev/null 2>/out/takeover-dma2.err
rc=$?
mark "poke2 done"
say "dma2_rc=$rc"
say "peek2=$(edu_poke peek "$last_phys")"
mark "done"
say "done"
