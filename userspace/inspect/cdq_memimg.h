/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cdq_memimg: a small in-memory "dump" (vmcoreinfo text plus extents of
 * physical memory) for the fuzzer, its seed corpus and the unit tests.
 *
 * Image format (all numbers little-endian):
 *   u16 n                      length of the vmcoreinfo text
 *   n bytes                    the vmcoreinfo text
 *   then extents up to the end of the image, each:
 *     u8  kind                 (kind % 4) 0 data, 1 zeros, 2 not in dump,
 *                              3 read error
 *     u64 phys                 first physical address
 *     u16 len                  bytes covered, 1..4096 (0 means 4096)
 *     len bytes                only for kind 0
 * An image cut short keeps the extents that are complete. Memory that no
 * extent covers reads as outside the dump. When extents overlap, the first
 * extent (in image order) covering the start of a piece is used for the
 * whole piece up to its own end.
 */
#ifndef CDQ_MEMIMG_H
#define CDQ_MEMIMG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cdq_decode.h"

#define CDQ_IMG_DATA	0
#define CDQ_IMG_ZERO	1
#define CDQ_IMG_ABSENT	2
#define CDQ_IMG_IOERR	3
#define CDQ_IMG_MAX_EXTENTS	4096

struct cdq_img_extent {
	uint8_t kind;
	uint64_t phys;
	uint32_t len;
	const uint8_t *data;	/* kind CDQ_IMG_DATA: points into the image */
};

/**
 * struct cdq_img - a parsed image; points into the image bytes, which must
 *	outlive it
 * @text: the vmcoreinfo text
 * @text_len: its length in bytes
 * @ext: extents
 * @nr_ext: number of extents (at most CDQ_IMG_MAX_EXTENTS)
 */
struct cdq_img {
	const char *text;
	size_t text_len;
	struct cdq_img_extent *ext;
	size_t nr_ext;
};

/**
 * cdq_img_parse() - parse an image
 * @data: the image bytes
 * @size: their number
 * @img: out; free with cdq_img_free()
 *
 * Return: 0, -CDQ_E_NOMEM. Malformed images parse as far as they go.
 */
int cdq_img_parse(const uint8_t *data, size_t size, struct cdq_img *img);

/** cdq_img_free() - release a parsed image's extent array */
void cdq_img_free(struct cdq_img *img);

/**
 * cdq_img_read() - the struct cdq_mem read callback of an image
 * @priv: the struct cdq_img
 * @phys: physical address
 * @buf: destination
 * @len: bytes
 *
 * Return: 0, -CDQ_E_ABSENT, -CDQ_E_OUTSIDE or -CDQ_E_IO, per the extents.
 */
int cdq_img_read(void *priv, uint64_t phys, void *buf, size_t len);

/**
 * cdq_img_write_header() - start an image
 * @f: output
 * @text: vmcoreinfo text
 * @len: its length (at most 65535; longer text is cut)
 *
 * Return: 0, or -CDQ_E_IO on a write error.
 */
int cdq_img_write_header(FILE *f, const char *text, size_t len);

/**
 * cdq_img_write_extent() - append one extent
 * @f: output
 * @phys: first physical address
 * @data: the bytes for CDQ_IMG_DATA (NULL otherwise); an all-zero @data is
 *	written as CDQ_IMG_ZERO
 * @len: bytes, 1..4096
 * @kind: CDQ_IMG_*
 *
 * Return: 0, or -CDQ_E_IO on a write error, -CDQ_E_INVAL for a bad @len.
 */
int cdq_img_write_extent(FILE *f, uint64_t phys, const void *data, size_t len,
			 unsigned int kind);

/**
 * cdq_img_write_sparse() - append data as extents, zero runs compressed
 * @f: output
 * @phys: first physical address
 * @data: the bytes
 * @len: bytes, 1..4096
 *
 * Runs of at least 64 zero bytes become CDQ_IMG_ZERO extents, the rest
 * CDQ_IMG_DATA: keeps the seed corpus small.
 *
 * Return: 0, or -CDQ_E_IO on a write error, -CDQ_E_INVAL for a bad @len.
 */
int cdq_img_write_sparse(FILE *f, uint64_t phys, const void *data, size_t len);

#endif /* CDQ_MEMIMG_H */
