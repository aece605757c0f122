#!/bin/bash
# makedumpfile.sh: a makedumpfile that filters a Linux 6.12 vmcore, for the
# capture initramfs, without touching the system's makedumpfile.
#
# Debian 12's makedumpfile 1.7.2 predates 6.12 (see userspace/lab/README.md,
# "makedumpfile and Linux 6.12"). Debian's own newer package (unstable:
# 1.7.8 or later) links glibc 2.38+ and elfutils 0.192+, newer than
# Debian 12's, so it comes with those libraries: `apt-get download` of the
# packages from Debian unstable through a private apt configuration
# (build/makedumpfile/apt: the system's sources and lists stay as they are),
# `dpkg -x` into build/makedumpfile/root, and a wrapper that starts the
# binary with that root's own dynamic loader and libraries:
#   build/makedumpfile/makedumpfile   (prints its path when done)
# Done once; again only when the directory is removed. Needs the network to
# Debian's archive (deb.debian.org), like apt-get.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${BUILD:-$top/build}/makedumpfile
min=1:1.7.8
pkgs=(makedumpfile libc6 libdw1t64 libelf1t64 libzstd1 liblzo2-2 zlib1g libbz2-1.0 liblzma5)
if [ -x "$dir/makedumpfile" ] && [ -f "$dir/versions" ]; then
	echo "$dir/makedumpfile"
	exit 0
fi
log() { printf 'makedumpfile: %s\n' "$*" >&2; }
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/apt/lists/partial" "$dir.tmp/apt/cache/archives/partial" "$dir.tmp/debs"
cat >"$dir.tmp/apt/sources.list" <<EOS
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main
EOS
apt=(-o Dir::Etc::sourcelist="$dir.tmp/apt/sources.list" -o Dir::Etc::sourceparts=/nonexistent
	-o Dir::State::Lists="$dir.tmp/apt/lists" -o Dir::Cache="$dir.tmp/apt/cache"
	-o APT::Sandbox::User=root)
log "fetching Debian unstable's makedumpfile and its libraries (once)"
apt-get "${apt[@]}" update -qq
ver=$(apt-cache "${apt[@]}" policy makedumpfile | awk '/Candidate:/ {print $2}')
if ! dpkg --compare-versions "$ver" ge "$min"; then
	log "Debian unstable offers makedumpfile $ver, older than $min"
	exit 1
fi
(cd "$dir.tmp/debs" && apt-get "${apt[@]}" download -qq "${pkgs[@]}")
for d in "$dir.tmp"/debs/*.deb; do
	dpkg -x "$d" "$dir.tmp/root"
	dpkg-deb -f "$d" Package Version | paste -sd' ' >>"$dir.tmp/versions"
done
lib=/usr/lib/x86_64-linux-gnu
cat >"$dir.tmp/makedumpfile" <<EOS
#!/bin/sh
# makedumpfile $ver from Debian unstable with its own libraries
# (userspace/build/makedumpfile.sh). ROOT: where root/ is (the initramfs
# puts it at /opt/makedumpfile).
r=\${MAKEDUMPFILE_ROOT:-\$(dirname "\$0")/root}
exec "\$r$lib/ld-linux-x86-64.so.2" --library-path "\$r$lib:\$r/lib/x86_64-linux-gnu" \\
	"\$r/usr/bin/makedumpfile" "\$@"
EOS
chmod +x "$dir.tmp/makedumpfile"
"$dir.tmp/makedumpfile" -v | head -n 1 >&2
rm -rf "$dir.tmp/apt" "$dir.tmp/debs" "$dir.tmp/root/usr/share" "$dir"
mv "$dir.tmp" "$dir"
echo "$dir/makedumpfile"
