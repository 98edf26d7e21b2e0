/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* Trivial routines used as placeholders in operation tables. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>

int
nullop(void *v)
{
	return 0;
}

int
enosys(void)
{
	return ENOSYS;
}

int
eopnotsupp(void)
{
	return EOPNOTSUPP;
}
