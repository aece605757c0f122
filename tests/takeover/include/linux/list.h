/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/list.h> for the takeover model: what kdump_ledger.h uses. */
#ifndef _TEST_LINUX_LIST_H
#define _TEST_LINUX_LIST_H
struct list_head {
	struct list_head *next, *prev;
};

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}
#endif
