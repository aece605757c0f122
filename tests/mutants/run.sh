#!/bin/bash
# make mutants: apply each mutation of tests/mutants/*.mutant (format in
# tests/mutants/README) to a scratch copy of the tree, run the test that
# must catch it, and count the kills.
#
# The copy is build/mutants/tree (the working tree without build/,
# results/ and .git), with its own build directory, so that the kernel is
# rebuilt incrementally there (one changed file: one object and a link)
# and the main build is never touched. Each distinct Test command first
# runs once on the unmutated copy: a test that fails there kills nothing,
# and its mutants are reported "baseline failed".
#
# Output: one line per mutant -- "killed NAME", "SURVIVED NAME",
# "invalid NAME: why" -- then "mutants killed: K of N" and the survivors.
# Logs: build/mutants/logs/NAME.log (and baseline-N.log).
# Environment: MUTANTS="name ..." runs only those. Exit status 0 when every
# mutant was killed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$top/build/mutants
tree=$work/tree
logs=$work/logs
mkdir -p "$tree" "$logs"
"$top/userspace/build/deps.sh" mutants

echo "progress: copying the tree to $tree"
rsync -a --delete --exclude=/build --exclude=/results --exclude=.git "$top/" "$tree/"
# rsync restores the sources' mtimes, older than objects a mutant of an
# earlier run left: make would keep those. The userspace builds are cheap,
# start them afresh (the kernel build compares contents, not mtimes).
rm -rf "$tree/build/unit" "$tree/build/model" "$tree/build/takeover" \
	"$tree/build/fuzz" "$tree/build/inspect" "$tree/build/compare"

# field FILE NAME: the value of a header line "NAME: value".
field() { sed -n "s/^$2: //p;/^$/q" "$1" | head -n 1; }

# passes LOG STATUS: the test passed (status 0 and no FAIL line).
passes() { [ "$2" = 0 ] && ! grep -q '^FAIL ' "$1"; }

declare -A baseline=()
nbase=0
files=()
for f in "$top"/tests/mutants/*.mutant; do
	[ -f "$f" ] || continue
	n=$(field "$f" Mutant)
	if [ -n "${MUTANTS:-}" ] && [[ " $MUTANTS " != *" $n "* ]]; then
		continue
	fi
	files+=("$f")
done

total=0 killed=0 survivors=()
for f in "${files[@]}"; do
	n=$(field "$f" Mutant)
	t=$(field "$f" Test)
	total=$((total + 1))
	if [ -z "$n" ] || [ -z "$t" ]; then
		echo "invalid $(basename "$f"): no Mutant: or Test: line"
		survivors+=("$(basename "$f")")
		continue
	fi
	if [ -z "${baseline[$t]:-}" ]; then
		bl=$logs/baseline-$nbase.log
		nbase=$((nbase + 1))
		echo "progress: baseline: $t"
		(cd "$tree" && bash -c "$t") >"$bl" 2>&1
		if passes "$bl" $?; then baseline[$t]=pass; else baseline[$t]="fail ($bl)"; fi
	fi
	if [ "${baseline[$t]}" != pass ]; then
		echo "invalid $n: baseline failed: ${baseline[$t]}"
		survivors+=("$n")
		continue
	fi
	if ! patch -d "$tree" -p1 -s -f --dry-run <"$f" >"$logs/$n.patch" 2>&1; then
		echo "invalid $n: does not apply: $(head -n 2 "$logs/$n.patch" | tr '\n' ' ')"
		survivors+=("$n")
		continue
	fi
	patch -d "$tree" -p1 -s -f <"$f" >/dev/null
	echo "progress: mutant $n: $t"
	(cd "$tree" && bash -c "$t") >"$logs/$n.log" 2>&1
	st=$?
	patch -d "$tree" -p1 -s -f -R <"$f" >/dev/null
	if passes "$logs/$n.log" $st; then
		echo "SURVIVED $n: $(field "$f" Why)"
		survivors+=("$n")
	else
		killed=$((killed + 1))
		why=$(grep -m1 -E '^FAIL |^not ok ' "$logs/$n.log" ||
		      grep -m1 -E 'error|Error' "$logs/$n.log" ||
		      echo "exit status $st")
		echo "killed $n: $(cut -c1-160 <<<"$why")"
	fi
done
echo "mutants killed: $killed of $total"
[ ${#survivors[@]} = 0 ] || echo "survivors: ${survivors[*]}"
[ "$killed" = "$total" ]
