/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Threads: this example kernel is single threaded and runs every
 * request on behalf of one lwp.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <rump-sys/kern.h>

struct lwp {
	int	l_lid;
	int	l_errno;
};

static struct lwp lwp0 = { .l_lid = 1 };

struct lwp *
rump_curlwp(void)
{
	return &lwp0;
}
