/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_STAT_H_
#define _SYS_STAT_H_

#include <sys/types.h>

/* NetBSD's struct stat (the __stat50 layout). */
struct stat {
	dev_t		st_dev;
	mode_t		st_mode;
	ino_t		st_ino;
	uint32_t	st_nlink;
	uid_t		st_uid;
	gid_t		st_gid;
	dev_t		st_rdev;
	struct timespec	st_atimespec;
	struct timespec	st_mtimespec;
	struct timespec	st_ctimespec;
	struct timespec	st_birthtimespec;
	off_t		st_size;
	int64_t		st_blocks;	/* 512-byte blocks */
	uint32_t	st_blksize;
	uint32_t	st_flags;
	uint32_t	st_gen;
	uint32_t	st_spare[2];
};

#define st_atime	st_atimespec.tv_sec
#define st_atimensec	st_atimespec.tv_nsec
#define st_mtime	st_mtimespec.tv_sec
#define st_mtimensec	st_mtimespec.tv_nsec
#define st_ctime	st_ctimespec.tv_sec
#define st_ctimensec	st_ctimespec.tv_nsec

#define S_IFMT		0170000
#define S_IFCHR		0020000
#define S_IFDIR		0040000
#define S_IFBLK		0060000
#define S_IFREG		0100000

#endif /* !_SYS_STAT_H_ */
