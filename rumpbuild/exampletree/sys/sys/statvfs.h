/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_STATVFS_H_
#define _SYS_STATVFS_H_

#include <sys/types.h>

struct statvfs {
	unsigned long	f_flag;		/* ST_* */
	unsigned long	f_bsize;
	unsigned long	f_frsize;	/* the unit of f_blocks */
	unsigned long	f_iosize;
	uint64_t	f_blocks, f_bfree, f_bavail, f_bresvd;
	uint64_t	f_files, f_ffree, f_favail, f_fresvd;
	unsigned long	f_namemax;
	char		f_fstypename[32];
	char		f_mntonname[90];
};

#define ST_RDONLY	0x00000001	/* = MNT_RDONLY */
#define ST_WAIT		1		/* statvfs1() flags */
#define ST_NOWAIT	2

#endif /* !_SYS_STATVFS_H_ */
