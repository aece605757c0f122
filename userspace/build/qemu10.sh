#!/bin/bash
# qemu10.sh: install QEMU 10.0 (Debian bookworm-backports' qemu-system-x86)
# into build/qemu10, beside the system's QEMU 7.2, which stays untouched.
#
# A private apt configuration (its own sources list, lists, cache and
# status file, all under build/qemu10/apt) downloads the three packages
# with `apt-get download`; `dpkg -x` unpacks them into build/qemu10/root.
# The system's apt sources, lists and packages are not changed. The binary
# must find every library on this Debian 12 machine (ldd, checked here):
# libraries it lacks are named and the script fails.
# Prints the path of the qemu-system-x86_64 binary on success; its data
# files (BIOS, option ROMs) are in root/usr/share/qemu (-L).
# Idempotent: a complete install is reused.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dest=${BUILD:-$top/build}/qemu10
bin=$dest/root/usr/bin/qemu-system-x86_64
log() { printf 'qemu10: %s\n' "$*" >&2; }

if [ -x "$bin" ] && [ -f "$dest/.ok" ]; then
	echo "$bin"
	exit 0
fi
"$top/userspace/build/deps.sh" qemu10
mkdir -p "$dest"
exec 9>"$dest/.lock"
flock 9
if [ -x "$bin" ] && [ -f "$dest/.ok" ]; then
	echo "$bin"
	exit 0
fi
echo "progress: installing QEMU 10.0 from bookworm-backports into $dest (once)" >&2
apt=$dest/apt
rm -rf "$apt" "$dest/debs" "$dest/root"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc/preferences.d" \
	"$apt/etc/apt.conf.d" "$apt/etc/trusted.gpg.d" "$dest/debs"
: >"$apt/status"
cat >"$apt/etc/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
SRC
opts=(-o "Dir::Etc::SourceList=$apt/etc/sources.list"
	-o "Dir::Etc::SourceParts=$apt/etc/sources.list.d"
	-o "Dir::Etc::Preferences=$apt/etc/preferences"
	-o "Dir::Etc::PreferencesParts=$apt/etc/preferences.d"
	-o "Dir::Etc::Parts=$apt/etc/apt.conf.d"
	-o "Dir::State::Lists=$apt/lists"
	-o "Dir::State::status=$apt/status"
	-o "Dir::Cache=$apt/cache"
	-o "Debug::NoLocking=1"
	-o "APT::Get::List-Cleanup=0")
log "apt-get update (private lists: $apt/lists)"
apt-get "${opts[@]}" update -qq >"$dest/apt-update.log" 2>&1 ||
	{ cat "$dest/apt-update.log" >&2; log "apt-get update of bookworm-backports failed"; exit 1; }
ver=$(apt-cache "${opts[@]}" show qemu-system-x86 2>/dev/null |
	sed -n 's/^Version: //p' | grep -E '^1:10\.0\.' | sort -V | tail -n 1)
[ -n "$ver" ] || { log "no qemu-system-x86 10.0.x in bookworm-backports"; exit 1; }
log "downloading qemu-system-x86 $ver"
(cd "$dest/debs" && apt-get "${opts[@]}" download -qq \
	"qemu-system-x86=$ver" "qemu-system-common=$ver" "qemu-system-data=$ver") \
	>"$dest/apt-download.log" 2>&1 ||
	{ cat "$dest/apt-download.log" >&2; log "apt-get download failed"; exit 1; }
mkdir -p "$dest/root"
for d in "$dest"/debs/*.deb; do
	dpkg -x "$d" "$dest/root"
done
[ -x "$bin" ] || { log "no $bin in the packages"; exit 1; }
missing=$(ldd "$bin" | awk '/not found/ {print $1}')
if [ -n "$missing" ]; then
	log "libraries missing on this machine for QEMU 10.0: $missing"
	exit 1
fi
"$bin" -L "$dest/root/usr/share/qemu" --version >"$dest/version" ||
	{ log "$bin does not run"; exit 1; }
log "$(head -n 1 "$dest/version")"
echo "$ver" >"$dest/.ok"
echo "$bin"
