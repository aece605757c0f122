#!/bin/bash
# deps.sh GROUP...: install the Debian packages a step needs, only when missing.
set -euo pipefail
declare -A pkgs=(
	[kernel]="build-essential flex bison bc libelf-dev libssl-dev ccache xz-utils patch cpio kmod"
	[lab]="qemu-system-x86 kexec-tools makedumpfile crash busybox-static cpio gzip jq python3 binutils"
	[unit]="clang libclang-rt-14-dev"
	[fuzz]="clang libclang-rt-14-dev"
	[patches]="git quilt"
	[plot]="gnuplot-nox"
	[mutants]="rsync patch"
	[qemu10]="apt dpkg"
	[inspect]="libkdumpfile-dev pkg-config clang libclang-rt-14-dev makedumpfile python3-drgn"
)
need=()
# The kernel source of KVER, at the exact Debian version its series is made
# for (patches/<KVER>/base): the hooks apply with zero fuzz to that one only.
for g in "$@"; do
	[ "$g" = kernel ] || continue
	top=$(cd "$(dirname "$0")/../.." && pwd)
	# shellcheck source=userspace/build/kver.sh
	. "$top/userspace/build/kver.sh"
	have=$(dpkg-query -W -f='${Status} ${Version}' "$kver_pkg" 2>/dev/null || true)
	[ "$have" = "install ok installed $kver_deb" ] || need+=("$kver_pkg=$kver_deb")
done
for g in "$@"; do
	for p in ${pkgs[$g]}; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
	done
done
[ ${#need[@]} -eq 0 ] && exit 0
echo "deps: installing ${need[*]}" >&2
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
# Wait for another apt (a second make target) rather than fail on its lock.
lock=(-o DPkg::Lock::Timeout=600)
$SUDO apt-get "${lock[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${lock[@]}" install -y -qq --no-install-recommends "${need[@]}" >/dev/null
