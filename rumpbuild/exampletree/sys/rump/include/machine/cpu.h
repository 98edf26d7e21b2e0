/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _RUMP_MACHINE_CPU_H_
#define _RUMP_MACHINE_CPU_H_

/*
 * Used instead of the real <machine/cpu.h> on architectures where the
 * rump kernel does not use the native kernel ABI.
 */
struct cpu_info {
	int	ci_index;
	const char *ci_name;
};

struct cpu_info *rump_cpu_curcpu(void);
#define curcpu()	rump_cpu_curcpu()
#define cpu_index(ci)	((ci)->ci_index)

#endif /* !_RUMP_MACHINE_CPU_H_ */
