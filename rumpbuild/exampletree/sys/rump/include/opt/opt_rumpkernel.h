/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Options for all rump kernel code.  Read with -imacros, so this may
 * only define macros.
 */
#ifndef _KERNEL
#define _KERNEL 1
#endif
#ifndef _MODULE
#define _MODULE 1
#endif
#define MODULAR 1
#define MAXUSERS 32
#define RUMP_KERNEL_IS_EXAMPLE 1

#ifndef __NetBSD__
#define __NetBSD__
#endif
