/* SPDX-License-Identifier: GPL-2.0 */
/* <asm/processor.h> for the takeover model: see tk_kernel.h. */
#include "../tk_kernel.h"
