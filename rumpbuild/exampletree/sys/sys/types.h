/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_TYPES_H_
#define _SYS_TYPES_H_

#include <sys/cdefs.h>
#include <machine/types.h>

/* Fixed-size integers come from the compiler, not from a C library. */
typedef __INT8_TYPE__		int8_t;
typedef __INT16_TYPE__		int16_t;
typedef __INT32_TYPE__		int32_t;
typedef __INT64_TYPE__		int64_t;
typedef __UINT8_TYPE__		uint8_t;
typedef __UINT16_TYPE__		uint16_t;
typedef __UINT32_TYPE__		uint32_t;
typedef __UINT64_TYPE__		uint64_t;
typedef __INTPTR_TYPE__		intptr_t;
typedef __UINTPTR_TYPE__	uintptr_t;

typedef uint8_t		u_int8_t;
typedef uint16_t	u_int16_t;
typedef uint32_t	u_int32_t;
typedef uint64_t	u_int64_t;
typedef unsigned char	u_char;
typedef unsigned short	u_short;
typedef unsigned int	u_int;
typedef unsigned long	u_long;

#ifndef _SIZE_T_DEFINED_
#define _SIZE_T_DEFINED_
typedef __SIZE_TYPE__		size_t;
#endif
typedef __PTRDIFF_TYPE__	ssize_t;

typedef int64_t		off_t;
typedef int64_t		daddr_t;
typedef uint64_t	ino_t;
typedef uint64_t	dev_t;
typedef uint32_t	uid_t;
typedef uint32_t	gid_t;
typedef uint32_t	mode_t;
typedef int64_t		time_t;
typedef int32_t		pid_t;

#if !defined(__cplusplus)
typedef _Bool		bool;
#define true	1
#define false	0
#endif

#ifndef NULL
#define NULL	((void *)0)
#endif

struct timespec {
	time_t	tv_sec;
	long	tv_nsec;
};

#endif /* !_SYS_TYPES_H_ */
