/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SPARC64_TYPES_H_
#define _SPARC64_TYPES_H_

/* Machine-dependent basic types (SPARC V9, LP64). */
typedef long			register_t;
typedef unsigned long		u_register_t;
typedef __UINTPTR_TYPE__	vaddr_t;
typedef __UINTPTR_TYPE__	paddr_t;
typedef __SIZE_TYPE__		vsize_t;
typedef __SIZE_TYPE__		psize_t;
typedef unsigned char		__cpu_simple_lock_nv_t;
typedef volatile __cpu_simple_lock_nv_t __cpu_simple_lock_t;

#define __SIMPLELOCK_LOCKED	0xff
#define __SIMPLELOCK_UNLOCKED	0
#define _LP64 1

#endif /* !_SPARC64_TYPES_H_ */
