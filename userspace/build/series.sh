#!/bin/bash
# series.sh hooks: print "<sha1> <file>" for each hook patch of the series of
# KVER (patches/<KVER>/series, userspace/build/kver.sh) in order (the lines
# naming a .patch file).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
[ -f "$kver_patches/series" ] || exit 0
grep -v '^#' "$kver_patches/series" | awk 'NF {print $1}' | while read -r p; do
	case "$p" in *.patch) printf '%s %s\n' "$(sha1sum <"$kver_patches/$p" | cut -d' ' -f1)" "$p" ;; esac
done
