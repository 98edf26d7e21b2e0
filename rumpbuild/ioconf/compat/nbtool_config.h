/*
 * rumpbuild's host compatibility header for building a NetBSD source tree's
 * own config(1) (usr.bin/config) on a non-NetBSD host such as glibc Linux.
 *
 * Every source file is compiled with -DHAVE_NBTOOL_CONFIG_H=1 and
 * "-include nbtool_config.h", the way NetBSD's tools/ build supplies its own
 * nbtool_config.h.  This file only fills in what glibc and the C compiler
 * lack; each item is guarded so a host that has it keeps its own.
 * Written for rumpbuild; not derived from NetBSD's tools/compat.
 */
#ifndef RUMPBUILD_NBTOOL_CONFIG_H
#define RUMPBUILD_NBTOOL_CONFIG_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/types.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <sys/queue.h>
#include <errno.h>
#include <err.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* <sys/cdefs.h> decorations NetBSD sources use. */
#ifndef __RCSID
#define __RCSID(s) struct rumpbuild_rcsid_ignored
#endif
#ifndef __COPYRIGHT
#define __COPYRIGHT(s) struct rumpbuild_copyright_ignored
#endif
#ifndef __KERNEL_RCSID
#define __KERNEL_RCSID(n, s) struct rumpbuild_rcsid_ignored
#endif
#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif
#ifndef __printflike
#define __printflike(f, a) __attribute__((__format__(__printf__, f, a)))
#endif
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
#ifndef __diagused
#define __diagused __attribute__((__unused__))
#endif
#ifndef __nothing
#define __nothing ((void)0)
#endif
#ifndef __predict_true
#define __predict_true(e) __builtin_expect(!!(e), 1)
#endif
#ifndef __predict_false
#define __predict_false(e) __builtin_expect(!!(e), 0)
#endif
#ifndef __UNCONST
#define __UNCONST(p) ((void *)(uintptr_t)(const void *)(p))
#endif
#ifndef __UNVOLATILE
#define __UNVOLATILE(p) ((void *)(uintptr_t)(volatile void *)(p))
#endif
#ifndef __arraycount
#define __arraycount(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* <sys/queue.h> macros glibc leaves out. */
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, next)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((next) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (next))
#endif
#ifndef TAILQ_FOREACH_REVERSE_SAFE
#define TAILQ_FOREACH_REVERSE_SAFE(var, head, headname, field, prev)	\
	for ((var) = TAILQ_LAST(head, headname);			\
	    (var) != NULL && ((prev) = TAILQ_PREV(var, headname, field), 1); \
	    (var) = (prev))
#endif
#ifndef SLIST_FOREACH_SAFE
#define SLIST_FOREACH_SAFE(var, head, field, next)			\
	for ((var) = SLIST_FIRST(head);					\
	    (var) != NULL && ((next) = SLIST_NEXT(var, field), 1);	\
	    (var) = (next))
#endif
#ifndef LIST_FOREACH_SAFE
#define LIST_FOREACH_SAFE(var, head, field, next)			\
	for ((var) = LIST_FIRST(head);					\
	    (var) != NULL && ((next) = LIST_NEXT(var, field), 1);	\
	    (var) = (next))
#endif
#ifndef STAILQ_FOREACH_SAFE
#define STAILQ_FOREACH_SAFE(var, head, field, next)			\
	for ((var) = STAILQ_FIRST(head);				\
	    (var) != NULL && ((next) = STAILQ_NEXT(var, field), 1);	\
	    (var) = (next))
#endif

/*
 * BSD string functions.  glibc gained strlcpy/strlcat only in 2.38, so
 * rumpbuild always uses its own under a private name.
 */
size_t rumpbuild_strlcpy(char *, const char *, size_t);
size_t rumpbuild_strlcat(char *, const char *, size_t);
int rumpbuild_reallocarr(void *, size_t, size_t);
#undef strlcpy
#undef strlcat
#define strlcpy rumpbuild_strlcpy
#define strlcat rumpbuild_strlcat
#define reallocarr rumpbuild_reallocarr

#endif /* RUMPBUILD_NBTOOL_CONFIG_H */
