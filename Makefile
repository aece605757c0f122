# Crash-path IOMMU DMA quiesce for Linux 6.1 (AMD-Vi, VT-d) and its QEMU
# kdump lab. See README.
#
#   make run     the main job: build, boot, crash with DMA in flight, capture
#   make test    every test; ends with "N passed, N failed, N skipped"
#   make compare the quiesce strategies side by side (results/compare-*/)
#   make bench   crash-path walks vs atomic scan; in-guest cost ratios
#   make fuzz    longer libFuzzer runs of tests/fuzz (FUZZ_SECS per target)
#   make mutants apply each tests/mutants/*.mutant, run the test that must
#                catch it: "mutants killed: K of N" (not part of make test)
#
# Knobs (environment or make variables): KVER=6.1|6.12 (kernel base of
# make kernel, run, patches; default 6.1), VENDOR=amd|intel,
# STRATEGY=write|all|off|disable, MODE=translated|pt, VTD_MODE=legacy|scalable,
# TESTS=... (see README).

SHELL := /bin/bash
export KVER VENDOR STRATEGY MODE VTD_MODE TESTS

.PHONY: all kernel patches run test unit model clean distclean

all: kernel

kernel:
	userspace/build/kernel.sh

patches:
	userspace/build/patches.sh

run:
	userspace/lab/run.sh

test:
	tests/run.sh

unit:
	$(MAKE) -C tests/unit run

# The IOMMU model: crash path against stuck / full / failing hardware.
model:
	$(MAKE) -C tests/model run

clean:
	rm -rf build/obj build/obj-6.12 build/unit build/model build/fuzz build/lab build/lab-6.12 \
		build/test-logs build/patches build/patches-6.12

distclean:
	rm -rf build results

.PHONY: compare bench fuzz

FUZZ_SECS ?= 300
fuzz:
	tests/fuzz/run.sh $(FUZZ_SECS)

compare:
	python3 userspace/compare/compare.py

bench:
	python3 userspace/bench/bench.py

.PHONY: soak mutants

# Mutation checks of the tests' power (tests/mutants/README; MUTANTS=...).
mutants:
	tests/mutants/run.sh


# Consecutive crash-to-capture cycles under the e1000e flood (SOAK_CYCLES).
soak:
	python3 userspace/compare/soak.py
