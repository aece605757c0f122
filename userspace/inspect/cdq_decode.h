/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cdq_decode: decoding of the crash-path IOMMU quiesce state in a dump.
 *
 * Pure code: no file I/O, no libkdumpfile. Physical memory is reached
 * through struct cdq_mem (a read callback), the vmcoreinfo through its
 * text, so that the same code serves the iommu-dump tool, the unit tests
 * (tests/inspect/) and the fuzzer (userspace/inspect/fuzz/).
 *
 * What is decoded:
 *  - the vmcoreinfo lines exported by cdq_vmcoreinfo_init()
 *    (kernel/crash_dma_quiesce.c): SYMBOL(crash_dma_quiesce_info),
 *    NUMBER(CRASH_DMA_QUIESCE_VERSION), SIZE() and OFFSET() lines, and the
 *    x86-64 NUMBER(phys_base);
 *  - struct crash_dma_quiesce_info and its records
 *    (include/linux/crash_dma_quiesce.h);
 *  - AMD-Vi device table entries (AMD I/O Virtualization Technology
 *    (IOMMU) Specification, publication 48882, section 2.2.2);
 *  - VT-d root entries (VT-d Architecture Specification section 9.1),
 *    legacy context entries (section 9.3) and the top-level second-level
 *    paging entries (section 9.8);
 *  - VT-d scalable mode (cdq_decode_sm.c, records with
 *    CRASH_DMA_QUIESCE_F_SCALABLE): root entries (section 9.2), context
 *    entries (9.4), PASID directory and table entries (9.5, 9.6) and the
 *    top-level first-level paging entries (9.7).
 * The bit layouts are those of drivers/iommu/amd/crash_quiesce_hw.h,
 * drivers/iommu/intel/crash_quiesce_hw.h and crash_quiesce_sm_hw.h
 * (compiled here with the shims of tests/unit/include), so the reader and
 * the crash path cannot disagree.
 *
 * All multi-byte values in a dump are little-endian (x86-64); the decoders
 * load them byte by byte and do not depend on the host's byte order.
 *
 * Error convention: functions return 0 or a negative enum cdq_err value.
 */
#ifndef CDQ_DECODE_H
#define CDQ_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/crash_dma_quiesce.h>

/** enum cdq_err - error returns (negated) of the cdq_* functions */
enum cdq_err {
	CDQ_OK = 0,
	CDQ_E_ABSENT = 1,	/* memory not in the dump (excluded page) */
	CDQ_E_OUTSIDE = 2,	/* address beyond the dump's memory */
	CDQ_E_IO = 3,		/* the dump could not be read (I/O, corrupt) */
	CDQ_E_NOREC = 4,	/* the kernel exports no quiesce record */
	CDQ_E_VMCOREINFO = 5,	/* vmcoreinfo unusable (missing key, bad value) */
	CDQ_E_VERSION = 6,	/* record version or layout not understood */
	CDQ_E_RECORD = 7,	/* record content invalid (bad magic, count) */
	CDQ_E_NOMEM = 8,	/* out of memory */
	CDQ_E_INVAL = 9,	/* invalid argument */
};

/**
 * cdq_strerror() - short text of an error
 * @err: a (negative or positive) enum cdq_err value
 *
 * Return: a static string, never NULL.
 */
const char *cdq_strerror(int err);

/**
 * struct cdq_mem - the physical memory of a dump
 * @read: copy @len bytes at physical address @phys into @buf. Must fill
 *	all of @buf and return 0, or return -CDQ_E_ABSENT (some byte is not
 *	in the dump: page excluded by makedumpfile), -CDQ_E_OUTSIDE (beyond
 *	the dump's memory) or -CDQ_E_IO (read or decompression error). The
 *	decoders never ask for more than 4096 bytes at once, and never for a
 *	range that crosses a 4 KiB boundary.
 * @priv: passed to @read
 */
struct cdq_mem {
	int (*read)(void *priv, uint64_t phys, void *buf, size_t len);
	void *priv;
};

/* Fields of the record this reader knows, for enum cdq_field. */
enum cdq_field {
	/* struct crash_dma_quiesce_info */
	CDQ_F_INFO_MAGIC,
	CDQ_F_INFO_VERSION,
	CDQ_F_INFO_MODE,
	CDQ_F_INFO_NR_RECORDS,
	CDQ_F_INFO_BUDGET_US,
	CDQ_F_INFO_TSC_KHZ,
	CDQ_F_INFO_RAN,
	CDQ_F_INFO_NR_UNREGISTERED,
	CDQ_F_INFO_CPUS_RUNNING,
	CDQ_F_INFO_EARLY_UNITS,
	CDQ_F_INFO_TOTAL_CYCLES,
	CDQ_F_INFO_SHUTDOWN_BEGIN,
	CDQ_F_INFO_QUIESCE_BEGIN,
	CDQ_F_INFO_QUIESCE_END,
	CDQ_F_INFO_SHUTDOWN_END,
	CDQ_F_INFO_RECORDS,
	/* struct crash_dma_quiesce_record */
	CDQ_F_REC_MAGIC,
	CDQ_F_REC_VENDOR,
	CDQ_F_REC_STATE,
	CDQ_F_REC_INVAL,
	CDQ_F_REC_MODE,
	CDQ_F_REC_MMIO_PHYS,
	CDQ_F_REC_ROOT_PHYS,
	CDQ_F_REC_ROOT_SIZE,
	CDQ_F_REC_ENTRIES_SCANNED,
	CDQ_F_REC_ENTRIES_CHANGED,
	CDQ_F_REC_ENTRIES_REJECTED,
	CDQ_F_REC_TABLES_CHANGED,
	CDQ_F_REC_DOMAINS_INVALIDATED,
	CDQ_F_REC_COMMANDS,
	CDQ_F_REC_FLAGS,
	CDQ_F_REC_CYCLES,
	CDQ_F_REC_CHANGED_PHYS,
	CDQ_F_REC_ENTRIES_BLOCKED,	/* record version 4 on */
	CDQ_NR_FIELDS
};

/**
 * struct cdq_vmcoreinfo - what the reader takes from the vmcoreinfo text
 * @has_symbol: SYMBOL(crash_dma_quiesce_info) was found
 * @symbol: its value, a kernel virtual address
 * @has_phys_base: NUMBER(phys_base) was found (x86-64)
 * @phys_base: physical address the kernel image was loaded at, minus its
 *	link-time physical address
 * @has_version: NUMBER(CRASH_DMA_QUIESCE_VERSION) was found
 * @version: its value
 * @size_info: SIZE(crash_dma_quiesce_info) in bytes, 0 when absent
 * @size_record: SIZE(crash_dma_quiesce_record) in bytes, 0 when absent
 * @offset: OFFSET() values in bytes by enum cdq_field, -1 when absent
 * @osrelease: OSRELEASE value, NUL-terminated, "" when absent
 * @mentions_record: some key names crash_dma_quiesce (tells a corrupt
 *	SYMBOL() line from a kernel without the record)
 * @truncated: the text does not end with a newline and is 4096 bytes or
 *	longer: the kernel's vmcoreinfo buffer (VMCOREINFO_BYTES, one page)
 *	overflowed and later lines were lost
 * @len: length of the text that was parsed
 */
struct cdq_vmcoreinfo {
	bool has_symbol;
	uint64_t symbol;
	bool has_phys_base;
	uint64_t phys_base;
	bool has_version;
	int64_t version;
	uint64_t size_info;
	uint64_t size_record;
	int64_t offset[CDQ_NR_FIELDS];
	char osrelease[65];
	bool mentions_record;
	bool truncated;
	size_t len;
};

/**
 * cdq_vmcoreinfo_parse() - extract the quiesce keys from vmcoreinfo text
 * @text: the vmcoreinfo note content ("KEY=VALUE" lines); need not be
 *	NUL-terminated; a NUL byte ends it
 * @len: bytes in @text
 * @vi: filled in; lines that are malformed or have out-of-range values are
 *	ignored as if absent
 *
 * SYMBOL() values are hexadecimal without prefix, NUMBER(), SIZE() and
 * OFFSET() values decimal (the kernel's VMCOREINFO_* formats,
 * include/linux/crash_core.h); a later duplicate line wins.
 *
 * Return: 0; -CDQ_E_INVAL when @text is NULL with a non-zero @len.
 */
int cdq_vmcoreinfo_parse(const char *text, size_t len, struct cdq_vmcoreinfo *vi);

/**
 * struct cdq_layout - where the record's fields are
 * @info_size: bytes of struct crash_dma_quiesce_info
 * @record_size: bytes of one struct crash_dma_quiesce_record
 * @offset: byte offset of each enum cdq_field within its structure
 *	(CDQ_NO_FIELD: a field the record's version does not have; it
 *	reads as 0)
 * @from_vmcoreinfo: number of offsets taken from OFFSET() lines; the
 *	others are those of the layout this reader was built with
 * @version: the record version (NUMBER(CRASH_DMA_QUIESCE_VERSION))
 */
struct cdq_layout {
	uint64_t info_size;
	uint64_t record_size;
	uint64_t offset[CDQ_NR_FIELDS];
	unsigned int from_vmcoreinfo;
	unsigned int version;
};

/* Record versions this reader knows: 3 (Linux 6.1 series before issue 18) and 4. */
#define CDQ_VERSION_MIN		3
#define CDQ_NO_FIELD		UINT64_MAX

/**
 * cdq_layout_get() - the layout of the record described by a vmcoreinfo
 * @vi: parsed vmcoreinfo
 * @layout: filled in
 * @why: on error, a static explanation (may be NULL)
 *
 * Fields with an OFFSET() line use it (it must leave room for the field
 * inside its SIZE()); the others fall back to the layout of
 * include/linux/crash_dma_quiesce.h for the record's version, which is
 * only trusted when the version is one this reader knows (3: the layout
 * without entries_blocked, which version 4 appended; 4:
 * CRASH_DMA_QUIESCE_VERSION; absent, in a truncated vmcoreinfo: taken as
 * 4) and the SIZE() lines, where present, equal its sizes. Fields the
 * version does not have get CDQ_NO_FIELD.
 *
 * Return: 0, -CDQ_E_NOREC when no key names the record,
 * -CDQ_E_VMCOREINFO when some do but SYMBOL(crash_dma_quiesce_info) is
 * missing or malformed, -CDQ_E_VERSION for an unknown version or an
 * unusable layout.
 */
int cdq_layout_get(const struct cdq_vmcoreinfo *vi, struct cdq_layout *layout,
		   const char **why);

/**
 * cdq_kvaddr_to_phys() - physical address of a kernel image symbol
 * @vi: parsed vmcoreinfo (needs NUMBER(phys_base))
 * @vaddr: a virtual address in the x86-64 kernel text mapping
 *	(__START_KERNEL_map 0xffffffff80000000, 1 GiB long with KASLR's
 *	maximum; Documentation/x86/x86_64/mm.rst)
 * @phys: out
 *
 * Static kernel data such as crash_dma_quiesce_info lives in that mapping,
 * where physical = virtual - __START_KERNEL_map + phys_base.
 *
 * Return: 0, or -CDQ_E_VMCOREINFO without phys_base or when @vaddr is
 * outside the mapping.
 */
int cdq_kvaddr_to_phys(const struct cdq_vmcoreinfo *vi, uint64_t vaddr,
		       uint64_t *phys);

/**
 * cdq_info_read() - read and decode the record from a dump
 * @mem: the dump's memory
 * @phys: physical address of crash_dma_quiesce_info
 * @layout: from cdq_layout_get()
 * @info: out; records beyond @info->nr_records are zeroed. The layout's
 *	fields that are not known in the dump keep the values of the
 *	built-in layout (cdq_layout_get() decides whether that is trusted).
 *	The records' changed bitmaps live elsewhere (changed_phys): see
 *	cdq_walk_iommu().
 *
 * Reads the header and the first nr_records records (at most
 * CRASH_DMA_QUIESCE_MAX_IOMMUS), in pieces that do not cross 4 KiB.
 *
 * Return: 0; -CDQ_E_ABSENT, -CDQ_E_OUTSIDE or -CDQ_E_IO from @mem;
 * -CDQ_E_RECORD when the magic is wrong or nr_records exceeds
 * CRASH_DMA_QUIESCE_MAX_IOMMUS.
 */
int cdq_info_read(const struct cdq_mem *mem, uint64_t phys,
		  const struct cdq_layout *layout,
		  struct crash_dma_quiesce_info *info);

/**
 * cdq_info_decode() - decode a record already in memory
 * @buf: bytes of struct crash_dma_quiesce_info as in the dump
 * @len: bytes in @buf; fields beyond it read as zero
 * @layout: from cdq_layout_get()
 * @info: out (as for cdq_info_read())
 *
 * Return: 0, or -CDQ_E_RECORD as for cdq_info_read().
 */
int cdq_info_decode(const uint8_t *buf, size_t len,
		    const struct cdq_layout *layout,
		    struct crash_dma_quiesce_info *info);

/** Names of the record's enums; "?" for values out of range. */
const char *cdq_mode_name(unsigned int mode);
const char *cdq_state_name(unsigned int state);
const char *cdq_inval_name(unsigned int inval);
const char *cdq_vendor_name(unsigned int vendor);

/**
 * cdq_cycles_to_us() - TSC cycles to microseconds
 * @cycles: TSC cycles
 * @tsc_khz: TSC frequency in kHz (0: unknown)
 *
 * Return: microseconds (rounded down), or -1 when @tsc_khz is 0.
 */
int64_t cdq_cycles_to_us(uint64_t cycles, uint32_t tsc_khz);

/**
 * cdq_shutdown_cycles() - length of the stamped crash shutdown
 * @info: decoded record (version 2: TSC stamps taken by the crashed kernel
 *	at the entry and the end of native_machine_crash_shutdown() and of
 *	crash_dma_quiesce(); include/linux/crash_dma_quiesce.h)
 *
 * Return: @info->shutdown_end - @info->shutdown_begin in TSC cycles, or 0
 * when a stamp is missing (0) or the stamps are out of order (the quiesce
 * stamps must lie inside the shutdown, each end after its begin). A crash
 * path that ran must also fit between its own two stamps.
 */
uint64_t cdq_shutdown_cycles(const struct crash_dma_quiesce_info *info);

/* --- decoded entries ---------------------------------------------------- */

/**
 * enum cdq_xlat - how DMA of a source id is handled
 * @CDQ_XLAT_BLOCKED: no access (AMD: V=1, TV=1, Mode 0, IR=IW=0; VT-d:
 *	present entry whose permission allows nothing)
 * @CDQ_XLAT_UNTRANSLATED: AMD DTE V=0 or TV=0: DMA passes untranslated and
 *	unchecked (48882 section 2.2.2)
 * @CDQ_XLAT_DIRECT: AMD V=1, TV=1, Mode 0: untranslated, checked against
 *	IR/IW
 * @CDQ_XLAT_PAGING: translated through page tables (AMD Mode 1-6, VT-d
 *	TT 00)
 * @CDQ_XLAT_PAGING_ATS: VT-d TT 01: translated, device-TLB (ATS) allowed
 * @CDQ_XLAT_PASS_THROUGH: VT-d TT 10: untranslated, unchecked
 * @CDQ_XLAT_INVALID: reserved encoding (AMD Mode 7, VT-d TT 11 or reserved
 *	bits set): the IOMMU faults every request
 * @CDQ_XLAT_NOT_PRESENT: VT-d root or context entry not present: faults
 *	(scalable mode: a context entry without any present PASID entry)
 * @CDQ_XLAT_FIRST_LEVEL: VT-d scalable mode, PGTT 001b: first-level
 *	translation
 * @CDQ_XLAT_SECOND_LEVEL: VT-d scalable mode, PGTT 010b: second-level
 *	translation
 * @CDQ_XLAT_NESTED: VT-d scalable mode, PGTT 011b: nested translation
 * @CDQ_XLAT_UNKNOWN: VT-d scalable mode: the PASID directory or table is
 *	not in the dump
 * @CDQ_XLAT_FL_BLOCKED: VT-d scalable mode: a first-level PASID entry (PGTT
 *	001b) that is not present: the crash path blocks first-level entries
 *	this way (it never writes a first-level table, which may be a CPU
 *	page table); Linux clears the whole entry, or all of it but FPD,
 *	when it tears one down
 */
enum cdq_xlat {
	CDQ_XLAT_BLOCKED,
	CDQ_XLAT_UNTRANSLATED,
	CDQ_XLAT_DIRECT,
	CDQ_XLAT_PAGING,
	CDQ_XLAT_PAGING_ATS,
	CDQ_XLAT_PASS_THROUGH,
	CDQ_XLAT_INVALID,
	CDQ_XLAT_NOT_PRESENT,
	CDQ_XLAT_FIRST_LEVEL,
	CDQ_XLAT_SECOND_LEVEL,
	CDQ_XLAT_NESTED,
	CDQ_XLAT_UNKNOWN,
	CDQ_XLAT_FL_BLOCKED,
};

const char *cdq_xlat_name(enum cdq_xlat x);

/** enum cdq_perm - a permission as read from the dump */
enum cdq_perm {
	CDQ_PERM_NO = 0,
	CDQ_PERM_YES = 1,
	CDQ_PERM_UNKNOWN = 2,	/* a table it depends on is not in the dump */
};

/**
 * struct cdq_amd_dte - fields of an AMD-Vi device table entry, 48882
 *	section 2.2.2 (DTE bits: V 0, TV 1, Mode 11:9, Host Page Table Root
 *	Pointer 51:12, IR 61, IW 62, DomainID 79:64, I 96)
 * @v: V
 * @tv: TV
 * @mode: Mode (paging levels; 0 no translation, 7 reserved)
 * @ir: IR
 * @iw: IW
 * @iotlb: I (device uses ATS)
 * @domain: DomainID
 * @root: Host Page Table Root Pointer, a physical address
 */
struct cdq_amd_dte {
	bool v, tv, ir, iw, iotlb;
	unsigned int mode;
	uint16_t domain;
	uint64_t root;
};

/**
 * cdq_amd_dte_decode() - decode one 32-byte DTE
 * @raw: the DTE as stored (four little-endian 64-bit words)
 * @dte: out
 */
void cdq_amd_dte_decode(const uint8_t raw[32], struct cdq_amd_dte *dte);

/**
 * cdq_amd_dte_access() - what a DTE lets the device do
 * @dte: decoded DTE
 * @read: out: DMA read permission
 * @write: out: DMA write permission
 *
 * V=0 or TV=0: untranslated, read and write (unchecked). Mode 0: IR/IW.
 * Mode 1-6: IR/IW (which gate the whole page walk). Mode 7: invalid, no
 * access. Only the DTE is considered, not the page-table entries.
 *
 * Return: the translation type.
 */
enum cdq_xlat cdq_amd_dte_access(const struct cdq_amd_dte *dte,
				 bool *read, bool *write);

/**
 * struct cdq_vtd_root - a VT-d root entry, section 9.1 (lo: P bit 0, CTP
 *	bits 63:12; hi reserved in legacy mode); in scalable mode section 9.2
 *	(lo: LP bit 0, LCTP 63:12; hi: UP bit 64, UCTP 127:76)
 * @present: P (scalable mode: LP)
 * @ctp: context table pointer (physical; scalable mode: LCTP)
 * @reserved: a reserved bit is set (lo 11:1 or any hi bit; scalable mode:
 *	bits 11:1 of either half)
 * @upresent: scalable mode: UP
 * @uctp: scalable mode: UCTP
 */
struct cdq_vtd_root {
	bool present, reserved, upresent;
	uint64_t ctp, uctp;
};

/**
 * cdq_vtd_root_decode() - decode one 16-byte root entry
 * @raw: the entry as stored (lo, hi little-endian)
 * @re: out
 */
void cdq_vtd_root_decode(const uint8_t raw[16], struct cdq_vtd_root *re);

/**
 * struct cdq_vtd_ctx - a VT-d legacy context entry, section 9.3 (lo: P bit
 *	0, FPD 1, TT 3:2, SLPTPTR 63:12; hi: AW 2:0, DID 23:8)
 * @present: P
 * @fpd: fault processing disable
 * @tt: translation type (0 translated, 1 with device-TLB, 2 pass-through,
 *	3 reserved)
 * @aw: address width (1: 3 levels, 2: 4 levels, 3: 5 levels)
 * @did: domain id
 * @slptptr: second-level page table pointer (physical)
 * @reserved: a reserved bit is set (lo 11:4, hi bit 7 or 63:24)
 */
struct cdq_vtd_ctx {
	bool present, fpd, reserved;
	unsigned int tt, aw;
	uint16_t did;
	uint64_t slptptr;
};

/**
 * cdq_vtd_ctx_decode() - decode one 16-byte context entry
 * @raw: the entry as stored (lo, hi little-endian)
 * @ce: out
 */
void cdq_vtd_ctx_decode(const uint8_t raw[16], struct cdq_vtd_ctx *ce);

/**
 * struct cdq_vtd_sl_top - summary of a top-level second-level table,
 *	section 9.8 (entry: R bit 0, W bit 1; present when R or W)
 * @present: present entries (of 512)
 * @readable: present entries with R
 * @writable: present entries with W
 */
struct cdq_vtd_sl_top {
	unsigned int present, readable, writable;
};

/**
 * cdq_vtd_sl_top_decode() - count the permissions of a 4 KiB table
 * @raw: 4096 bytes, 512 little-endian 64-bit entries
 * @top: out
 */
void cdq_vtd_sl_top_decode(const uint8_t raw[4096], struct cdq_vtd_sl_top *top);

/**
 * cdq_vtd_fl_top_decode() - count the permissions of a 4 KiB top-level
 *	first-level table, section 9.7 (entry: P bit 0, R/W bit 1; @top
 *	counts present entries as readable)
 * @raw: 4096 bytes, 512 little-endian 64-bit entries
 * @top: out
 */
void cdq_vtd_fl_top_decode(const uint8_t raw[4096], struct cdq_vtd_sl_top *top);

/**
 * cdq_vtd_sm_root_decode() - decode one 16-byte scalable-mode root entry
 * @raw: the entry as stored (lo, hi little-endian)
 * @re: out
 */
void cdq_vtd_sm_root_decode(const uint8_t raw[16], struct cdq_vtd_root *re);

/**
 * struct cdq_vtd_sm_ctx - a VT-d scalable-mode context entry, section 9.4
 *	(qword 0: P 0, FPD 1, DTE 2, PASIDE 3, PRE 4, PDTS 11:9, PASIDDIRPTR
 *	63:12; qword 1: RID_PASID 19:0)
 * @present: P
 * @dte: device-TLB (ATS) enabled
 * @pre: page requests enabled
 * @paside: requests with PASID enabled
 * @dir_entries: 2^(PDTS + 7)
 * @dir: PASID directory pointer (physical)
 * @rid_pasid: PASID of requests without PASID
 * @reserved: a reserved bit is set (qword 0 8:5, qword 1 63:21, qwords 2-3)
 */
struct cdq_vtd_sm_ctx {
	bool present, dte, pre, paside, reserved;
	uint32_t dir_entries, rid_pasid;
	uint64_t dir;
};

/**
 * cdq_vtd_sm_ctx_decode() - decode one 32-byte scalable-mode context entry
 * @raw: the entry as stored (4 little-endian qwords)
 * @ce: out
 */
void cdq_vtd_sm_ctx_decode(const uint8_t raw[32], struct cdq_vtd_sm_ctx *ce);

/**
 * struct cdq_vtd_pe - a VT-d scalable-mode PASID entry, section 9.6
 *	(qword 0: P 0, FPD 1, AW 4:2, PGTT 8:6, bits 11:10 reserved, SLPTPTR
 *	63:12; qword 1: DID 15:0; qword 2: SRE 0, FLPM 3:2, WPE 4, FLPTPTR
 *	63:12)
 * @present: P
 * @fpd: fault processing disabled
 * @reserved: bits 11:10 of qword 0 set
 * @sre: supervisor requests enabled
 * @wpe: write protect enable (supervisor requests honour R/W)
 * @pgtt: PASID granular translation type (1 first-level, 2 second-level,
 *	3 nested, 4 pass-through; others reserved)
 * @aw: second-level address width (1: 3 levels ... 3: 5 levels)
 * @fl_levels: first-level paging levels (4, or 5 with FLPM 01b; 0 for
 *	FLPM 10b/11b, reserved)
 * @did: domain id
 * @slptptr: second-level page table pointer
 * @flptptr: first-level page table pointer (nested: guest-physical)
 */
struct cdq_vtd_pe {
	bool present, fpd, reserved, sre, wpe;
	unsigned int pgtt, aw, fl_levels;
	uint16_t did;
	uint64_t slptptr, flptptr;
};

/**
 * cdq_vtd_pe_decode() - decode one 64-byte PASID entry
 * @raw: the entry as stored (8 little-endian qwords)
 * @pe: out
 */
void cdq_vtd_pe_decode(const uint8_t raw[64], struct cdq_vtd_pe *pe);

/**
 * cdq_vtd_pe_access() - what a PASID entry lets the device do
 * @pe: decoded, present PASID entry
 * @top: its top-level table (second-level for PGTT 2 and 3, first-level for
 *	PGTT 1), or NULL when not in the dump
 * @read: out
 * @write: out
 *
 * Pass-through: read and write. Second-level and nested: readable
 * (writable) when some present top-level entry has R (W): the permission
 * is the AND over the levels, and a nested entry's output always goes
 * through its second level (the first level sits at guest-physical
 * addresses and is not read). First-level: readable when some top-level
 * entry is present, writable when some has R/W, or any is present and
 * supervisor requests are enabled without WPE. Reserved PGTT, bits or
 * AW/FLPM: invalid, no access.
 *
 * Return: the translation type.
 */
enum cdq_xlat cdq_vtd_pe_access(const struct cdq_vtd_pe *pe,
				const struct cdq_vtd_sl_top *top,
				enum cdq_perm *read, enum cdq_perm *write);

/**
 * cdq_vtd_ctx_access() - what a context entry lets the device do
 * @ce: decoded, present context entry
 * @top: its top-level table (TT 0/1), or NULL when not in the dump
 * @read: out
 * @write: out
 *
 * TT 10: pass-through, read and write. TT 00/01: readable (writable) when
 * some present top-level entry has R (W); the effective permission is the
 * AND over all levels, so a top level without W blocks every write.
 * TT 11, reserved bits or AW outside 1-3: invalid, no access.
 *
 * Return: the translation type.
 */
enum cdq_xlat cdq_vtd_ctx_access(const struct cdq_vtd_ctx *ce,
				 const struct cdq_vtd_sl_top *top,
				 enum cdq_perm *read, enum cdq_perm *write);

/* --- the walk over one IOMMU's tables ----------------------------------- */

/**
 * struct cdq_dev - one source id as found in the tables
 * @sid: source id / DeviceID (bus << 8 | devfn)
 * @xlat: enum cdq_xlat
 * @read: enum cdq_perm
 * @write: enum cdq_perm
 * @changed: the record's changed bitmap has @sid
 * @domain: AMD DomainID or VT-d DID
 * @levels: paging levels (AMD Mode, VT-d AW + 2), 0 when untranslated
 * @table: page-table root (AMD) or second-level table pointer (VT-d)
 * @raw: the entry's words (AMD: DTE words 0 and 1; VT-d: lo, hi)
 * @top: VT-d TT 0/1: the top-level table summary (valid with @top_ok)
 * @top_ok: @top was read from the dump
 * @fpd: VT-d fault processing disabled
 * @iotlb: AMD I bit / VT-d TT 01
 * @valid: the entry is in the quiesce's scope: AMD V=1, VT-d present
 *	(only these count for cdq_iommu.nr_write and nr_unknown)
 * @sm: VT-d scalable mode: the row is one PASID entry of the device (or,
 *	with CDQ_XLAT_NOT_PRESENT / CDQ_XLAT_UNKNOWN, the device itself);
 *	@raw holds context qwords 0 and 1, @fpd is the PASID entry's, @iotlb
 *	the context entry's DTE
 * @pasid: scalable mode: the PASID of the entry
 * @rid_pasid: scalable mode: @pasid is the RID_PASID of the context entry
 *	(the one requests without PASID use)
 * @pgtt: scalable mode: the entry's PGTT
 * @pe: scalable mode: PASID entry qwords 0-2
 */
struct cdq_dev {
	bool valid;
	uint16_t sid;
	uint8_t xlat, read, write;
	bool changed;
	uint16_t domain;
	uint8_t levels;
	uint64_t table;
	uint64_t raw[2];
	struct cdq_vtd_sl_top top;
	bool top_ok, fpd, iotlb;
	bool sm, rid_pasid;
	uint8_t pgtt;
	uint32_t pasid;
	uint64_t pe[3];
};

/**
 * struct cdq_range - source ids [@first, @last] whose table page could not
 *	be read
 * @first: first source id
 * @last: last source id
 * @err: -CDQ_E_ABSENT (not in the dump), -CDQ_E_OUTSIDE (beyond the dump's
 *	memory, or an address that is not 4 KiB aligned) or -CDQ_E_IO
 */
struct cdq_range {
	uint16_t first, last;
	int err;
};

/**
 * struct cdq_iommu - the decoded tables of one IOMMU
 * @index: record index
 * @rec: the record (points into the caller's crash_dma_quiesce_info)
 * @table: table address used (record's root_phys, or the caller's)
 * @table_size: bytes of the table used
 * @table_from_record: @table came from the record
 * @error: 0, or why the tables could not be decoded at all
 *	(-CDQ_E_ABSENT, -CDQ_E_OUTSIDE, -CDQ_E_IO for the root table;
 *	-CDQ_E_RECORD when no table address is known)
 * @devs: the source ids listed (see cdq_walk_iommu())
 * @nr_devs: entries in @devs
 * @nr_entries: entries decoded (AMD DTEs; VT-d present context entries)
 * @nr_default: AMD DTEs V=1, TV=1, Mode 0, IR=IW=0, DomainID 0 and not
 *	changed (what Linux writes for unused DeviceIDs): not listed
 * @nr_v0: AMD DTEs with V=0 (not listed unless changed)
 * @roots: VT-d: the 256 decoded root entries, by bus (NULL for AMD or
 *	when the root table is not in the dump)
 * @nr_root_present: VT-d present root entries
 * @nr_bad_root: VT-d root entries with reserved bits set
 * @absent: ranges of source ids whose entries are not in the dump
 *	(AMD DTE pages, VT-d context tables); second-level tables that are
 *	missing show as CDQ_PERM_UNKNOWN in the device instead
 * @nr_absent: entries in @absent
 * @nr_write: valid listed devices with write permission CDQ_PERM_YES
 * @nr_unknown: valid listed devices with write permission
 *	CDQ_PERM_UNKNOWN
 * @nr_changed_missing: source ids in the changed bitmap that the walk did
 *	not find as an entry (AMD beyond the table; VT-d no present entry)
 * @changed: the record's changed bitmap (CRASH_DMA_QUIESCE_MAP_WORDS
 *	words) read from changed_phys; zero where it could not be read
 * @changed_err: 0, or why (part of) the bitmap could not be read
 *	(-CDQ_E_RECORD: the record has no changed_phys; else the first read
 *	error)
 * @changed_lost: the source ids whose bits could not be read (a page of
 *	the bitmap not in the dump; all of them for -CDQ_E_RECORD)
 * @nr_changed_lost: entries in @changed_lost (at most 3: 8 KiB span at
 *	most three 4 KiB pages)
 * @scalable: VT-d scalable-mode tables (the record's
 *	CRASH_DMA_QUIESCE_F_SCALABLE); @devs then has a row per PASID entry
 * @nr_pasid: scalable mode: present PASID entries decoded
 */
struct cdq_iommu {
	unsigned int index;
	const struct crash_dma_quiesce_record *rec;
	uint64_t table;
	uint32_t table_size;
	bool table_from_record;
	int error;
	struct cdq_dev *devs;
	size_t nr_devs;
	uint32_t nr_entries;
	uint32_t nr_default;
	uint32_t nr_v0;
	struct cdq_vtd_root *roots;
	uint32_t nr_root_present;
	uint32_t nr_bad_root;
	struct cdq_range *absent;
	size_t nr_absent;
	uint32_t nr_write;
	uint32_t nr_unknown;
	uint32_t nr_changed_missing;
	uint64_t *changed;
	int changed_err;
	struct cdq_range changed_lost[3];
	unsigned int nr_changed_lost;
	bool scalable;
	uint32_t nr_pasid;
};

/**
 * cdq_changed() - is a source id set in a changed bitmap?
 * @map: CRASH_DMA_QUIESCE_MAP_WORDS words (struct cdq_iommu.changed), or
 *	NULL (nothing set)
 * @sid: source id
 *
 * Return: true when bit (@sid % 64) of word @sid / 64 is set.
 */
bool cdq_changed(const uint64_t *map, uint16_t sid);

/**
 * cdq_changed_lost() - is a source id's changed bit unreadable?
 * @io: the IOMMU (its changed_lost ranges)
 * @sid: source id
 *
 * Return: true when @sid lies in one of @io->changed_lost.
 */
bool cdq_changed_lost(const struct cdq_iommu *io, uint16_t sid);

/**
 * cdq_changed_read() - read a record's changed bitmap from the dump
 * @mem: the dump's memory
 * @rec: the record (its changed_phys)
 * @map: out, CRASH_DMA_QUIESCE_MAP_WORDS words; zero where not read
 * @lost: out, up to 3 ranges of source ids whose bits could not be read
 * @nr_lost: out, entries in @lost
 *
 * Record version 3 keeps the bitmap outside the record, in 8 KiB the
 * kernel allocated at registration (changed_phys). It is read one 4 KiB
 * page at a time, so that a page missing from the dump (an ELF dump drops
 * all-zero pages under dump level bit 1) loses only its own bits.
 *
 * Return: 0; -CDQ_E_RECORD when changed_phys is 0 (every bit lost); else
 * the first page's read error, with the bits of the pages read kept.
 */
int cdq_changed_read(const struct cdq_mem *mem,
		     const struct crash_dma_quiesce_record *rec, uint64_t *map,
		     struct cdq_range *lost, unsigned int *nr_lost);

/**
 * cdq_walk_iommu() - decode one IOMMU's tables from the dump
 * @mem: the dump's memory
 * @rec: its record
 * @index: the record's index
 * @table: table address to use instead of the record's root_phys (0: use
 *	the record's)
 * @table_size: AMD device table size in bytes with @table (0: the
 *	record's root_size, else 2 MiB, the largest); ignored for VT-d
 * @all: list the AMD DTEs that are otherwise only counted (V=0, default)
 * @out: filled in; free with cdq_iommu_free()
 *
 * AMD: every DTE of the device table (at most 65536, 32 bytes each) is
 * decoded; listed are the DTEs with V=1 other than the default, and every
 * changed one. The record's changed bitmap is read into @out->changed
 * first (cdq_changed_read()). VT-d: every present root entry, every present context
 * entry of its context table, and for TT 00/01 the top-level second-level
 * table (4 KiB); in scalable mode (cdq_walk_vtd_sm()) every present PASID
 * entry below every present context entry, with its top-level first- or
 * second-level table. A table address that is not 4 KiB aligned is refused
 * like a missing one. Missing memory is reported in @out, not as an
 * error.
 *
 * Return: 0 (also when @out->error is set); -CDQ_E_NOMEM; -CDQ_E_INVAL
 * for an unknown vendor.
 */
int cdq_walk_iommu(const struct cdq_mem *mem,
		   const struct crash_dma_quiesce_record *rec,
		   unsigned int index, uint64_t table, uint32_t table_size,
		   bool all, struct cdq_iommu *out);

/**
 * cdq_walk_vtd_sm() - decode one VT-d unit's scalable-mode tables
 * @mem: the dump's memory
 * @out: prepared by cdq_walk_iommu() (record, table address)
 *
 * Return: 0 (also when @out->error is set); -CDQ_E_NOMEM.
 */
int cdq_walk_vtd_sm(const struct cdq_mem *mem, struct cdq_iommu *out);

/**
 * cdq_iommu_free() - release what cdq_walk_iommu() allocated
 * @iommu: the walk result (may be zeroed; its arrays are freed and reset)
 */
void cdq_iommu_free(struct cdq_iommu *iommu);

/** Little-endian loads, exported for the tools. */
uint64_t cdq_le64(const uint8_t *p);
uint32_t cdq_le32(const uint8_t *p);

#endif /* CDQ_DECODE_H */
