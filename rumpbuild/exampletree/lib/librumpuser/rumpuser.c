/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Hypercalls: initialisation, parameters, memory, clock, console and
 * exit.  Built against the host's headers and C library.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rump/rumpuser.h>

#include "rumpuser_int.h"

static const struct rumpuser_hyperup *rumpuser_hyp;

int
rumpuser_init(int version, const struct rumpuser_hyperup *hyp)
{
	if (version != RUMPUSER_VERSION) {
		fprintf(stderr, "rumpuser: unsupported hypercall version %d, "
		    "want %d\n", version, RUMPUSER_VERSION);
		return 1;
	}
	rumpuser_hyp = hyp;
	return 0;
}

int
rumpuser_getparam(const char *name, void *buf, size_t blen)
{
	const char *value;

	if (blen == 0)
		return EINVAL;
	if (strcmp(name, RUMPUSER_PARAM_NCPU) == 0) {
		value = "1";
	} else if (strcmp(name, RUMPUSER_PARAM_HOSTNAME) == 0) {
		value = "rump-example";
	} else if ((value = getenv(name)) == NULL) {
		return ENOENT;
	}
	if (strlen(value) >= blen)
		return E2BIG;
	strcpy(buf, value);
	return 0;
}

int
rumpuser_malloc(size_t howmuch, int alignment, void **retp)
{
	size_t align = alignment > 0 ? (size_t)alignment : sizeof(void *);
	int rv;

	if (align < sizeof(void *))
		align = sizeof(void *);
	rv = posix_memalign(retp, align, howmuch);
	return ET(rv);
}

void
rumpuser_free(void *ptr, size_t size)
{
	(void)size;
	free(ptr);
}

int
rumpuser_clock_gettime(int enum_rumpclock, int64_t *sec, long *nsec)
{
	struct timespec ts;
	clockid_t clk;

	clk = enum_rumpclock == RUMPUSER_CLOCK_ABSMONO ?
	    CLOCK_MONOTONIC : CLOCK_REALTIME;
	if (clock_gettime(clk, &ts) == -1)
		return ET(errno);
	*sec = (int64_t)ts.tv_sec;
	*nsec = ts.tv_nsec;
	return 0;
}

void
rumpuser_putchar(int c)
{
	putchar(c);
}

void
rumpuser_dprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void
rumpuser_exit(int rv)
{
	if (rv == RUMPUSER_PANIC)
		abort();
	exit(rv);
}

void
rumpuser_seterrno(int error)
{
	errno = error;
}

/* Linux and NetBSD agree below 35; translate the few others we meet. */
int
rumpuser__errtrans(int hosterr)
{
	if (hosterr < 35)
		return hosterr;
	switch (hosterr) {
	case ENAMETOOLONG:	return 63;
	case ENOSYS:		return 78;
	case EOPNOTSUPP:	return 45;
	case ENOTEMPTY:		return 66;
	default:		return 5;	/* EIO */
	}
}
