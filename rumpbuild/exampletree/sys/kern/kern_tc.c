/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* Time of day, from the host clock. */
#include <sys/param.h>
#include <sys/systm.h>

#include <rump/rumpuser.h>

void
getnanotime(struct timespec *ts)
{
	int64_t sec;
	long nsec;

	if (rumpuser_clock_gettime(RUMPUSER_CLOCK_RELWALL, &sec, &nsec) != 0)
		sec = nsec = 0;
	ts->tv_sec = sec;
	ts->tv_nsec = nsec;
}

time_t
time_second_get(void)
{
	struct timespec ts;

	getnanotime(&ts);
	return ts.tv_sec;
}
