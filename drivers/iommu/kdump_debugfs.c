// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capture-kernel takeover: debugfs iommu_kdump/state, the ledger as text.
 *
 *   retire reset|attach quiesce 0|1
 *   unit NAME segment SSSS copied N rejected N retired N live N dids N released N
 *   rejected NAME SSSS:BB:DD.F[+N] "reason"      (or: rejected NAME all "reason")
 *   entry NAME SSSS:BB:DD.F copied|blocked|retired [did 0xID] [reset METHOD]
 *         [after reset|after bus-master-off|without reset]
 *   did NAME 0xID in-use|releasing|flushing|released|pinned users N [by WHO]
 */

#include <linux/crash_dump.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/iommu_kdump.h>
#include <linux/seq_file.h>

#include "kdump_core.h"

static const char * const ik_state_names[] = {
	[IK_NONE] = "none",
	[IK_COPIED] = "copied",
	[IK_BLOCKED] = "blocked",
	[IK_RETIRED] = "retired",
};

static const char * const ik_did_state_names[] = {
	[IK_DID_IN_USE] = "in-use",
	[IK_DID_RELEASING] = "releasing",
	[IK_DID_FLUSHING] = "flushing",
	[IK_DID_RELEASED] = "released",
	[IK_DID_PINNED] = "pinned",
};

static void ik_show_unit(struct seq_file *m, struct iommu_kdump_unit *u)
{
	char name[IK_NAME_LEN];
	struct ik_reject *r;
	unsigned long flags;
	u32 sid, i, live = 0;

	spin_lock_irqsave(&ik_lock, flags);
	for (sid = 0; sid < u->nr_sids; sid++)
		live += ik_ledger_live(u, sid);
	seq_printf(m, "unit %s segment %04x copied %u rejected %u retired %u live %u dids %u released %u\n",
		   u->name, u->segment, u->nr_copied, u->nr_rejected,
		   u->nr_retired, live, u->nr_dids, u->nr_released);
	list_for_each_entry(r, &u->rejected, node) {
		if (r->all) {
			seq_printf(m, "rejected %s all \"%s\"\n", u->name,
				   r->reason);
			continue;
		}
		ik_ledger_sid_name(u, r->sid, name, sizeof(name));
		seq_printf(m, "rejected %s %s", u->name, name);
		if (r->count > 1)
			seq_printf(m, "+%u", r->count - 1);
		seq_printf(m, " \"%s\"\n", r->reason);
	}
	for (sid = 0; sid < u->nr_sids; sid++) {
		const struct ik_sid *s = &u->sids[sid];

		if (s->state == IK_NONE)
			continue;
		/* A blocked-all unit: list only what changed. */
		if (s->state == IK_BLOCKED && !s->quiesced && u->blocked_all)
			continue;
		ik_ledger_sid_name(u, sid, name, sizeof(name));
		seq_printf(m, "entry %s %s %s", u->name, name,
			   ik_state_names[s->state]);
		if (s->has_did)
			seq_printf(m, " did %#x", s->did);
		if (s->quiesced)
			seq_printf(m, " reset %s", ik_methods[s->quiesced]);
		if (s->state == IK_RETIRED)
			seq_printf(m, " %s", ik_ledger_how(u, sid));
		seq_putc(m, '\n');
	}
	for (i = 0; i < u->nr_dids; i++) {
		const struct ik_did *d = &u->dids[i];

		seq_printf(m, "did %s %#x %s users %u", u->name, d->did,
			   ik_did_state_names[d->state], d->users);
		if (d->state != IK_DID_IN_USE && d->state != IK_DID_PINNED)
			seq_printf(m, " by %s", d->by);
		seq_putc(m, '\n');
	}
	spin_unlock_irqrestore(&ik_lock, flags);
}

static int ik_state_show(struct seq_file *m, void *v)
{
	struct iommu_kdump_unit *u;

	/* Let queued retirements and releases finish first. */
	ik_flush_retire();
	ik_flush_release();
	seq_printf(m, "retire %s quiesce %d\n",
		   iommu_kdump_retire_mode() == IOMMU_KDUMP_RETIRE_RESET ?
		   "reset" : "attach", iommu_kdump_quiesce_enabled());
	for (u = ik_first_unit(); u; u = u->next)
		ik_show_unit(m, u);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ik_state);

static int __init ik_debugfs_init(void)
{
	struct dentry *dir;

	if (!is_kdump_kernel())
		return 0;
	dir = debugfs_create_dir("iommu_kdump", NULL);
	debugfs_create_file("state", 0444, dir, NULL, &ik_state_fops);
	return 0;
}
late_initcall(ik_debugfs_init);
