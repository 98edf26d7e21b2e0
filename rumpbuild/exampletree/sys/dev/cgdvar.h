/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _DEV_CGDVAR_H_
#define _DEV_CGDVAR_H_

#include <sys/types.h>
#include <sys/ioctl.h>

/* The configuration ioctl of the example cgd: NetBSD's struct cgd_ioctl, field for field. */
struct cgd_ioctl {
	const char	*ci_disk;	/* the disk under the cgd (a block device path) */
	int		 ci_flags;
	int		 ci_unit;
	size_t		 ci_size;
	const char	*ci_alg;	/* cipher name: accepted, not used (see cgd.c) */
	const char	*ci_ivmethod;
	size_t		 ci_keylen;	/* bits */
	const char	*ci_key;
	size_t		 ci_blocksize;
};

#define CGDIOCSET	_IOWR('F', 18, struct cgd_ioctl)
#define CGDIOCCLR	_IOW('F', 19, struct cgd_ioctl)

#endif /* !_DEV_CGDVAR_H_ */
