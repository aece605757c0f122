#!/bin/bash
# unstable.sh TOOL: Debian unstable's makedumpfile or crash, with its own
# libraries, beside the system's (which stays untouched). Linux 6.12 is
# newer than Debian 12's makedumpfile 1.7.2 and crash 8.0.2 (see
# userspace/lab/README.md, "makedumpfile, crash and Linux 6.12"): crash
# 8.0.2 cannot open a 6.12 dump at all (module layout of 6.4+, then heap
# corruption with --no_modules).
#
# Debian unstable's packages link a newer glibc (2.38+) and libraries than
# Debian 12 has, so they come with those: `apt-get download` of the tool
# and its library packages from Debian unstable through a private apt
# configuration (build/TOOL/apt: the system's sources and lists stay as
# they are), `dpkg -x` into build/TOOL/root, and a wrapper that starts the
# binary with that root's own dynamic loader and libraries:
#   build/makedumpfile/makedumpfile, build/crash/crash
# (prints the wrapper's path when done). Done once per tool; again only when
# its directory is removed. Needs Debian's archive (deb.debian.org), as
# apt-get does.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tool=${1:-}
lib=/usr/lib/x86_64-linux-gnu
case "$tool" in
makedumpfile)
	min=1:1.7.8 bin=/usr/bin/makedumpfile
	pkgs=(makedumpfile libc6 libdw1t64 libelf1t64 libzstd1 liblzo2-2 zlib1g libbz2-1.0 liblzma5)
	;;
crash)
	# crash 8.0.3 is the first to read Linux 6.4+'s struct module_memory
	min=8.0.3 bin=/usr/bin/crash
	pkgs=(crash libc6 libgcc-s1 libgmp10 liblzo2-2 libmpfr6 libncursesw6 libsnappy1v5
		libstdc++6 libtinfo6 libzstd1 zlib1g liblzma5)
	;;
*)
	echo "usage: unstable.sh makedumpfile|crash" >&2
	exit 2
	;;
esac
dir=${BUILD:-$top/build}/$tool
if [ -x "$dir/$tool" ] && [ -f "$dir/versions" ]; then
	echo "$dir/$tool"
	exit 0
fi
log() { printf '%s: %s\n' "$tool" "$*" >&2; }
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/apt/lists/partial" "$dir.tmp/apt/cache/archives/partial" "$dir.tmp/debs"
cat >"$dir.tmp/apt/sources.list" <<EOS
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main
EOS
apt=(-o Dir::Etc::sourcelist="$dir.tmp/apt/sources.list" -o Dir::Etc::sourceparts=/nonexistent
	-o Dir::State::Lists="$dir.tmp/apt/lists" -o Dir::Cache="$dir.tmp/apt/cache"
	-o APT::Sandbox::User=root)
log "fetching Debian unstable's $tool and its libraries (once)"
apt-get "${apt[@]}" update -qq
ver=$(apt-cache "${apt[@]}" policy "$tool" | awk '/Candidate:/ {print $2}')
if ! dpkg --compare-versions "$ver" ge "$min"; then
	log "Debian unstable offers $tool $ver, older than $min"
	exit 1
fi
(cd "$dir.tmp/debs" && apt-get "${apt[@]}" download -qq "${pkgs[@]}")
for d in "$dir.tmp"/debs/*.deb; do
	dpkg -x "$d" "$dir.tmp/root"
	dpkg-deb -f "$d" Package Version | paste -sd' ' >>"$dir.tmp/versions"
done
# Every library the binary needs must come from root/, none from the system.
r=$dir.tmp/root
if ! libs=$("$r$lib/ld-linux-x86-64.so.2" --library-path "$r$lib:$r/lib/x86_64-linux-gnu" \
	--list "$r$bin"); then
	log "the dynamic loader of Debian unstable cannot load $bin"
	exit 1
fi
missing=$(printf '%s\n' "$libs" | awk -v r="$r" '$2 == "=>" && index($3, r) != 1 {print $1}')
if [ -n "$missing" ]; then
	log "libraries not in the package list of unstable.sh: $(echo $missing)"
	exit 1
fi
cat >"$dir.tmp/$tool" <<EOS
#!/bin/sh
# $tool $ver from Debian unstable with its own libraries
# (userspace/build/unstable.sh). ${tool^^}_ROOT: where root/ is (the capture
# initramfs puts makedumpfile's at /opt/makedumpfile).
r=\${${tool^^}_ROOT:-\$(dirname "\$0")/root}
exec "\$r$lib/ld-linux-x86-64.so.2" --library-path "\$r$lib:\$r/lib/x86_64-linux-gnu" \\
	"\$r$bin" "\$@"
EOS
chmod +x "$dir.tmp/$tool"
rm -rf "$dir.tmp/apt" "$dir.tmp/debs" "$dir.tmp/root/usr/share/doc" "$dir.tmp/root/usr/share/man" "$dir"
mv "$dir.tmp" "$dir"
log "$(head -n 1 "$dir/versions")"
echo "$dir/$tool"
