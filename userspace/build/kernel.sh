#!/bin/bash
# Build the lab kernel: Debian linux-source-6.1 + the project's new files
# (overlay) + the hook-point patch series + the lab config fragment.
#
# Incremental: the source is extracted once; the overlay copies only files
# whose content changed; the series is re-applied only when it changed; the
# config is regenerated only when the fragment or the series changed; make
# runs only when one of these changed something since the last successful
# build (or with extra targets). Long steps print a "progress: " line.
# Usage: kernel.sh [extra make targets]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
src=$build/linux
obj=$build/obj
tarball=/usr/src/linux-source-6.1.tar.xz
log() { printf 'kernel: %s\n' "$*" >&2; }

"$top/userspace/build/deps.sh" kernel

mkdir -p "$build" "$obj"
# One build at a time: concurrent callers wait here.
exec 9>"$build/.lock"
flock 9
if [ ! -f "$src/.extracted" ]; then
	echo "progress: extracting linux-source-6.1 (once, about 1 min)"
	log "extracting $tarball (once)"
	rm -rf "$src" "$build/linux.tmp"
	mkdir -p "$build/linux.tmp"
	tar -C "$build/linux.tmp" --strip-components=1 -xJf "$tarball"
	mv "$build/linux.tmp" "$src"
	: >"$src/.extracted"
	: >"$build/applied.series"
fi

# Set when anything the build reads changed since the last good build.
changed=0
[ -f "$obj/.build-ok" ] || changed=1

# --- patch series (hook points in existing files) -------------------------
want=$("$top/userspace/build/series.sh" hooks)
have=$(cat "$build/applied.series" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
	changed=1
	if [ -n "$have" ]; then
		log "series changed: reverting the applied patches"
		for p in $(printf '%s\n' "$have" | awk '{print $2}' | tac); do
			if ! patch -d "$src" -p1 -R -s -f --fuzz=0 <"$build/applied/$p" >/dev/null; then
				log "cannot revert $p: re-extracting"
				rm -f "$src/.extracted"
				exec "$0" "$@"
			fi
		done
	fi
	rm -rf "$build/applied"
	mkdir -p "$build/applied"
	: >"$build/applied.series"
	for p in $(printf '%s\n' "$want" | awk 'NF {print $2}'); do
		log "applying $p"
		# Zero fuzz: a hunk applied with fuzz can land in the wrong function
		# without a word. All or nothing: a patch that fails half-way would leave hunks
		# behind that the next run cannot revert.
		if ! err=$(patch -d "$src" -p1 -s -N --fuzz=0 --dry-run <"$top/patches/$p" 2>&1); then
			log "patches/$p does not apply to the kernel source: $err"
			exit 1
		fi
		patch -d "$src" -p1 -s -N --fuzz=0 <"$top/patches/$p"
		cp "$top/patches/$p" "$build/applied/$p"
		grep " $p\$" <<<"$want" >>"$build/applied.series"
	done
fi

# --- overlay of the project's new files -----------------------------------
cd "$top"
new_list=$(find kernel arch drivers include -type f \( -name '*.[ch]' -o -name 'Kconfig*' -o -name 'Makefile' \) 2>/dev/null | sort || true)
old_list=$(cat "$build/overlay.list" 2>/dev/null || true)
for f in $(comm -13 <(printf '%s\n' "$new_list") <(printf '%s\n' "$old_list")); do
	[ -n "$f" ] && { log "removing $f"; rm -f "$src/$f"; changed=1; }
done
for f in $new_list; do
	if ! cmp -s "$f" "$src/$f"; then
		mkdir -p "$(dirname "$src/$f")"
		cp "$f" "$src/$f"
		changed=1
	fi
done
printf '%s\n' "$new_list" >"$build/overlay.list"

# --- configuration ----------------------------------------------------------
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'
export KBUILD_BUILD_USER=lab KBUILD_BUILD_HOST=lab
export CCACHE_BASEDIR=$top CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros
mk=(make -C "$src" O="$obj" CC="ccache gcc" HOSTCC="ccache gcc" -j"$(nproc)" -s)
cfgsum=$(cat configs/lab.config "$build/applied.series" | sha1sum | cut -d' ' -f1)
if [ "$(cat "$obj/.config.sum" 2>/dev/null)" != "$cfgsum" ] || [ ! -f "$obj/.config" ]; then
	log "configuring from configs/lab.config"
	KCONFIG_ALLCONFIG="$top/configs/lab.config" "${mk[@]}" allnoconfig >/dev/null
	"$top/userspace/build/checkconfig.sh" "$top/configs/lab.config" "$obj/.config"
	echo "$cfgsum" >"$obj/.config.sum"
	changed=1
fi

if [ "$changed" = 0 ] && [ $# = 0 ] && [ -f "$obj/arch/x86/boot/bzImage" ]; then
	log "up to date: $obj/arch/x86/boot/bzImage"
	exit 0
fi
rm -f "$obj/.build-ok"
if [ -f "$obj/vmlinux" ]; then
	echo "progress: kernel build (incremental)"
else
	echo "progress: kernel build (first one: about 13 min on 2 cores with an empty ccache, 3-5 min with a warm one)"
fi
log "building"
"${mk[@]}" bzImage vmlinux modules_prepare "$@"
: >"$obj/.build-ok"
log "done: $obj/arch/x86/boot/bzImage"
