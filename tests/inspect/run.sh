#!/bin/bash
# tests/inspect/run.sh: tests of the dump inspector (userspace/inspect).
# Prints a row per check and one PASS / FAIL / SKIP line per test case
# (tests/lib/case.sh): each lab run with its checks, each dump format
# family, each unusable input.
#
#   1. build iommu-dump (plain and ASan/UBSan) and the test helpers
#   2. unit tests of the decoders (tests/inspect/test_decode.c)
#   3. lab runs (userspace/lab/run.sh, fresh dumps, nothing committed) of
#      both vendors (VT-d in legacy and in scalable mode) with
#      crash_dma_quiesce=write and off (and MODE=pt with write) -- the
#      lab group's runs of the same kernel when it ran them; then Linux
#      6.12's write runs of each vendor and VT-d mode (inspect-lab-6.12-*)
#      (build/lab/test-results), else new ones: the edu devices'
#      permission in the dump agrees with what
#      the QEMU trace saw (result.json), the changed bitmap agrees with the
#      first kernel's dry run, --check passes for write and fails for off
#   4. every makedumpfile format opens and decodes to the same devices:
#      -l (the lab's), -c, -p, -z re-filtered from it, and -E / -c from an
#      ELF vmcore (made by kdump2elf, which also stands in for /proc/vmcore)
#   5. unusable input: truncated dumps, a random file, an empty file, a
#      kernel without the record, tables outside the dump or not in it
#   6. a bounded fuzz run (INSPECT_FUZZ_SECS, default 30)
#
# Environment: INSPECT_LAB=0 skips 3-5 (no QEMU); INSPECT_FUZZ_SECS=0
# skips 6; INSPECT_KEEP=1 keeps the scratch directory (printed).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/inspect
tool=$out/iommu-dump-asan
k2e=$out/kdump2elf

# shellcheck source=../lib/case.sh
. "$top/tests/lib/case.sh"

"$top/userspace/build/deps.sh" inspect >/dev/null 2>&1 || true
if ! make -s -C "$top/userspace/inspect" all "$out/kdump2elf" >"$top/build/inspect-build.log" 2>&1; then
	echo "FAIL inspect-build: $(tail -n 5 "$top/build/inspect-build.log" | tr '\n' ' ')"
	exit 1
fi

out_unit=$("$out/test_decode" 2>&1)
rc=$?
printf '%s\n' "$out_unit"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' <<<"$out_unit"; then
	echo "FAIL inspect-unit: test_decode exited with status $rc"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/inspect-test.XXXXXX")
if [ "${INSPECT_KEEP:-0}" = 1 ]; then
	echo "# scratch: $scratch" >&2
else
	trap 'rm -rf "$scratch"' EXIT
fi

# json_get FILE PYTHON-EXPRESSION-ON-r: print the value.
json_get() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }

# pyrows LABEL MIN -- PYTHON-ARGS...: run a Python snippet (its script on
# standard input) that prints check rows, feed the rows into the current
# case, and fail the row LABEL-snippet when it exits non-zero (its rows
# may be lost) or prints fewer than MIN rows: a crashing snippet never
# passes by saying nothing.
pyrows() {
	local label=$1 min=$2 o rc n
	shift 3
	o=$(mktemp "$scratch/pyrows.XXXXXX")
	python3 "$@" >"$o" 2>"$o.err"
	rc=$?
	rows <"$o"
	n=$(grep -cE '^(ok|not ok) ' "$o")
	if [ "$rc" -ne 0 ]; then
		notok "$label-snippet" "the check script exited with status $rc after $n row(s): $(tail -n 2 "$o.err" | tr '\n' ' ')"
	elif [ "$n" -lt "$min" ]; then
		notok "$label-snippet" "the check script printed $n row(s), want at least $min"
	fi
	rm -f "$o" "$o.err"
}

# Table of record 0 from the first kernel's dry run (for mode off, where
# the crash path records none): "ADDR:SIZE".
dry_table() {
	awk '/^iommu 0:/ { for (i = 1; i <= NF; i++) { if ($i == "table") a = $(i + 1);
		if ($i == "size") s = $(i + 1) } } END { if (a != "" && a != "0x0") print a ":" s }' "$1/dry_run.txt" 2>/dev/null
}

# lab_case VENDOR STRATEGY MODE: one lab run and its checks (VENDOR
# intel-sm: VT-d in scalable mode).
lab_case() {
	local vendor=$1 strategy=$2 mode=$3 vtd=legacy
	local name=inspect-lab$ksfx-$vendor-$mode-$strategy dir rc json table= opts=()

	[ "$vendor" = intel-sm ] && vtd=scalable
	case_begin "$name"
	rc=0
	dir=$(tail -n 1 "$labres/lab-$vendor-$mode-$strategy.stdout" 2>/dev/null)
	if [ -n "$dir" ] && [ -f "$dir/vmcore.kdump" ] && [ "$dir/vmlinux" -ef "$lab/kernel/vmlinux" ]; then
		echo "# $name: the lab group's run $dir (same kernel)"
	else
		echo "progress: lab run $name"
		KVER=$kv RESULTS=$scratch/lab VENDOR=${vendor%-sm} VTD_MODE=$vtd STRATEGY=$strategy MODE=$mode LAB_PREPARED=1 \
			"$top/userspace/lab/run.sh" >"$scratch/$name.log" 2>&1 || rc=$?
		dir=$(tail -n 1 "$scratch/$name.log")
	fi
	if [ ! -f "$dir/vmcore.kdump" ] || [ ! -f "$dir/result.json" ]; then
		notok run "lab run produced no dump (rc $rc): $(grep -m1 -i error "$scratch/$name.log")"
		case_end
		return
	fi
	ok run
	json=$scratch/$name.json
	"$tool" --json "$dir/vmcore.kdump" >"$json" 2>"$scratch/$name.err"
	if [ "$(json_get "$json" "r['iommus'][0]['record_table']")" = 0x0 ]; then
		table=$(dry_table "$dir")
		[ -n "$table" ] && opts=(--table "0=$table")
		"$tool" --json "${opts[@]}" "$dir/vmcore.kdump" >"$json" 2>"$scratch/$name.err"
	fi
	if ! python3 -m json.tool "$json" >/dev/null 2>&1; then
		notok json "not valid JSON: $(head -c 200 "$scratch/$name.err")"
		case_end
		return
	fi
	ok json
	[ "$(json_get "$json" "r['record']['mode']")" = "$strategy" ]
	check record-mode $? "record mode $(json_get "$json" "r['record']['mode']"), want $strategy"

	# Per edu device: permission in the dump against the trace's verdict.
	pyrows edu 2 -- - "$dir/result.json" "$json" "$strategy" "$name" <<'EOF'
import json, sys
lab = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
strategy, name = sys.argv[3], sys.argv[4]
devs = {}
for io in rep["iommus"]:
    for d in io["devices"]:
        devs[d["bdf"]] = d
bufs = lab.get("buffers") or []
if not any(b.get("role") == "write" for b in bufs):
    print("not ok edu: result.json lists no edu write transfer")
for b in bufs:
    bdf = b["dev"].split(":", 1)[1] if b["dev"].count(":") == 2 else b["dev"]
    d = devs.get(bdf)
    tag = f"edu-{bdf}-{b['role']}"
    if d is None:
        print(f"not ok {tag}: {bdf} not among the decoded devices {sorted(devs)}")
        continue
    if b["role"] == "write":
        blocked = b["verdict"] == "blocked"
        want_w = strategy == "off"
        ok = d["write"] is want_w and blocked == (not want_w)
        print(("ok " if ok else "not ok ") + tag +
              ("" if ok else f": dump W={d['write']}, trace verdict {b['verdict']}, strategy {strategy}"))
        want_changed = strategy != "off"
        ok = d["changed"] is want_changed
        print(("ok " if ok else "not ok ") + tag + "-changed" +
              ("" if ok else f": changed={d['changed']}, want {want_changed}"))
    elif b["verdict"] in ("allowed", "blocked"):
        # Reads are never revoked by write or off: the trace saw them pass.
        ok = d["read"] is True and b["verdict"] == "allowed"
        print(("ok " if ok else "not ok ") + tag +
              ("" if ok else f": dump R={d['read']}, trace verdict {b['verdict']}"))
    else:
        # The lab could not observe this read (e.g. a pass-through fast
        # path): only the dump side is checked.
        ok = d["read"] is True
        print(("ok " if ok else "not ok ") + tag + "-dump-only" +
              ("" if ok else f": dump R={d['read']} (trace verdict {b['verdict']})"))
EOF

	# The crash path changed what the first kernel's dry run said it would.
	if [ "$strategy" = write ]; then
		pyrows changed-vs-dry-run 1 -- - "$dir/dry_run.txt" "$json" "$name" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
rep = json.load(open(sys.argv[2]))
name = sys.argv[3]
m = re.search(r"would lose write:(.*?)(?:\n\S|\Z)", text, re.S)
dry = set(re.findall(r"[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]", m.group(1))) if m else set()
io = rep["iommus"][0]
changed = {d["bdf"] for d in io["devices"] if d["changed"]}
ok = dry == changed and len(changed) + io["changed_missing"] == io["entries_changed"]
print(("ok " if ok else "not ok ") + "changed-vs-dry-run" +
      ("" if ok else f": dry run {sorted(dry)}, dump {sorted(changed)}, record {io['entries_changed']}"))
EOF
	fi

	# The drgn reader (record layout from DWARF, entries decoded again)
	# sees the same devices.
	/usr/bin/python3 "$top/userspace/inspect/iommu_dump_drgn.py" --json \
		${table:+"--table=0=$table"} "$dir/vmcore.kdump" "$dir/vmlinux" \
		>"$scratch/$name.drgn.json" 2>"$scratch/$name.drgn.err"
	pyrows drgn-agrees 1 -- - "$json" "$scratch/$name.drgn.json" "$name" <<'EOF'
import json, sys
name = sys.argv[3]
try:
    a = json.load(open(sys.argv[1]))
    b = json.load(open(sys.argv[2]))
except ValueError as e:
    print(f"not ok drgn-agrees: no JSON from the drgn reader ({e})")
    sys.exit()
key = lambda ds: sorted((d["bdf"], d["read"], d["write"], d["changed"]) for d in ds or [])
da = [key(io["devices"]) for io in a["iommus"]]
db = [key(io["devices"]) for io in b["iommus"]]
ok = da == db and any(da) and a["check"]["verdict"] == b["check"]["verdict"]
print(("ok " if ok else "not ok ") + "drgn-agrees" +
      ("" if ok else f": iommu-dump {da} {a['check']['verdict']}, drgn {db} {b['check']['verdict']}"))
EOF

	# With the lab hook that runs iommu-dump on the capture kernel's live
	# /proc/vmcore (result: iommu-dump.json beside the dump), the live
	# reading must equal the reading of the saved dump.
	if [ -f "$dir/iommu-dump.json" ]; then
		"$tool" --json "$dir/vmcore.kdump" >"$scratch/$name.plain.json" 2>/dev/null
		pyrows live-vmcore 1 -- - "$dir/iommu-dump.json" "$scratch/$name.plain.json" "$name" <<'EOF'
import json, sys
name = sys.argv[3]
try:
    live, saved = (json.load(open(p)) for p in sys.argv[1:3])
    same = json.dumps([live["record"], live["iommus"]], sort_keys=True) == \
        json.dumps([saved["record"], saved["iommus"]], sort_keys=True)
    print(("ok " if same else "not ok ") + "live-vmcore" +
          ("" if same else ": /proc/vmcore in the capture kernel decoded differently"))
except (ValueError, KeyError) as e:
    print(f"not ok live-vmcore: unreadable iommu-dump.json ({e})")
EOF
	fi

	# --check: 0 for write (nothing kept write), 1 for off.
	"$tool" --check "${opts[@]}" "$dir/vmcore.kdump" >"$scratch/$name.check" 2>&1
	rc=$?
	if [ "$strategy" = write ]; then
		check check-passes $rc "exit $rc, want 0: $(grep -m3 -E 'kept write|check:' "$scratch/$name.check" | tr '\n' ' ')"
	else
		[ "$rc" -eq 1 ] && grep -q 'kept write: 00:04.0' "$scratch/$name.check"
		check check-fails $? "exit $rc, want 1 naming 00:04.0"
	fi
	echo "$dir" >"$scratch/$name.dir"
	case_end
}

# formats NAME DIR: every makedumpfile format decodes like the -l dump.
formats() {
	local name=$1 dir=$2 ref=$scratch/$1.ref f rc
	case_begin "$name-formats"
	"$tool" --json "$dir/vmcore.kdump" >"$ref" 2>/dev/null
	"$k2e" "$dir/vmcore.kdump" "$scratch/$name.vmcore" 2>"$scratch/$name.k2e.err"
	check elf-vmcore $? "kdump2elf: $(cat "$scratch/$name.k2e.err")"
	for f in c p z; do
		makedumpfile -f -$f -d 31 "$dir/vmcore.kdump" "$scratch/$name.$f" >/dev/null 2>&1
	done
	# ELF output has no way to say "this page is all zero": with dump
	# level bit 1 makedumpfile drops such pages as holes once they join a
	# run of 256 excluded pages. The kdump formats keep them (as one
	# shared zero page), so the ELF dump compared here keeps zero pages;
	# E31 below checks that what -d 31 loses is reported, not misread.
	makedumpfile -f -E -d 30 "$scratch/$name.vmcore" "$scratch/$name.E" >/dev/null 2>&1
	makedumpfile -f -E -d 31 "$scratch/$name.vmcore" "$scratch/$name.E31" >/dev/null 2>&1
	makedumpfile -f -c -d 31 "$scratch/$name.vmcore" "$scratch/$name.elf-c" >/dev/null 2>&1
	for f in c p z E elf-c vmcore; do
		if [ ! -s "$scratch/$name.$f" ]; then
			notok "format-$f" "makedumpfile wrote no dump"
			continue
		fi
		"$tool" --json "$scratch/$name.$f" >"$scratch/$name.$f.json" 2>"$scratch/$name.$f.err"
		rc=$?
		python3 - "$ref" "$scratch/$name.$f.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
strip = lambda r: json.dumps([r["record"], r["iommus"]], sort_keys=True)
sys.exit(0 if strip(a) == strip(b) and a["iommus"] and a["iommus"][0]["devices"] else 1)
EOF
		check "format-$f" $(( rc || $? )) "exit $rc, or decoded differently from the -l dump: $(head -c 200 "$scratch/$name.$f.err")"
	done
	# -E -d 31: every table entry decodes as in the -l dump; a page of the
	# changed bitmap (8 KiB, mostly zero) the ELF dump lost must show as
	# "not in dump" with its source ids' "changed" null, the bits of the
	# pages still there as in the -l dump.
	if [ ! -s "$scratch/$name.E31" ]; then
		notok format-E31 "makedumpfile wrote no dump"
	else
		"$tool" --json "$scratch/$name.E31" >"$scratch/$name.E31.json" 2>"$scratch/$name.E31.err"
		rc=$?
		python3 - "$ref" "$scratch/$name.E31.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ok = a["record"] == b["record"] and len(a["iommus"]) == len(b["iommus"])
lostkeys = ("changed_error", "changed_lost", "changed_missing", "devices")
for x, y in zip(a["iommus"], b["iommus"]):
    ok &= y["changed_error"] in (None, "not in dump")
    ok &= {k: v for k, v in x.items() if k not in lostkeys} == \
          {k: v for k, v in y.items() if k not in lostkeys}
    ok &= len(x["devices"]) == len(y["devices"]) and len(x["devices"]) > 0
    for d, e in zip(x["devices"], y["devices"]):
        lost = any(lo <= e["sid"] <= hi for lo, hi in y["changed_lost"])
        if e["changed"] is None and lost:
            d, e = dict(d, changed=None), e
        ok &= d == e
sys.exit(0 if ok else 1)
EOF
		check format-E31 $(( rc || $? )) "exit $rc, an entry decoded differently from the -l dump, or a lost bitmap page not reported as not in dump: $(head -c 200 "$scratch/$name.E31.err")"
	fi
	rm -f "$scratch/$name".{c,p,z,E,E31,elf-c}
	case_end
}

# bad_input NAME FILE WANT-EXIT PATTERN [OPTIONS...]
bad_input() {
	local name=$1 file=$2 want=$3 pat=$4 rc
	shift 4
	case_begin "$name"
	"$tool" "$@" "$file" >"$scratch/$name.out" 2>"$scratch/$name.err"
	rc=$?
	if grep -q 'AddressSanitizer\|runtime error' "$scratch/$name.err"; then
		notok exit "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$scratch/$name.err")"
	elif [ "$rc" -ne "$want" ]; then
		notok exit "exit $rc, want $want: $(head -c 200 "$scratch/$name.err")"
	elif ! grep -qi -- "$pat" "$scratch/$name.err" "$scratch/$name.out"; then
		notok message "no message matching '$pat': $(head -c 200 "$scratch/$name.err")"
	else
		ok exit "$rc"
		ok message
	fi
	case_end
}

# kv, ksfx: the kernel of the lab runs (6.1: inspect-lab-*; 6.12 below:
# inspect-lab-6.12-*).
kv=6.1 ksfx=
lab=${BUILD:-$top/build}/lab
labres=${LAB_RESULTS:-$lab/test-results}
if [ "${INSPECT_LAB:-1}" != 0 ] && ! KVER=6.1 "$top/userspace/lab/prepare.sh"; then
	echo "FAIL inspect-lab-prepare: kernel, module or initramfs missing"
elif [ "${INSPECT_LAB:-1}" != 0 ]; then
	for vendor in amd intel intel-sm; do
		for strategy in write off; do
			lab_case "$vendor" "$strategy" translated
		done
		lab_case "$vendor" write pt
	done

	for vendor in amd intel intel-sm; do
		f=$scratch/inspect-lab-$vendor-translated-write.dir
		if [ -f "$f" ]; then
			formats "inspect-$vendor" "$(cat "$f")"
		else
			skip "inspect-$vendor-formats" "no dump of inspect-lab-$vendor-translated-write"
		fi
	done

	f=$scratch/inspect-lab-amd-translated-write.dir
	[ -f "$f" ] || skip inspect-bad-input "no dump of inspect-lab-amd-translated-write"
	if [ -f "$f" ]; then
		d=$(cat "$f")/vmcore.kdump
		size=$(stat -c %s "$d")
		for n in 5000 70000 $((size / 2)) $((size - 4096)) $((size - 1)); do
			head -c "$n" "$d" >"$scratch/trunc"
			bad_input "inspect-truncated-$n" "$scratch/trunc" 2 'truncated\|not a usable'
		done
		head -c $(( $(stat -c %s "$scratch/inspect-amd.vmcore") / 2 )) \
			"$scratch/inspect-amd.vmcore" >"$scratch/trunc.elf"
		bad_input inspect-truncated-elf "$scratch/trunc.elf" 2 truncated
		# bitmap_blocks (header byte 436) far beyond the file: refused
		# before libkdumpfile would spend minutes on it.
		cp "$d" "$scratch/corrupt"
		printf '\xad' | dd of="$scratch/corrupt" bs=1 seek=438 conv=notrunc status=none
		bad_input inspect-corrupt-header "$scratch/corrupt" 2 'truncated or corrupt' --timeout 20
		# Byte flips in the headers, bitmaps and descriptors: both builds
		# end with a status of their own, never a signal, a sanitizer
		# report or a hang.
		for b in iommu-dump iommu-dump-asan; do
			python3 - "$d" "$out/$b" "$scratch/mutant" "inspect-mutated-dumps-$b" <<'EOF'
import collections, random, subprocess, sys
src, tool, tmp, name = sys.argv[1:5]
data = open(src, "rb").read()
rng = random.Random(20261121)
seen, bad = collections.Counter(), []
for i in range(150):
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        b[rng.randrange(0, min(len(b), 70000))] = rng.randrange(256)
    open(tmp, "wb").write(b)
    try:
        p = subprocess.run([tool, "--check", "--timeout", "30", tmp],
                           capture_output=True, timeout=60)
        rc = p.returncode
        if rc < 0 or rc not in (0, 1, 2, 3, 4) or b"Sanitizer" in p.stderr \
                or b"runtime error" in p.stderr:
            bad.append((i, rc, p.stderr[-160:]))
    except subprocess.TimeoutExpired:
        rc = "hang"
        bad.append((i, rc, b""))
    seen[rc] += 1
print(("FAIL %s: %s" % (name, bad[:2])) if bad else "PASS %s (%s)" % (name, dict(seen)))
EOF
			[ $? = 0 ] || echo "FAIL inspect-mutated-dumps-$b: the check script failed"
		done
		head -c 1000000 /dev/urandom >"$scratch/random"
		bad_input inspect-random-file "$scratch/random" 2 'not a usable kernel dump'
		: >"$scratch/empty"
		bad_input inspect-empty-file "$scratch/empty" 2 'not a usable kernel dump'
		bad_input inspect-missing-file "$scratch/does-not-exist" 2 'no such file'
		"$k2e" --strip-record "$d" "$scratch/norec.elf"
		bad_input inspect-no-record "$scratch/norec.elf" 3 'has no crash_dma_quiesce record'
		bad_input inspect-table-outside "$d" 4 'outside the dump' --check --table 0=0x7ff000000000:8192
		hole=$("$k2e" --hole "$d")
		bad_input inspect-table-not-in-dump "$d" 4 'not in dump' --check --table "0=$hole:4096"
		bad_input inspect-usage "$d" 64 'bad --table' --table nonsense
	fi
else
	skip inspect-lab "INSPECT_LAB=0: no lab dumps, so no format, bad-input or lab checks"
fi

# Linux 6.12's dumps, read by the same iommu-dump and drgn reader: the
# lab-6.12 group's write runs when it ran them (else fresh runs).
kv=6.12 ksfx=-6.12
lab=${BUILD:-$top/build}/lab-6.12
labres=$lab/test-results
if [ "${INSPECT_LAB:-1}" = 0 ]; then
	skip inspect-lab-6.12 "INSPECT_LAB=0"
elif ! KVER=6.12 "$top/userspace/lab/prepare.sh"; then
	echo "FAIL inspect-lab-6.12-prepare: kernel, module or initramfs missing"
else
	for vendor in amd intel intel-sm; do
		lab_case "$vendor" write translated
	done
fi

secs=${INSPECT_FUZZ_SECS:-30}
if [ "$secs" != 0 ]; then
	"$top/userspace/inspect/fuzz/run.sh" "$secs" || case_failures=$((case_failures + 1))
else
	skip fuzz-inspect "INSPECT_FUZZ_SECS=0"
fi
[ "$case_failures" = 0 ]
