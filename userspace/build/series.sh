#!/bin/bash
# series.sh hooks: print "<sha1> <file>" for each hook patch of patches/series
# in order (the lines naming a .patch file).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$top/patches/series" ] || exit 0
grep -v '^#' "$top/patches/series" | awk 'NF {print $1}' | while read -r p; do
	case "$p" in *.patch) printf '%s %s\n' "$(sha1sum <"$top/patches/$p" | cut -d' ' -f1)" "$p" ;; esac
done
