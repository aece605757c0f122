#!/bin/bash
# Test-case reporting for the shell test scripts, the same protocol as
# tests/unit/check.h (tests/run.sh counts the case lines, the logs keep
# the rows):
#   case_begin NAME        start a test case (a scenario)
#   ok ROW [DETAIL]        a check that held:   "ok NAME/ROW (DETAIL)"
#   notok ROW DETAIL       a check that failed: "not ok NAME/ROW: DETAIL"
#   check ROW STATUS DETAIL  ok when STATUS is 0, else notok ROW DETAIL
#   case_end [DETAIL]      "PASS NAME (DETAIL)" when at least one check
#                          ran and none failed, else "FAIL NAME: N of M
#                          checks failed [ROW,ROW...]; first: ROW: DETAIL"
#                          (every failed row is named: a mutant's Expect
#                          pattern can name the check that must fail)
#   skip NAME WHY          a deliberately skipped case: "SKIP NAME: WHY"
# case_failures holds the number of FAIL lines printed so far, for the
# script's exit status.
case_failures=0
_case= _case_rows=0 _case_bad=0 _case_first= _case_failed=

case_begin() {
	[ -z "$_case" ] || case_end
	_case=$1 _case_rows=0 _case_bad=0 _case_first= _case_failed=
}

ok() {
	_case_rows=$((_case_rows + 1))
	echo "ok $_case/$1${2:+ ($2)}"
}

notok() {
	_case_rows=$((_case_rows + 1)) _case_bad=$((_case_bad + 1))
	[ -n "$_case_first" ] || _case_first="$1: $2"
	_case_failed="${_case_failed:+$_case_failed,}$1"
	echo "not ok $_case/$1: $2"
}

check() {
	if [ "$2" -eq 0 ]; then ok "$1"; else notok "$1" "$3"; fi
}

case_end() {
	[ -n "$_case" ] || return 0
	if [ "$_case_rows" = 0 ]; then
		echo "FAIL $_case: no check ran${1:+ ($1)}"
		case_failures=$((case_failures + 1))
	elif [ "$_case_bad" != 0 ]; then
		echo "FAIL $_case: $_case_bad of $_case_rows checks failed [$_case_failed]; first: $_case_first"
		case_failures=$((case_failures + 1))
	else
		echo "PASS $_case ($_case_rows checks${1:+; $1})"
	fi
	_case=
}

skip() {
	echo "SKIP $1: $2"
}

# rows: read check rows from standard input ("ok ROW [(DETAIL)]",
# "not ok ROW: DETAIL", e.g. printed by a Python snippet) into the current
# case; other lines pass through. Use as: rows < <(command).
rows() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok "${line#ok }" ;;
		"not ok "*)
			line=${line#not ok }
			notok "${line%%: *}" "${line#*: }"
			;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}

# kver_case_names "$@": in a lab script, after userspace/build/kver.sh: on
# another kernel than 6.1 the script runs again with its output renamed, so
# that every case and row carries the version: lab-6.12-amd-... (once: the
# scripts it runs inherit LAB_KVER_NAMED and print the plain names).
kver_case_names() {
	[ "$kver" != 6.1 ] && [ -z "${LAB_KVER_NAMED:-}" ] || return 0
	LAB_KVER_NAMED=1 "$0" "$@" | sed -u -E "s/^(PASS|FAIL|SKIP|ok|not ok) lab-/\1 lab-$kver-/"
	exit "${PIPESTATUS[0]}"
}
