#!/bin/bash
# Kernel style: every kernel source file of the project passes
# checkpatch.pl --strict of each base (STYLE_KVERS, default "6.1 6.12": the
# checkpatch of that kernel's tree, build/linux or build/linux-6.12, or
# extracted from its linux-source tarball once into build/checkpatch-<kver>).
# A file with version-dependent lines is checked as that version gets it
# (userspace/build/kver-resolve.sh). Prints PASS/FAIL; 6.12's cases are
# named "6.12/checkpatch-FILE".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
files=$(git ls-files --cached --others --exclude-standard -- kernel arch drivers include tests/kmod | grep -E '\.[ch]$' | sort)
for v in ${STYLE_KVERS:-6.1 6.12}; do
	(
		export KVER=$v
		# shellcheck source=userspace/build/kver.sh
		. "$top/userspace/build/kver.sh"
		pfx=
		[ "$kver" = 6.1 ] || pfx=$kver/
		cp=$top/build/linux$kver_sfx/scripts/checkpatch.pl
		if [ ! -f "$cp" ]; then
			dir=$top/build/checkpatch-$kver
			if [ ! -f "$dir/scripts/checkpatch.pl" ] && [ -f "$kver_tarball" ]; then
				mkdir -p "$dir"
				tar -C "$dir" --strip-components=1 -xJf "$kver_tarball" \
					"$kver_pkg/scripts/checkpatch.pl" "$kver_pkg/scripts/spelling.txt" \
					"$kver_pkg/scripts/const_structs.checkpatch" 2>/dev/null
			fi
			cp=$dir/scripts/checkpatch.pl
		fi
		if [ ! -f "$cp" ]; then
			echo "FAIL ${pfx}checkpatch-available: no checkpatch.pl of $kver_pkg (run KVER=$kver make kernel)"
			exit 0
		fi
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		for f in $files; do
			src=$f
			if grep -q '/\* kver' "$f"; then
				mkdir -p "$tmp/$(dirname "$f")"
				"$top/userspace/build/kver-resolve.sh" "$f" >"$tmp/$f"
				src=$tmp/$f
			fi
			out=$(perl "$cp" --no-tree --strict --terse -f "$src" 2>&1 | grep -E '(ERROR|WARNING|CHECK):')
			if [ -z "$out" ]; then
				echo "PASS ${pfx}checkpatch-$f"
			else
				echo "FAIL ${pfx}checkpatch-$f: $(printf '%s\n' "$out" | head -n 2 | tr '\n' ' ')"
			fi
		done
	)
done
