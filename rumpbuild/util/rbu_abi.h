/*
 * rump_<fs>: the structures the host program and its kernel-side helper
 * (util_kernel.c.j2, compiled as rump kernel code) exchange.  Fixed-width
 * fields only, so the layout is the same on both sides whatever the host
 * libc's struct stat or time_t looks like.
 *
 * Copyright (c) 2026 The rumpbuild authors.  BSD-2-Clause.
 */
#ifndef RBU_ABI_H
#define RBU_ABI_H

#ifdef _KERNEL
#include <sys/types.h>
#else
#include <stdint.h>
#include <stddef.h>
#endif

struct rbu_stat {
	uint64_t	ino;
	uint64_t	size;
	uint64_t	blocks;		/* 512-byte blocks */
	int64_t		atime, mtime, ctime;
	int32_t		atime_ns, mtime_ns, ctime_ns;
	uint32_t	mode;		/* S_IF* and permission bits, same values on NetBSD and Linux */
	uint32_t	nlink;
	uint32_t	uid, gid;
	uint32_t	blksize;
};

struct rbu_statvfs {
	uint64_t	bsize, frsize, blocks, bfree, bavail, files, ffree;
	uint32_t	namemax;
	uint32_t	rdonly;
};

/* One directory entry in rumpbuild_util_getdents()'s output, 8-byte aligned. */
struct rbu_dirent {
	uint64_t	ino;
	uint16_t	reclen;		/* bytes to the next entry */
	uint16_t	namlen;
	uint8_t		type;		/* DT_* (same values on NetBSD and Linux) */
	char		name[];		/* NUL-terminated */
};

/* Special nanosecond values for rumpbuild_util_utimens (as the host's UTIME_NOW/UTIME_OMIT). */
#define RBU_UTIME_NOW	(-1)
#define RBU_UTIME_OMIT	(-2)

/*
 * Kernel side.  Each returns 0 (getdents: bytes written) or -1 with the
 * host's errno set by the rump kernel (a NetBSD errno value).
 */
int rumpbuild_util_stat(const char *, int, struct rbu_stat *);
int rumpbuild_util_statvfs(const char *, struct rbu_statvfs *);
int rumpbuild_util_getdents(int, char *, size_t);
int rumpbuild_util_utimens(const char *, int64_t, int32_t, int64_t, int32_t);
int rumpbuild_util_flush(int, int64_t, int64_t);	/* returns 0 or a NetBSD errno */
int rumpbuild_mountargs(const char *, void *, unsigned long *);

#endif /* RBU_ABI_H */
