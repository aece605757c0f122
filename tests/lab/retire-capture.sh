#!/bin/sh
# retire-capture.sh: the capture-side step of the hot-add cases of
# tests/lab/retire.sh, run by the capture kernel's /init as /in/capture-hook
# (userspace/lab/run.sh LAB_CAPTURE_HOOK) after the dump and before the
# read-back. Capture kernel option lab.hotadd=PORT,SRC: PORT is a free
# hot-plug root port, SRC the edu whose entry the first kernel copied to
# devfn 00.0 of PORT's secondary bus (lab.corrupt=clone-slot,SRC,PORT), so
# that the capture kernel took over an entry in use for the slot.
#   1. asks the host for the hot-add: the new device's BDF goes to
#      /out/hotadd.request, and tests/lab/qmp_hotadd.py on the host sends
#      QMP device_add into PORT;
#   2. waits (60 s at most) until the kernel has added the device;
#   3. with no driver bound, makes it write 4 bytes of its (zero) buffer
#      to SRC's crash-time IOVA + 4088, through the entry the capture
#      kernel took over for the slot, and reads the last word of SRC's old
#      target page through /proc/vmcore before and after (peek0, peek1).
# The read-back that follows in /init binds edu_dma to the new device too.
# Output: "hotadd: key=value" lines.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
say() { echo "hotadd: $*"; }
up() { cut -d' ' -f1 /proc/uptime; }

arg=
# shellcheck disable=SC2013 # the command line is words
for opt in $(cat /proc/cmdline); do
	case "$opt" in lab.hotadd=*) arg=${opt#lab.hotadd=} ;; esac
done
port=${arg%%,*} src=${arg#*,}
if [ -z "$arg" ] || [ "$port" = "$arg" ]; then
	say "error=no lab.hotadd=PORT,SRC on the command line"
	exit 1
fi
sec=$(cat "/sys/bus/pci/devices/$port/secondary_bus_number" 2>/dev/null)
if [ -z "$sec" ]; then
	say "error=$port has no secondary bus"
	exit 1
fi
dev=$(printf '%s:%02x:00.0' "${port%%:*}" "$sec")
say "port=$port src=$src dev=$dev"
t0=$(up)
echo "$dev" >/out/hotadd.request
i=0
while [ ! -e "/sys/bus/pci/devices/$dev/vendor" ] && [ "$i" -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -e "/sys/bus/pci/devices/$dev/vendor" ]; then
	say "error=$dev never appeared"
	exit 1
fi
# Let the bus notifiers (the IOMMU probe) finish.
sleep 1
say "appeared_s=$(awk -v a="$t0" -v b="$(up)" 'BEGIN { printf "%.1f", b - a }')"
say "id=$(cat "/sys/bus/pci/devices/$dev/vendor"):$(cat "/sys/bus/pci/devices/$dev/device")"
g=$(readlink "/sys/bus/pci/devices/$dev/iommu_group" 2>/dev/null)
say "group=${g##*/}"

line=$(grep "edu_dma: dev=$src index=[0-9]* role=write " /out/crashed-dmesg.txt | tail -n 1)
if [ -z "$line" ]; then
	say "error=no crash-time write line for $src"
	exit 1
fi
field() { echo "$line" | sed -n "s/.* $1=\(0x[0-9a-f]*\).*/\1/p"; }
iova=$(field iova)
phys=$(field phys)
last_phys=$(printf '0x%x' $((phys + 4088)))
say "iova=$iova phys=$phys"
say "peek0=$(edu_poke peek "$last_phys")"
edu_poke dma "$dev" "$(printf '0x%x' $((iova + 4088)))" 4 4 >/dev/null 2>/out/hotadd-dma.err
say "dma_rc=$?"
say "peek1=$(edu_poke peek "$last_phys")"
say "done"
