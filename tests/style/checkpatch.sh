#!/bin/bash
# Kernel style: every kernel source file of the project passes
# checkpatch.pl --strict (from the extracted 6.1 tree). Prints PASS/FAIL.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cp=$top/build/linux/scripts/checkpatch.pl
[ -f "$cp" ] || { echo "FAIL checkpatch-available: $cp missing (run make kernel)"; exit 0; }
cd "$top"
for f in $(git ls-files --cached --others --exclude-standard -- kernel arch drivers include tests/kmod | grep -E '\.[ch]$' | sort); do
	out=$(perl "$cp" --no-tree --strict --terse -f "$f" 2>&1 | grep -E '(ERROR|WARNING|CHECK):')
	if [ -z "$out" ]; then
		echo "PASS checkpatch-$f"
	else
		echo "FAIL checkpatch-$f: $(printf '%s\n' "$out" | head -n 2 | tr '\n' ' ')"
	fi
done
