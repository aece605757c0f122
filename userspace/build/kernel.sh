#!/bin/bash
# Build the lab kernel of KVER (6.1, the default, or 6.12): Debian's
# linux-source-<KVER> + the project's new files (overlay, shared by both)
# + the hook-point patch series patches/<KVER> + the lab config fragment(s).
#
# Each version has its own tree and objects (userspace/build/kver.sh):
# 6.1 in build/linux and build/obj, 6.12 in build/linux-6.12 and
# build/obj-6.12. Incremental: a source is extracted once (again only when
# the installed package's version changed); the overlay copies only files
# whose content changed; the series is re-applied only when it changed; the
# config is regenerated only when a fragment or the series changed; make
# runs only when one of these changed something since the last successful
# build (or with extra targets). Long steps print a "progress: " line.
# KERNEL_PREPARE_ONLY=1: stop before make, the tree extracted, patched,
# overlaid and configured (make test then builds it in the background).
# Usage: [KVER=6.1|6.12] kernel.sh [extra make targets]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
build=${BUILD:-$top/build}
src=$build/linux$kver_sfx
obj=$build/obj$kver_sfx
applied=$build/applied$kver_sfx
tarball=$kver_tarball
log() { printf 'kernel %s: %s\n' "$kver" "$*" >&2; }

"$top/userspace/build/deps.sh" kernel

mkdir -p "$build" "$obj"
# One build of a version at a time: concurrent callers wait here.
exec 9>"$build/.lock$kver_sfx"
flock 9
# The source the series is made for: the package version (deps.sh installed
# it) and, below, the extracted tree's own version.
pkgver=$(dpkg-query -W -f='${Version}' "$kver_pkg")
if [ "$pkgver" != "$kver_deb" ]; then
	log "$kver_pkg $pkgver is installed; patches/$kver/base wants $kver_deb"
	exit 1
fi
# A tree extracted before the marker named its version (empty marker) was
# extracted from the same installed package: the Makefile check below holds.
[ -f "$src/.extracted" ] && [ ! -s "$src/.extracted" ] && echo "$kver_pkg $pkgver" >"$src/.extracted"
if [ ! -f "$src/.extracted" ] || [ "$(cat "$src/.extracted")" != "$kver_pkg $pkgver" ]; then
	echo "progress: extracting $kver_pkg $pkgver (once, about 1 min)"
	log "extracting $tarball ($pkgver, once)"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xJf "$tarball"
	mv "$src.tmp" "$src"
	echo "$kver_pkg $pkgver" >"$src/.extracted"
	: >"$applied.series"
fi
treever=$(awk -F' *= *' '$1 == "VERSION" {v = $2} $1 == "PATCHLEVEL" {p = $2}
	$1 == "SUBLEVEL" {s = $2} END {print v "." p "." s}' "$src/Makefile")
if [ "$treever" != "$kver_kernelversion" ]; then
	log "$src/Makefile says $treever; patches/$kver/base wants $kver_kernelversion"
	exit 1
fi

# Set when anything the build reads changed since the last good build.
changed=0
[ -f "$obj/.build-ok" ] || changed=1

# --- patch series (hook points in existing files) -------------------------
want=$("$top/userspace/build/series.sh" hooks)
have=$(cat "$applied.series" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
	changed=1
	if [ -n "$have" ]; then
		log "series changed: reverting the applied patches"
		for p in $(printf '%s\n' "$have" | awk '{print $2}' | tac); do
			if ! patch -d "$src" -p1 -R -s -f --fuzz=0 <"$applied/$p" >/dev/null; then
				log "cannot revert $p: re-extracting"
				rm -f "$src/.extracted"
				exec "$0" "$@"
			fi
		done
	fi
	rm -rf "$applied"
	mkdir -p "$applied"
	: >"$applied.series"
	for p in $(printf '%s\n' "$want" | awk 'NF {print $2}'); do
		log "applying $p"
		# Zero fuzz: a hunk applied with fuzz can land in the wrong function
		# without a word. All or nothing: a patch that fails half-way would leave hunks
		# behind that the next run cannot revert.
		if ! err=$(patch -d "$src" -p1 -s -N --fuzz=0 --dry-run <"$kver_patches/$p" 2>&1); then
			log "patches/$kver/$p does not apply to the kernel source: $err"
			exit 1
		fi
		patch -d "$src" -p1 -s -N --fuzz=0 <"$kver_patches/$p"
		cp "$kver_patches/$p" "$applied/$p"
		grep " $p\$" <<<"$want" >>"$applied.series"
	done
fi

# --- overlay of the project's new files -----------------------------------
cd "$top"
new_list=$(find kernel arch drivers include -type f \( -name '*.[ch]' -o -name 'Kconfig*' -o -name 'Makefile' \) 2>/dev/null | sort || true)
old_list=$(cat "$build/overlay$kver_sfx.list" 2>/dev/null || true)
for f in $(comm -13 <(printf '%s\n' "$new_list") <(printf '%s\n' "$old_list")); do
	[ -n "$f" ] && { log "removing $f"; rm -f "$src/$f"; changed=1; }
done
for f in $new_list; do
	# A file with version-dependent lines goes in as this version's branch.
	from=$f
	if grep -q '/\* kver' "$f"; then
		"$top/userspace/build/kver-resolve.sh" "$f" >"$build/.resolved$kver_sfx"
		from=$build/.resolved$kver_sfx
	fi
	if ! cmp -s "$from" "$src/$f"; then
		mkdir -p "$(dirname "$src/$f")"
		cp "$from" "$src/$f"
		changed=1
	fi
done
printf '%s\n' "$new_list" >"$build/overlay$kver_sfx.list"

# --- configuration ----------------------------------------------------------
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'
export KBUILD_BUILD_USER=lab KBUILD_BUILD_HOST=lab
export CCACHE_BASEDIR=$top CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros
mk=(make -C "$src" O="$obj" CC="ccache gcc" HOSTCC="ccache gcc" -j"$(nproc)" -s)
# configs/lab.config, then what differs on this version
# (configs/lab-<KVER>.config, when there is one; its lines win).
frags=(configs/lab.config)
[ -f "configs/lab-$kver.config" ] && frags+=("configs/lab-$kver.config")
awk -F= '/^CONFIG_/ {if (!($1 in v)) k[n++] = $1; v[$1] = $0; next}
	END {for (i = 0; i < n; i++) print v[k[i]]}' "${frags[@]}" >"$obj/lab.config"
cfgsum=$(cat "$obj/lab.config" "$applied.series" | sha1sum | cut -d' ' -f1)
if [ "$(cat "$obj/.config.sum" 2>/dev/null)" != "$cfgsum" ] || [ ! -f "$obj/.config" ]; then
	log "configuring from ${frags[*]}"
	KCONFIG_ALLCONFIG="$obj/lab.config" "${mk[@]}" allnoconfig >/dev/null
	"$top/userspace/build/checkconfig.sh" "$obj/lab.config" "$obj/.config"
	echo "$cfgsum" >"$obj/.config.sum"
	changed=1
fi

if [ "${KERNEL_PREPARE_ONLY:-0}" = 1 ]; then
	# What changed here must still be built by the next run.
	[ "$changed" = 0 ] || rm -f "$obj/.build-ok"
	log "prepared: $src (configured in $obj)"
	exit 0
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
