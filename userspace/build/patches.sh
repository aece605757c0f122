#!/bin/bash
# patches.sh [OUTDIR]: write the whole change as a numbered patch series
# against pristine linux-source-6.1, applying with `git am` or `quilt push -a`.
#
# Each hook patch in patches/ carries the commit message, the diffs of the
# existing files it touches and an "Adds: FILE..." line naming the project's
# new files that belong to the same commit; the generated patch has the
# message followed by the new files' diffs and the hook diffs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/patches}
rm -rf "$out"
mkdir -p "$out"
cd "$top"

newfile_diff() {
	local f=$1 n
	n=$(wc -l <"$f")
	printf 'diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1,%d @@\n' "$f" "$f" "$f" "$n"
	sed 's/^/+/' "$f"
}

n=0
grep -v '^#' patches/series | awk 'NF {print $1}' | while read -r p; do
	n=$((n + 1))
	src=patches/$p
	dst=$out/$p
	adds=$(sed -n 's/^Adds: //p' "$src")
	for f in $adds; do
		[ -f "$f" ] || { echo "patches: $p adds $f, which does not exist" >&2; exit 1; }
	done
	{
		echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
		# Message up to and including the '---' separator.
		awk '/^---$/ {print; exit} {print}' "$src" |
			sed "s/^Subject: \[PATCH\]/Subject: [PATCH $n\/$(grep -cv '^#' patches/series)]/"
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
echo "patches: $(wc -l <"$out/series") patches in $out"
