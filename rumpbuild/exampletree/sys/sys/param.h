/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_PARAM_H_
#define _SYS_PARAM_H_

/*
 * Version of this example kernel: MMmmrrpp00, like NetBSD's scheme.
 * sys/conf/osrelease.sh reads the next line.
 */
#define	__NetBSD_Version__	799003400	/* NetBSD 7.99.34 */

#define NetBSD	199905

#include <sys/types.h>

#define MAXPATHLEN	1024
#define MAXNAMLEN	255
#define DEV_BSHIFT	9
#define DEV_BSIZE	(1 << DEV_BSHIFT)

#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#define howmany(x, y)	(((x) + ((y) - 1)) / (y))
#define roundup(x, y)	(howmany(x, y) * (y))
#define rounddown(x, y)	(((x) / (y)) * (y))
#define powerof2(x)	((((x) - 1) & (x)) == 0)

#endif /* !_SYS_PARAM_H_ */
