/*
 * The zfs programs' etfs file I/O: rumpuser_iovread/iovwrite with
 * preadv/pwritev, linked in with -Wl,--wrap (rumpbuild/zfs/pio.py).
 *
 * Why: zfs's file vdevs (the images, etfs regular files) do their I/O
 * through rumpfs's etread/etwrite -> rumpuser_iovread/iovwrite on one file
 * descriptor per image, from many zio threads at once, and the 2016
 * librumpuser does lseek(fd, off) then readv(fd)/writev(fd) with the rump
 * CPU released in between: two threads can each seek and then both read or
 * write at the other's offset.  A scrub then reads another block than the
 * one it checks, or a repair lands on a good block, and the next scrub
 * "repairs" again (the mirror proof's flaky second scrub).  preadv/pwritev
 * take the offset with the call.
 *
 * Copyright (c) 2026 The rumpbuild authors.  BSD-2-Clause.
 */

#include <sys/types.h>
#include <sys/uio.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

/*
 * rumpuser.h is not for programs (#error), so its first members are
 * repeated here; pio.py links this only for a tree whose rumpuser.h says
 * RUMPUSER_VERSION 17, where they are these.
 */
struct rumpuser_hyperup {
	void	(*hyp_schedule)(void);
	void	(*hyp_unschedule)(void);
	void	(*hyp_backend_unschedule)(int, int *, void *);
	void	(*hyp_backend_schedule)(int, void *);
};
struct rumpuser_iovec {
	void	*iov_base;
	size_t	iov_len;
};
#define RUMPUSER_IOV_NOSEEK	-1

extern struct rumpuser_hyperup rumpuser__hyp;
int	rumpuser__errtrans(int);	/* host errno -> NetBSD errno (librumpuser) */

int	__wrap_rumpuser_iovread(int, struct rumpuser_iovec *, size_t, int64_t, size_t *);
int	__wrap_rumpuser_iovwrite(int, const struct rumpuser_iovec *, size_t, int64_t, size_t *);

/* The host call, with the rump CPU released as librumpuser does around blocking I/O. */
static int
hostio(int fd, const struct rumpuser_iovec *iov, size_t n, int64_t off, size_t *retp, int write)
{
	ssize_t nn;
	int nlocks, e;

	rumpuser__hyp.hyp_backend_unschedule(0, &nlocks, NULL);
	if (off == RUMPUSER_IOV_NOSEEK)
		nn = write ? writev(fd, (const struct iovec *)iov, (int)n) : readv(fd, (const struct iovec *)iov, (int)n);
	else
		nn = write ? pwritev(fd, (const struct iovec *)iov, (int)n, (off_t)off) :
		    preadv(fd, (const struct iovec *)iov, (int)n, (off_t)off);
	e = nn == -1 ? errno : 0;
	rumpuser__hyp.hyp_backend_schedule(nlocks, NULL);
	if (e)
		return rumpuser__errtrans(e);
	*retp = (size_t)nn;
	return 0;
}

int
__wrap_rumpuser_iovread(int fd, struct rumpuser_iovec *iov, size_t n, int64_t off, size_t *retp)
{
	return hostio(fd, iov, n, off, retp, 0);
}

int
__wrap_rumpuser_iovwrite(int fd, const struct rumpuser_iovec *iov, size_t n, int64_t off, size_t *retp)
{
	return hostio(fd, iov, n, off, retp, 1);
}
