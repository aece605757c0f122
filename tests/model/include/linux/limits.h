/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/limits.h> for the model: see model_kernel.h. */
#include "model_kernel.h"
