#!/bin/bash
# patches.sh [OUTDIR]: write the whole change as a numbered patch series
# against pristine linux-source-$KVER (6.1, the default, or 6.12: the hook
# series patches/$KVER), applying with `git am` or `quilt push -a`. Default
# OUTDIR: build/patches (6.1), build/patches-6.12.
#
# Each hook patch in patches/ carries the commit message, the diffs of the
# existing files it touches and an "Adds: FILE..." line naming the project's
# new files that belong to the same commit; the generated patch has the
# message followed by the new files' diffs and the hook diffs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
out=${1:-$top/build/patches$kver_sfx}
series=$kver_patches/series
rm -rf "$out"
mkdir -p "$out"
cd "$top"

# A new file as the kernel of KVER gets it (kver-resolve.sh: only its
# version's branch of version-dependent lines).
newfile_diff() {
	local f=$1 n body
	body=$("$top/userspace/build/kver-resolve.sh" "$f"; echo x)
	body=${body%x}
	n=$(printf '%s' "$body" | wc -l)
	printf 'diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1,%d @@\n' "$f" "$f" "$f" "$n"
	printf '%s' "$body" | sed 's/^/+/'
}

n=0
grep -v '^#' "$series" | awk 'NF {print $1}' | while read -r p; do
	n=$((n + 1))
	src=$kver_patches/$p
	dst=$out/$p
	adds=$(sed -n 's/^Adds: //p' "$src")
	for f in $adds; do
		[ -f "$f" ] || { echo "patches: $p adds $f, which does not exist" >&2; exit 1; }
	done
	{
		echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
		# Message up to and including the '---' separator.
		awk '/^---$/ {print; exit} {print}' "$src" |
			sed "s/^Subject: \[PATCH\]/Subject: [PATCH $n\/$(grep -cv '^#' "$series")]/"
		echo
		for f in $adds; do newfile_diff "$f"; done
		# The hook diffs.
		awk 'f {print} /^diff --git / && !f {f = 1; print}' "$src"
		echo "-- "
		echo "2.39.5"
		echo
	} >"$dst"
	echo "$p" >>"$out/series"
done
echo "patches: $(wc -l <"$out/series") patches for $kver_pkg $kver_deb in $out"
