/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/panic.h> for the model: see model_kernel.h. */
#include "model_kernel.h"
