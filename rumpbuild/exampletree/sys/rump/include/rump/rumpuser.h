/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _RUMP_RUMPUSER_H_
#define _RUMP_RUMPUSER_H_

/*
 * The hypercall interface: what a rump kernel needs from its host.
 * Compiled both into the kernel (kernel headers) and into
 * librumpuser (host headers).
 */
#if !defined(_KERNEL) && !defined(LIBRUMPUSER)
#error The rump/rumpuser.h interface is not for non-kernel consumers
#endif

#ifdef _KERNEL
#include <sys/types.h>
#else
#include <sys/types.h>
#include <stdint.h>
#endif

#define RUMPUSER_VERSION 17

struct rumpuser_hyperup {
	void	(*hyp_schedule)(void);
	void	(*hyp_unschedule)(void);
	void	*hyp_extra[6];
};
int	rumpuser_init(int, const struct rumpuser_hyperup *);

#define RUMPUSER_PARAM_NCPU	"_RUMPUSER_NCPU"
#define RUMPUSER_PARAM_HOSTNAME	"_RUMPUSER_HOSTNAME"
int	rumpuser_getparam(const char *, void *, size_t);

int	rumpuser_malloc(size_t, int, void **);
void	rumpuser_free(void *, size_t);

#define RUMPUSER_OPEN_RDONLY	0x0000
#define RUMPUSER_OPEN_WRONLY	0x0001
#define RUMPUSER_OPEN_RDWR	0x0002
#define RUMPUSER_OPEN_ACCMODE	0x0003
#define RUMPUSER_OPEN_CREATE	0x0004
#define RUMPUSER_OPEN_EXCL	0x0008
#define RUMPUSER_OPEN_BIO	0x0010
int	rumpuser_open(const char *, int, int *);
int	rumpuser_close(int);

#define RUMPUSER_FT_OTHER	0
#define RUMPUSER_FT_DIR		1
#define RUMPUSER_FT_REG		2
#define RUMPUSER_FT_BLK		3
#define RUMPUSER_FT_CHR		4
int	rumpuser_getfileinfo(const char *, uint64_t *, int *);

struct rumpuser_iovec {
	void	*iov_base;
	size_t	iov_len;
};
int	rumpuser_iovread(int, struct rumpuser_iovec *, size_t, int64_t,
	    size_t *);
int	rumpuser_iovwrite(int, const struct rumpuser_iovec *, size_t,
	    int64_t, size_t *);

#define RUMPUSER_SYNCFD_READ	0x01
#define RUMPUSER_SYNCFD_WRITE	0x02
#define RUMPUSER_SYNCFD_SYNC	0x08
int	rumpuser_syncfd(int, int, uint64_t, uint64_t);

#define RUMPUSER_CLOCK_RELWALL	0
#define RUMPUSER_CLOCK_ABSMONO	1
int	rumpuser_clock_gettime(int, int64_t *, long *);

void	rumpuser_putchar(int);
void	rumpuser_dprintf(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));

#define RUMPUSER_PANIC	(-1)
void	rumpuser_exit(int) __attribute__((__noreturn__));

void	rumpuser_seterrno(int);

#endif /* _RUMP_RUMPUSER_H_ */
