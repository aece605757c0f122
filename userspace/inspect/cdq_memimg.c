// SPDX-License-Identifier: GPL-2.0
/*
 * cdq_memimg: the in-memory "dump" of the fuzzer and the unit tests.
 * Format: cdq_memimg.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cdq_memimg.h"

int cdq_img_parse(const uint8_t *data, size_t size, struct cdq_img *img)
{
	size_t pos, n;

	memset(img, 0, sizeof(*img));
	if (size < 2)
		return 0;
	n = (size_t)data[0] | (size_t)data[1] << 8;
	if (n > size - 2)
		n = size - 2;
	img->text = (const char *)data + 2;
	img->text_len = n;
	pos = 2 + n;

	img->ext = calloc(CDQ_IMG_MAX_EXTENTS, sizeof(*img->ext));
	if (!img->ext)
		return -CDQ_E_NOMEM;
	while (size - pos >= 11 && img->nr_ext < CDQ_IMG_MAX_EXTENTS) {
		struct cdq_img_extent *e = &img->ext[img->nr_ext];
		uint32_t len = (uint32_t)data[pos + 9] |
			       (uint32_t)data[pos + 10] << 8;

		e->kind = data[pos] % 4;
		e->phys = cdq_le64(data + pos + 1);
		e->len = len && len <= 4096 ? len : 4096;
		pos += 11;
		if (e->kind == CDQ_IMG_DATA) {
			if (size - pos < e->len)
				break;
			e->data = data + pos;
			pos += e->len;
		}
		img->nr_ext++;
	}
	return 0;
}

void cdq_img_free(struct cdq_img *img)
{
	free(img->ext);
	img->ext = NULL;
	img->nr_ext = 0;
}

int cdq_img_read(void *priv, uint64_t phys, void *buf, size_t len)
{
	const struct cdq_img *img = priv;
	uint8_t *out = buf;

	while (len) {
		const struct cdq_img_extent *e = NULL;
		uint64_t off, n;
		size_t i;

		for (i = 0; i < img->nr_ext; i++) {
			const struct cdq_img_extent *x = &img->ext[i];

			if (phys >= x->phys && phys - x->phys < x->len) {
				e = x;
				break;
			}
		}
		if (!e)
			return -CDQ_E_OUTSIDE;
		if (e->kind == CDQ_IMG_ABSENT)
			return -CDQ_E_ABSENT;
		if (e->kind == CDQ_IMG_IOERR)
			return -CDQ_E_IO;
		off = phys - e->phys;
		n = e->len - off;
		if (n > len)
			n = len;
		if (e->kind == CDQ_IMG_DATA)
			memcpy(out, e->data + off, (size_t)n);
		else
			memset(out, 0, (size_t)n);
		out += n;
		phys += n;
		len -= (size_t)n;
		if (len && !phys)
			return -CDQ_E_OUTSIDE;	/* wrapped around */
	}
	return 0;
}

static int cdq_put(FILE *f, const void *p, size_t n)
{
	return n && fwrite(p, 1, n, f) != n ? -CDQ_E_IO : 0;
}

int cdq_img_write_header(FILE *f, const char *text, size_t len)
{
	uint8_t h[2];

	if (len > 65535)
		len = 65535;
	h[0] = (uint8_t)len;
	h[1] = (uint8_t)(len >> 8);
	if (cdq_put(f, h, 2))
		return -CDQ_E_IO;
	return cdq_put(f, text, len);
}

int cdq_img_write_extent(FILE *f, uint64_t phys, const void *data, size_t len,
			 unsigned int kind)
{
	uint8_t h[11];
	size_t i;

	if (!len || len > 4096)
		return -CDQ_E_INVAL;
	if (kind == CDQ_IMG_DATA) {
		const uint8_t *p = data;

		for (i = 0; i < len && !p[i]; i++)
			;
		if (i == len)
			kind = CDQ_IMG_ZERO;
	}
	h[0] = (uint8_t)kind;
	for (i = 0; i < 8; i++)
		h[1 + i] = (uint8_t)(phys >> (8 * i));
	h[9] = (uint8_t)(len == 4096 ? 0 : len);
	h[10] = (uint8_t)((len == 4096 ? 0 : len) >> 8);
	if (cdq_put(f, h, sizeof(h)))
		return -CDQ_E_IO;
	return kind == CDQ_IMG_DATA ? cdq_put(f, data, len) : 0;
}

int cdq_img_write_sparse(FILE *f, uint64_t phys, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t start = 0, i = 0;
	int err;

	if (!len || len > 4096)
		return -CDQ_E_INVAL;
	while (i < len) {
		size_t z = i;

		while (z < len && !p[z])
			z++;
		if (z - i >= 64 || (z == len && z > i && i == start)) {
			/* Flush the data before the zero run, then the run. */
			if (i > start) {
				err = cdq_img_write_extent(f, phys + start, p + start,
							   i - start, CDQ_IMG_DATA);
				if (err)
					return err;
			}
			err = cdq_img_write_extent(f, phys + i, NULL, z - i,
						   CDQ_IMG_ZERO);
			if (err)
				return err;
			start = i = z;
		} else {
			i = z < len ? z + 1 : z;
		}
	}
	if (start < len)
		return cdq_img_write_extent(f, phys + start, p + start,
					    len - start, CDQ_IMG_DATA);
	return 0;
}
