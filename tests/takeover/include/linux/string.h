/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/string.h> for the takeover model. */
#include <string.h>
