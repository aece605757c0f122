#!/bin/bash
# The generated patch series: checkpatch --strict clean, and applies to a
# pristine linux-source-6.1 with both `git am` and `quilt push -a`.
# Prints PASS/FAIL lines.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tarball=/usr/src/linux-source-6.1.tar.xz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$top/userspace/build/deps.sh" patches kernel

if ! "$top/userspace/build/patches.sh" "$work/series" >"$work/gen.log" 2>&1; then
	echo "FAIL patches-generate: $(tail -n 3 "$work/gen.log" | tr '\n' ' ')"
	exit 0
fi
echo "PASS patches-generate"

# The pristine files the series touches, straight from the Debian tarball.
files=$(cat "$work"/series/*.patch | sed -n 's|^--- a/||p' | sort -u)
mkdir -p "$work/pristine"
# shellcheck disable=SC2086
tar -C "$work/pristine" --strip-components=1 -xJf "$tarball" \
	$(printf 'linux-source-6.1/%s ' $files)
tar -C "$work/pristine" --strip-components=1 -xJf "$tarball" \
	linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
	linux-source-6.1/scripts/const_structs.checkpatch
cp -r "$work/pristine" "$work/quilt"

for p in $(cat "$work/series/series"); do
	out=$(cd "$work/pristine" && perl scripts/checkpatch.pl --strict --no-tree \
		--ignore FILE_PATH_CHANGES "$work/series/$p" 2>&1)
	if printf '%s\n' "$out" | grep -qE '^(ERROR|WARNING|CHECK)'; then
		echo "FAIL checkpatch-$p: $(printf '%s\n' "$out" | grep -E '^(ERROR|WARNING|CHECK)' | head -n 3 | tr '\n' ' ')"
	else
		echo "PASS checkpatch-$p"
	fi
done

(
	cd "$work/pristine" || exit 1
	git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -qm base
) >/dev/null 2>&1
if (cd "$work/pristine" && git -c user.name=t -c user.email=t@t am -q "$work"/series/*.patch) >"$work/am.log" 2>&1; then
	echo "PASS patches-git-am"
else
	echo "FAIL patches-git-am: $(head -n 3 "$work/am.log" | tr '\n' ' ')"
fi
if (cd "$work/quilt" && QUILT_PATCHES="$work/series" quilt push -aq --fuzz=0) >"$work/quilt.log" 2>&1; then
	echo "PASS patches-quilt-push"
else
	echo "FAIL patches-quilt-push: $(tail -n 3 "$work/quilt.log" | tr '\n' ' ')"
fi
# What the build applies (hooks + overlay) must equal what the series gives.
bad=
for f in $(cd "$work/series" && cat ./*.patch | sed -n 's|^+++ b/||p' | sort -u); do
	cmp -s "$work/pristine/$f" "$top/build/linux/$f" || bad="$bad $f"
done
if [ -z "$bad" ]; then
	echo "PASS patches-match-build-tree"
else
	echo "FAIL patches-match-build-tree: differs from build/linux:$bad"
fi
