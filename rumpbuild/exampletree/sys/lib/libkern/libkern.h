/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _LIB_LIBKERN_LIBKERN_H_
#define _LIB_LIBKERN_LIBKERN_H_

#include <sys/types.h>

void	*memcpy(void *, const void *, size_t);
void	*memmove(void *, const void *, size_t);
void	*memset(void *, int, size_t);
int	memcmp(const void *, const void *, size_t);
size_t	strlen(const char *);
int	strcmp(const char *, const char *);
int	strncmp(const char *, const char *, size_t);
char	*strcpy(char *, const char *);
char	*strchr(const char *, int);
size_t	strlcpy(char *, const char *, size_t);

static __inline int
toupper(int c)
{
	return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

static __inline int
tolower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

void	kern_assert(const char *, ...) __printflike(1, 2);

#ifdef DIAGNOSTIC
#define KASSERT(e)	((e) ? (void)0 :				\
	kern_assert("kernel assertion \"%s\" failed: file \"%s\", line %d",\
	    #e, __FILE__, __LINE__))
#else
#define KASSERT(e)	((void)0)
#endif
#define CTASSERT(x)	_Static_assert((x), #x)

#endif /* !_LIB_LIBKERN_LIBKERN_H_ */
