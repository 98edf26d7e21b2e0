/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_SYSTM_H_
#define _SYS_SYSTM_H_

#include <sys/types.h>
#include <sys/stdarg.h>
#include <lib/libkern/libkern.h>

extern int cold;		/* still booting: ctors may register things */
extern int boothowto;
extern const char ostype[];
extern const char osrelease[];
extern const char version[];

int	printf(const char *, ...) __printflike(1, 2);
int	vprintf(const char *, va_list) __printflike(1, 0);
int	snprintf(char *, size_t, const char *, ...) __printflike(3, 4);
int	vsnprintf(char *, size_t, const char *, va_list) __printflike(3, 0);
void	panic(const char *, ...) __dead __printflike(1, 2);

void	getnanotime(struct timespec *);
time_t	time_second_get(void);
#define time_second	time_second_get()

int	nullop(void *);
int	enosys(void);
int	eopnotsupp(void);

#endif /* !_SYS_SYSTM_H_ */
