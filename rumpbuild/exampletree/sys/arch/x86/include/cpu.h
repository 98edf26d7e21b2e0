/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _X86_CPU_H_
#define _X86_CPU_H_

struct cpu_info {
	int	ci_index;
	const char *ci_name;
};

/*
 * Modules and rump kernels must not assume the kernel's %gs layout:
 * they call a function (supplied by the rump kernel's x86 arch code).
 */
#if defined(_MODULE) || defined(_RUMPKERNEL)
struct cpu_info *x86_curcpu(void);
#define curcpu()	x86_curcpu()
#else
extern struct cpu_info cpu_info_primary;
#define curcpu()	(&cpu_info_primary)
#endif
#define cpu_index(ci)	((ci)->ci_index)

#endif /* !_X86_CPU_H_ */
