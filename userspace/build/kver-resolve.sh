#!/bin/bash
# kver-resolve.sh FILE: print FILE as the kernel of KVER (6.1, default, or
# 6.12) gets it. A shared new file may hold version-dependent lines between
#   #if ... /* kver 6.12 */   ...   #else /* kver 6.1 */   ...   #endif /* kver */
# (each directive line ends with that comment; a line ending in "/* kver */"
# alone, such as the <linux/version.h> include, is dropped): only the branch
# of KVER is kept, without the directives, so that the build tree and the
# generated patch series carry plain code for their base. Files without
# such lines are printed unchanged.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=userspace/build/kver.sh
. "$top/userspace/build/kver.sh"
awk -v want="$kver" '
	match($0, /\/\* kver( [0-9.]+)? \*\/[ \t]*$/) {
		tag = substr($0, RSTART + 8, RLENGTH - 8)
		sub(/ \*\/.*$/, "", tag)
		sub(/^ /, "", tag)
		if ($0 ~ /^#(if|else|elif)/) { keep = (tag == want); inblk = 1 }
		else if ($0 ~ /^#endif/) { inblk = 0 }
		next
	}
	!inblk || keep { print }
' "$1"
