/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* CPU glue for architectures that use the rump kernel's own ABI. */
#include <sys/param.h>
#include <sys/systm.h>
#include <machine/cpu.h>

#include <rump/rump.h>
#include <rump-sys/kern.h>

static struct cpu_info rump_bootcpu = { .ci_index = 0, .ci_name = "cpu0" };

struct cpu_info *
rump_cpu_curcpu(void)
{
	return &rump_bootcpu;
}

void
rump_cpu_bootstrap(void)
{
	/* nothing to set up */
}

int
rump_nativeabi_p(void)
{
	return 0;
}
