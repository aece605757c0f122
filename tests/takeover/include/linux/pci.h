/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/pci.h> for the takeover model: see tk_kernel.h. */
#include "../tk_kernel.h"
