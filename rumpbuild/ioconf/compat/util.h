/*
 * rumpbuild host stand-in for NetBSD's <util.h>: the error-checking
 * allocation helpers of libutil that config(1) calls.  They print a message
 * and exit on failure.  Implemented in rumpbuild_compat.c.
 */
#ifndef RUMPBUILD_UTIL_H
#define RUMPBUILD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

void *emalloc(size_t);
void *ecalloc(size_t, size_t);
void *erealloc(void *, size_t);
char *estrdup(const char *);
char *estrndup(const char *, size_t);
int easprintf(char **, const char *, ...)
    __attribute__((__format__(__printf__, 2, 3)));
int evasprintf(char **, const char *, va_list);
FILE *efopen(const char *, const char *);

#endif /* RUMPBUILD_UTIL_H */
