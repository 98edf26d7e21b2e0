/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_DIRENT_H_
#define _SYS_DIRENT_H_

#include <sys/types.h>

/* What getdents() returns: variable-length records, 8-byte aligned. */
struct dirent {
	ino_t		d_fileno;
	uint16_t	d_reclen;	/* bytes to the next record */
	uint16_t	d_namlen;
	uint8_t		d_type;		/* DT_* */
	char		d_name[255 + 1];
};

#define DT_UNKNOWN	0
#define DT_DIR		4
#define DT_REG		8

#define _DIRENT_NAMEOFF(dp)	((size_t)((char *)&(dp)->d_name - (char *)(dp)))
#define _DIRENT_RECLEN(dp, namlen) \
	((_DIRENT_NAMEOFF(dp) + (namlen) + 1 + 7) & ~(size_t)7)

#endif /* !_SYS_DIRENT_H_ */
