// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lab only (CONFIG_IOMMU_KDUMP_TEST): hostile IOMMU state for the kdump lab
 * to crash on. Never built into a product kernel.
 *
 * debugfs iommu_kdump/test_corrupt (first kernel): "CMD [ARG]" corrupts the
 * live IOMMU state just before a crash, so that the capture kernel meets a
 * bad table; the commands belong to the vendors (amd/kdump_test.c,
 * intel/kdump_test.c).
 *
 * iommu_kdump_test_hold_lock(): another CPU takes the IOMMU driver's
 * command submission lock and leaves a command half submitted, for
 * tests/kmod/edu_dma.c to crash on.
 */

#define pr_fmt(fmt) "iommu kdump: " fmt

#include <linux/bottom_half.h>
#include <linux/crash_dump.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/iommu_kdump.h>
#include <linux/mutex.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define IK_MAX_TEST_FNS	4
static iommu_kdump_test_fn ik_test_fns[IK_MAX_TEST_FNS];
static DEFINE_MUTEX(ik_test_mutex);

/**
 * iommu_kdump_test_register() - add a vendor handler to test_corrupt
 * @fn: the handler
 */
void iommu_kdump_test_register(iommu_kdump_test_fn fn)
{
	unsigned int i;

	mutex_lock(&ik_test_mutex);
	for (i = 0; i < IK_MAX_TEST_FNS; i++) {
		if (!ik_test_fns[i]) {
			ik_test_fns[i] = fn;
			break;
		}
	}
	mutex_unlock(&ik_test_mutex);
}

/*
 * "CMD [ARG]": corrupt the live IOMMU state of this (first) kernel, so that
 * the capture kernel of the next crash finds a bad pointer. The commands
 * belong to the vendors (amd/kdump.c, intel/kdump.c).
 */
static ssize_t ik_test_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char buf[64], *cmd, *arg;
	int ret = -ENOENT;
	unsigned int i;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	arg = strim(buf);
	cmd = strsep(&arg, " ");
	arg = arg ? strim(arg) : "";
	mutex_lock(&ik_test_mutex);
	for (i = 0; i < IK_MAX_TEST_FNS && ik_test_fns[i] && ret == -ENOENT; i++)
		ret = ik_test_fns[i](cmd, arg);
	mutex_unlock(&ik_test_mutex);
	if (ret)
		return ret;
	pr_warn("test: corrupted the IOMMU state: %s %s\n", cmd, arg);
	return len;
}

static const struct file_operations ik_test_fops = {
	.write = ik_test_write,
	.llseek = noop_llseek,
};

static iommu_kdump_test_hold_fn ik_test_hold_fn;

/**
 * iommu_kdump_test_register_hold() - set the vendor's lab lock holder
 * @fn: the handler (one IOMMU driver is active in a lab machine)
 */
void iommu_kdump_test_register_hold(iommu_kdump_test_hold_fn fn)
{
	WRITE_ONCE(ik_test_hold_fn, fn);
}

struct ik_test_hold_state {
	struct iommu_kdump_test_hold hold;
	int ret;
	int done;
};

/* IPI handler: take the lock, then keep it until the crash stops us. */
static void ik_test_holder(void *arg)
{
	struct ik_test_hold_state *s = arg;

	s->ret = ik_test_hold_fn(&s->hold);
	/* Pairs with the acquire in iommu_kdump_test_hold_lock(). */
	smp_store_release(&s->done, 1);
	if (s->ret)
		return;
	for (;;)
		cpu_relax();
}

/**
 * iommu_kdump_test_hold_lock() - lab: crash with a submission half done
 *
 * Makes another online CPU take the IOMMU driver's command submission lock
 * (in an IPI, interrupts off) and write one command that it never
 * publishes, then keep spinning with the lock held: the state a CPU stopped
 * by the crash NMI half-way through a submission leaves. Waits at most one
 * second for it. Returns with interrupts and bottom halves disabled on this
 * CPU, so that it can take no IOMMU lock itself before the panic its caller
 * must raise next.
 *
 * Return: 0 when the lock is held, -ENODEV without a vendor handler or a
 * second CPU, -ETIMEDOUT when the holder did not answer, or the handler's
 * error.
 */
int iommu_kdump_test_hold_lock(void)
{
	static struct ik_test_hold_state s;
	unsigned int cpu, us;

	if (!READ_ONCE(ik_test_hold_fn))
		return -ENODEV;
	cpu = cpumask_any_but(cpu_online_mask, get_cpu());
	if (cpu >= nr_cpu_ids) {
		put_cpu();
		return -ENODEV;
	}
	/*
	 * No softirq here from now on: once the holder has the lock, a NAPI
	 * poll on this CPU (say) mapping a receive buffer would flush
	 * through the same lock and spin on it for good, before the panic.
	 * The panic follows with bottom halves still disabled.
	 */
	local_bh_disable();
	smp_call_function_single(cpu, ik_test_holder, &s, 0);
	local_irq_disable();
	put_cpu();
	/* Pairs with the release in ik_test_holder(): s.ret and s.hold. */
	for (us = 0; us < USEC_PER_SEC && !smp_load_acquire(&s.done); us++)
		udelay(1);
	if (!s.done)
		return -ETIMEDOUT;
	if (s.ret)
		return s.ret;
	pr_emerg("test: CPU%u holds the %s lock: command written at %#x, tail register %#x\n",
		 cpu, s.hold.what, s.hold.slot, s.hold.hw_tail);
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_kdump_test_hold_lock);

static int __init ik_test_init(void)
{
	struct dentry *dir;

	if (is_kdump_kernel())
		return 0;
	dir = debugfs_create_dir("iommu_kdump", NULL);
	debugfs_create_file("test_corrupt", 0200, dir, NULL, &ik_test_fops);
	return 0;
}
late_initcall(ik_test_init);
