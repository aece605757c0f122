#!/bin/bash
# make mutants: apply each mutation of tests/mutants/*.mutant (format in
# tests/mutants/README) to a scratch copy of the tree, run the test that
# must catch it, and count the kills that the mutant itself predicted.
#
# The copy is build/mutants/tree (the working tree without build/,
# results/ and .git), with its own build directory, so that the kernel is
# rebuilt incrementally there (one changed file: one object and a link)
# and the main build is never touched.
#
# Rules (a kill must be earned):
#   - every mutant has Mutant:, Test:, Why: and Expect: lines; its diff
#     touches product code only (kernel/, arch/, drivers/, include/, the
#     hook series patches/*.patch,
#     userspace/build/, userspace/inspect/), never a test, the lab's
#     oracles or another mutant: anything else is refused ("invalid");
#   - every distinct Test command first runs on the unmutated copy, all of
#     them before the first mutant (the baseline): one that fails there
#     makes its mutants "invalid";
#   - the diff must apply with zero fuzz (patch --fuzz=0, checked with
#     --dry-run first), and be reversed with zero fuzz after the test; a
#     reverse that fails stops the whole run (exit 2): later mutants would
#     run on a mutated tree;
#   - the mutant is "killed" only when a line "FAIL ..." of the test's
#     output matches the Expect: pattern (an extended regular expression,
#     grep -E). "Expect: build-error" instead: killed only when the build
#     failed (a compiler "error:" line or make's "Error N" in the output).
#     A build error for any other Expect, a failure with no matching FAIL
#     line, or a passing test: "SURVIVED", with what was seen.
#
# Output: one line per mutant -- "killed NAME: <the matching FAIL line>",
# "SURVIVED NAME: why", "invalid NAME: why" -- then "mutants killed: K of
# N" and the others by name. Logs: build/mutants/logs/NAME.log (and
# baseline-N.log). Environment: MUTANTS="name ..." runs only those.
# KVER=6.1|6.12 (default 6.1): the kernel the Tests build and boot for the
# mutants of shared code; a mutant of one hook series (patches/<v>/) runs
# on that kernel, v. The lab names its 6.12 cases lab-6.12-*, and so on
# 6.12 an Expect's "lab-" is read as "lab-6.12-" (unless it says so).
# Exit status 0 when every mutant was killed as it predicted.
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

# product_only FILE: every path the diff touches is product code.
product_only() {
	local p bad=
	for p in $(sed -n 's,^\(---\|+++\) [ab]/\([^[:space:]]*\).*,\2,p' "$1" | sort -u); do
		case $p in
		kernel/* | arch/* | drivers/* | include/* | patches/*.patch | userspace/build/* | userspace/inspect/*) ;;
		*) bad="$bad $p" ;;
		esac
	done
	[ -z "$bad" ] || { echo "touches non-product files:$bad"; return 1; }
	grep -q '^+++ b/' "$1" || { echo "no diff"; return 1; }
}

# build_error LOG: the test's build failed.
build_error() { grep -qE '(^|[^a-z])error: |make(\[[0-9]+\])?: \*\*\* .*Error [0-9]+' "$1"; }

kver=${KVER:-6.1}
# mutant_kver FILE: the kernel the mutant's Test runs on: the version of
# the hook series it mutates when it mutates one series only, else KVER.
mutant_kver() {
	local p v= n=0
	for p in $(sed -n 's,^\(---\|+++\) [ab]/\([^[:space:]]*\).*,\2,p' "$1" | sort -u); do
		case $p in
		patches/*/*)
			p=${p#patches/}
			[ "${p%%/*}" = "$v" ] || { v=${p%%/*} n=$((n + 1)); }
			;;
		*) n=$((n + 2)) ;;
		esac
	done
	if [ "$n" = 1 ]; then echo "$v"; else echo "$kver"; fi
}

files=()
for f in "$top"/tests/mutants/*.mutant; do
	[ -f "$f" ] || continue
	n=$(field "$f" Mutant)
	if [ -n "${MUTANTS:-}" ] && [[ " $MUTANTS " != *" $n "* ]]; then
		continue
	fi
	files+=("$f")
done
if [ -n "${MUTANTS:-}" ]; then
	for n in $MUTANTS; do
		[ -f "$top/tests/mutants/$n.mutant" ] || echo "invalid $n: no tests/mutants/$n.mutant"
	done
fi

# The baseline: every distinct test passes on the unmutated copy first.
declare -A baseline=()
nbase=0
for f in "${files[@]}"; do
	t=$(field "$f" Test) k=$(mutant_kver "$f")
	[ -n "$t" ] && [ -z "${baseline[$k $t]:-}" ] || continue
	bl=$logs/baseline-$nbase.log
	nbase=$((nbase + 1))
	echo "progress: baseline (KVER=$k): $t"
	(cd "$tree" && KVER=$k bash -c "$t") >"$bl" 2>&1
	st=$?
	if [ "$st" = 0 ] && ! grep -q '^FAIL ' "$bl"; then
		baseline[$k $t]=pass
	else
		baseline[$k $t]="fail, status $st ($bl): $(grep -m1 '^FAIL ' "$bl" | cut -c1-120)"
	fi
done

total=0 killed=0 others=()
for f in "${files[@]}"; do
	n=$(field "$f" Mutant) t=$(field "$f" Test) e=$(field "$f" Expect)
	k=$(mutant_kver "$f")
	[ "$k" = 6.1 ] || [[ "$e" == *"lab-$k-"* ]] || e=${e//lab-/lab-$k-}
	total=$((total + 1))
	if [ -z "$n" ] || [ -z "$t" ] || [ -z "$e" ] || [ -z "$(field "$f" Why)" ]; then
		echo "invalid $(basename "$f"): needs Mutant:, Test:, Why: and Expect: lines"
		others+=("$(basename "$f")")
		continue
	fi
	if ! why=$(product_only "$f"); then
		echo "invalid $n: $why"
		others+=("$n")
		continue
	fi
	if [ "${baseline[$k $t]}" != pass ]; then
		echo "invalid $n: baseline failed: ${baseline[$k $t]}"
		others+=("$n")
		continue
	fi
	if ! patch -d "$tree" -p1 -s -f --fuzz=0 --dry-run <"$f" >"$logs/$n.patch" 2>&1; then
		echo "invalid $n: does not apply with zero fuzz: $(head -n 2 "$logs/$n.patch" | tr '\n' ' ')"
		others+=("$n")
		continue
	fi
	patch -d "$tree" -p1 -s -f --fuzz=0 <"$f" >/dev/null
	echo "progress: mutant $n (KVER=$k): $t"
	(cd "$tree" && KVER=$k bash -c "$t") >"$logs/$n.log" 2>&1
	st=$?
	if ! patch -d "$tree" -p1 -s -f --fuzz=0 -R <"$f" >"$logs/$n.reverse" 2>&1; then
		echo "ERROR $n: the mutation does not reverse cleanly ($(head -n 2 "$logs/$n.reverse" | tr '\n' ' ')): stopping, the copy in $tree is mutated"
		exit 2
	fi
	if [ "$e" = build-error ]; then
		if build_error "$logs/$n.log"; then
			killed=$((killed + 1))
			echo "killed $n: build error: $(grep -m1 -E '(^|[^a-z])error: |\*\*\* .*Error [0-9]+' "$logs/$n.log" | cut -c1-160)"
		else
			echo "SURVIVED $n: Expect build-error, but the build did not fail (status $st)"
			others+=("$n")
		fi
		continue
	fi
	hit=$(grep -E '^FAIL ' "$logs/$n.log" | grep -m1 -E -- "$e")
	if [ -n "$hit" ]; then
		killed=$((killed + 1))
		echo "killed $n: $(cut -c1-200 <<<"$hit")"
	elif build_error "$logs/$n.log"; then
		echo "SURVIVED $n: the build failed, but Expect is not build-error: $(grep -m1 -E '(^|[^a-z])error: ' "$logs/$n.log" | cut -c1-120)"
		others+=("$n")
	elif grep -q '^FAIL ' "$logs/$n.log" || [ "$st" != 0 ]; then
		echo "SURVIVED $n: failed (status $st), but no FAIL line matches Expect '$e': $(grep -m1 '^FAIL ' "$logs/$n.log" | cut -c1-160)"
		others+=("$n")
	else
		echo "SURVIVED $n: the test passed; $(field "$f" Why)"
		others+=("$n")
	fi
done
echo "mutants killed: $killed of $total"
[ ${#others[@]} = 0 ] || echo "not killed as expected: ${others[*]}"
[ "$killed" = "$total" ]
