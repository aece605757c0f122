#!/bin/bash
# prepare.sh: stage what a lab run boots, rebuilding only what changed
# (KVER=6.12: build/lab-6.12 instead of build/lab, from build/obj-6.12).
#   build/lab/kernel/{bzImage,vmlinux}  copies of the built kernel (a later
#                                       kernel build cannot change them
#                                       under a running test)
#   build/lab/kmod/edu_dma.ko           the test module for that kernel
#                                       (built in a copy of tests/kmod)
#   build/lab/edu_poke                  static helper: edu DMA through sysfs,
#                                       old memory through /proc/vmcore
#   build/lab/initramfs.cpio.gz         busybox + kexec + makedumpfile +
#                                       their libraries + edu_dma.ko + /init
#                                       + edu_poke + lab-takeover
# Builds the kernel first (userspace/build/kernel.sh: incremental, a no-op
# when nothing changed). Prints "progress: ..." lines for the long steps
# and "lab: ..." lines on stderr.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
# KVER (6.1 or 6.12) selects the kernel: build/obj and build/lab for 6.1,
# build/obj-6.12 and build/lab-6.12 for 6.12 (userspace/build/kver.sh).
# shellcheck source=userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
obj=$build/obj$kver_sfx
lab=$build/lab$kver_sfx
log() { printf 'lab: %s\n' "$*" >&2; }

"$top/userspace/build/deps.sh" lab
"$top/userspace/build/kernel.sh"

for f in "$obj/arch/x86/boot/bzImage" "$obj/vmlinux" "$obj/vmlinux.symvers"; do
	[ -f "$f" ] || { log "missing $f after the kernel build"; exit 1; }
done
mkdir -p "$lab/kernel"

# Shared lock: wait for a kernel build in progress (kernel.sh holds the
# lock exclusively), then copy a consistent kernel and build the module.
exec 9>"$build/.lock"
flock -s 9
stamp=$(stat -c '%s %Y' "$obj/arch/x86/boot/bzImage" "$obj/vmlinux" | tr '\n' ' ')
if [ "$(cat "$lab/kernel/stamp" 2>/dev/null)" != "$stamp" ]; then
	log "staging the kernel"
	for f in arch/x86/boot/bzImage vmlinux; do
		cp "$obj/$f" "$lab/kernel/.tmp"
		mv -f "$lab/kernel/.tmp" "$lab/kernel/$(basename "$f")"
	done
	echo "$stamp" >"$lab/kernel/stamp"
fi
# Module.symvers of the tree is only written by "make modules"; the
# symbols of vmlinux come from vmlinux.symvers instead.
# Built in a copy of tests/kmod per kernel ($lab/kmod), so that the two
# kernels' modules never overwrite each other.
kmod=$lab/kmod
mkdir -p "$kmod"
# Version-dependent lines (/* kver */) as this kernel gets them.
for f in Kbuild edu_dma.c; do
	"$top/userspace/build/kver-resolve.sh" "$top/tests/kmod/$f" >"$kmod/.$f"
	if cmp -s "$kmod/.$f" "$kmod/$f"; then rm -f "$kmod/.$f"; else mv -f "$kmod/.$f" "$kmod/$f"; fi
done
if ! make -s -C "$build/linux$kver_sfx" O="$obj" M="$kmod" \
	KBUILD_EXTRA_SYMBOLS="$obj/vmlinux.symvers" modules >"$lab/kmod.log" 2>&1; then
	cat "$lab/kmod.log" >&2
	log "building tests/kmod/edu_dma.ko failed"
	exit 1
fi
grep -v -e 'Module.symvers is missing' -e 'Modules may not have' \
	-e 'unresolved symbol warnings' "$lab/kmod.log" >&2 || true
flock -u 9

# --- static helper of the capture kernel's takeover test ------------------
poke_src=$top/userspace/lab/edu_poke.c
if [ ! -x "$lab/edu_poke" ] || [ "$poke_src" -nt "$lab/edu_poke" ]; then
	gcc -std=c11 -O2 -Wall -Wextra -Werror -static -o "$lab/edu_poke.tmp" "$poke_src"
	mv -f "$lab/edu_poke.tmp" "$lab/edu_poke"
fi

# --- the dump inspector: the capture kernel runs it on /proc/vmcore ---------
"$top/userspace/build/deps.sh" inspect
make -s -C "$top/userspace/inspect" out="$build/inspect" "$build/inspect/iommu-dump"

# --- makedumpfile ----------------------------------------------------------
# LAB_MAKEDUMPFILE=system: Debian 12's (1.7.2); unstable: Debian unstable's
# (1.7.8 or later) with its own libraries (userspace/build/unstable.sh makedumpfile),
# which filters a 6.12 vmcore (userspace/lab/README.md). Default: system on
# 6.1, unstable on 6.12.
mdf=${LAB_MAKEDUMPFILE:-system}
[ -n "${LAB_MAKEDUMPFILE:-}" ] || [ "$kver" = 6.1 ] || mdf=unstable
mdf_files=()
case "$mdf" in
system) ;;
unstable)
	mdf_root=$(dirname "$("$top/userspace/build/unstable.sh" makedumpfile)")/root
	l=/usr/lib/x86_64-linux-gnu
	mdf_files=("$mdf_root/usr/bin/makedumpfile" "$mdf_root$l/ld-linux-x86-64.so.2")
	for f in $("$mdf_root$l/ld-linux-x86-64.so.2" --library-path "$mdf_root$l" --list \
		"$mdf_root/usr/bin/makedumpfile" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
		mdf_files+=("$f")
	done
	;;
*) log "LAB_MAKEDUMPFILE must be system or unstable"; exit 2 ;;
esac

# --- initramfs -------------------------------------------------------------
bins=(/usr/bin/busybox /usr/sbin/kexec /usr/bin/makedumpfile "$build/inspect/iommu-dump")
libs=$(for b in "${bins[@]}"; do ldd "$b" 2>/dev/null || true; done |
	awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | sort -u)
# shellcheck disable=SC2086 # one library path per word
sum=$(cat "$top/userspace/lab/init.sh" "$kmod/edu_dma.ko" "${bins[@]}" \
	"$lab/edu_poke" "$top/userspace/lab/takeover-capture.sh" $libs "${mdf_files[@]}" |
	sha1sum | cut -d' ' -f1)
if [ "$(cat "$lab/initramfs.sum" 2>/dev/null)" = "$sum" ] && [ -f "$lab/initramfs.cpio.gz" ]; then
	exit 0
fi
echo "progress: building the initramfs"
log "building the initramfs"
root=$lab/initramfs.root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules,lib64,proc,sys,dev,in,out,tmp}
cp /usr/bin/busybox "$root/bin/busybox"
for applet in $(/usr/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cp /usr/sbin/kexec "$root/usr/sbin/kexec"
if [ "$mdf" = system ]; then
	cp /usr/bin/makedumpfile "$root/usr/bin/makedumpfile"
else
	# Its own loader and libraries under /opt/makedumpfile, started by a
	# wrapper (the system's libraries are too old for it).
	for f in "${mdf_files[@]}"; do
		mkdir -p "$root/opt/makedumpfile$(dirname "${f#"$mdf_root"}")"
		cp -L "$f" "$root/opt/makedumpfile${f#"$mdf_root"}"
	done
	cat >"$root/usr/bin/makedumpfile" <<EOS
#!/bin/sh
r=/opt/makedumpfile
exec \$r$l/ld-linux-x86-64.so.2 --library-path \$r$l \$r/usr/bin/makedumpfile "\$@"
EOS
	chmod +x "$root/usr/bin/makedumpfile"
fi
cp "$build/inspect/iommu-dump" "$root/usr/bin/iommu-dump"
for l in $libs; do
	mkdir -p "$root$(dirname "$l")"
	cp -L "$l" "$root$l"
done
cp "$kmod/edu_dma.ko" "$root/lib/modules/edu_dma.ko"
install -m 0755 "$top/userspace/lab/init.sh" "$root/init"
install -m 0755 "$lab/edu_poke" "$root/bin/edu_poke"
install -m 0755 "$top/userspace/lab/takeover-capture.sh" "$root/bin/lab-takeover"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet --reproducible) | gzip -1 >"$lab/initramfs.cpio.gz.tmp"
mv -f "$lab/initramfs.cpio.gz.tmp" "$lab/initramfs.cpio.gz"
echo "$sum" >"$lab/initramfs.sum"
rm -rf "$root"
log "initramfs: $(stat -c %s "$lab/initramfs.cpio.gz") bytes"
