/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_CDEFS_H_
#define _SYS_CDEFS_H_

#ifdef __cplusplus
#define __BEGIN_DECLS	extern "C" {
#define __END_DECLS	}
#else
#define __BEGIN_DECLS
#define __END_DECLS
#endif

#define ___STRING(x)	#x
#define __STRING(x)	___STRING(x)
#define ___CONCAT(x, y)	x ## y
#define __CONCAT(x, y)	___CONCAT(x, y)

#define __unused	__attribute__((__unused__))
#define __used		__attribute__((__used__))
#define __packed	__attribute__((__packed__))
#define __aligned(x)	__attribute__((__aligned__(x)))
#define __section(x)	__attribute__((__section__(x)))
#define __dead		__attribute__((__noreturn__))
#define __constructor	__attribute__((__constructor__))
#define __destructor	__attribute__((__destructor__))
#define __printflike(f, a) __attribute__((__format__(__printf__, f, a)))
#define __dso_hidden	__attribute__((__visibility__("hidden")))
#define __predict_false(e) __builtin_expect((e) != 0, 0)
#define __predict_true(e)  __builtin_expect((e) != 0, 1)
#define __arraycount(a)	(sizeof(a) / sizeof((a)[0]))
#define __UNCONST(p)	((void *)(unsigned long)(const void *)(p))

/*
 * Link sets: an array of pointers collected by the linker into the
 * section "link_set_<set>"; the linker provides __start_ and __stop_
 * symbols around it.
 */
#define __link_set_make_entry(set, sym)					\
	static void const * const __link_set_##set##_sym_##sym		\
	__section("link_set_" #set) __used = (const void *)&sym
#define __link_set_add_text(set, sym)	__link_set_make_entry(set, sym)
#define __link_set_add_rodata(set, sym)	__link_set_make_entry(set, sym)
#define __link_set_add_data(set, sym)	__link_set_make_entry(set, sym)
#define __link_set_add_bss(set, sym)	__link_set_make_entry(set, sym)

#define __link_set_decl(set, ptype)					\
	extern ptype * const __start_link_set_##set[] __dso_hidden;	\
	extern ptype * const __stop_link_set_##set[] __dso_hidden

#define __link_set_start(set)	(__start_link_set_##set)
#define __link_set_end(set)	(__stop_link_set_##set)
#define __link_set_foreach(pvar, set)					\
	for (pvar = __link_set_start(set); pvar < __link_set_end(set); pvar++)

#endif /* !_SYS_CDEFS_H_ */
