/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_DKIO_H_
#define _SYS_DKIO_H_

/* Disk ioctls understood by block device vnodes. */
#define DIOCGMEDIASIZE	0x40086484UL	/* off_t: size in bytes */
#define DIOCGSECTORSIZE	0x40046485UL	/* u_int: sector size */

#endif /* !_SYS_DKIO_H_ */
