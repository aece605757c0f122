#!/bin/bash
# The generated patch series of KVER (6.1, the default, or 6.12):
# checkpatch --strict clean (that kernel's checkpatch), and applies with
# zero fuzz to the pristine linux-source-$KVER it names in patches/$KVER/base
# with both `git am` and `quilt push -a`. Prints PASS/FAIL lines; the cases
# of 6.12 are named "6.12/...".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
tarball=$kver_tarball
pfx=
[ "$kver" = 6.1 ] || pfx=$kver/
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$top/userspace/build/deps.sh" patches kernel

if ! "$top/userspace/build/patches.sh" "$work/series" >"$work/gen.log" 2>&1; then
	echo "FAIL ${pfx}patches-generate: $(tail -n 3 "$work/gen.log" | tr '\n' ' ')"
	exit 0
fi
echo "PASS ${pfx}patches-generate"

# The base: the installed package is the Debian version the series names,
# and its Makefile the kernel version.
have=$(dpkg-query -W -f='${Version}' "$kver_pkg" 2>/dev/null)
tree=$(tar -xJOf "$tarball" "$kver_pkg/Makefile" | awk -F' *= *' '$1 == "VERSION" {v = $2}
	$1 == "PATCHLEVEL" {p = $2} $1 == "SUBLEVEL" {s = $2} END {print v "." p "." s}')
if [ "$have" = "$kver_deb" ] && [ "$tree" = "$kver_kernelversion" ]; then
	echo "PASS ${pfx}patches-base"
else
	echo "FAIL ${pfx}patches-base: $kver_pkg $have (Makefile $tree), patches/$kver/base wants $kver_deb ($kver_kernelversion)"
fi

# The pristine files the series touches, straight from the Debian tarball.
files=$(cat "$work"/series/*.patch | sed -n 's|^--- a/||p' | sort -u)
mkdir -p "$work/pristine"
# shellcheck disable=SC2086
tar -C "$work/pristine" --strip-components=1 -xJf "$tarball" \
	$(printf "$kver_pkg/%s " $files)
tar -C "$work/pristine" --strip-components=1 -xJf "$tarball" \
	"$kver_pkg/scripts/checkpatch.pl" "$kver_pkg/scripts/spelling.txt" \
	"$kver_pkg/scripts/const_structs.checkpatch"
cp -r "$work/pristine" "$work/quilt"

for p in $(cat "$work/series/series"); do
	out=$(cd "$work/pristine" && perl scripts/checkpatch.pl --strict --no-tree \
		--ignore FILE_PATH_CHANGES "$work/series/$p" 2>&1)
	if printf '%s\n' "$out" | grep -qE '^(ERROR|WARNING|CHECK)'; then
		echo "FAIL ${pfx}checkpatch-$p: $(printf '%s\n' "$out" | grep -E '^(ERROR|WARNING|CHECK)' | head -n 3 | tr '\n' ' ')"
	else
		echo "PASS ${pfx}checkpatch-$p"
	fi
done

(
	cd "$work/pristine" || exit 1
	git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -qm base
) >/dev/null 2>&1
if (cd "$work/pristine" && git -c user.name=t -c user.email=t@t am -q "$work"/series/*.patch) >"$work/am.log" 2>&1; then
	echo "PASS ${pfx}patches-git-am"
else
	echo "FAIL ${pfx}patches-git-am: $(head -n 3 "$work/am.log" | tr '\n' ' ')"
fi
if (cd "$work/quilt" && QUILT_PATCHES="$work/series" quilt push -aq --fuzz=0) >"$work/quilt.log" 2>&1; then
	echo "PASS ${pfx}patches-quilt-push"
else
	echo "FAIL ${pfx}patches-quilt-push: $(tail -n 3 "$work/quilt.log" | tr '\n' ' ')"
fi
# What the build applies (hooks + overlay) must equal what the series gives.
bad=
for f in $(cd "$work/series" && cat ./*.patch | sed -n 's|^+++ b/||p' | sort -u); do
	cmp -s "$work/pristine/$f" "$top/build/linux$kver_sfx/$f" || bad="$bad $f"
done
if [ -z "$bad" ]; then
	echo "PASS ${pfx}patches-match-build-tree"
else
	echo "FAIL ${pfx}patches-match-build-tree: differs from build/linux$kver_sfx:$bad"
fi
