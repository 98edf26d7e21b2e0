/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _RUMP_SYS_KERN_H_
#define _RUMP_SYS_KERN_H_

#include <sys/types.h>
#include <sys/queue.h>

struct lwp;

/* Component types, in the order rump_init() initialises them. */
enum rump_component_type {
	RUMP_COMPONENT_KERN,
		RUMP__FACTION_VFS,
			RUMP_COMPONENT_VFS,
		RUMP__FACTION_DEV,
			RUMP_COMPONENT_DEV,
	RUMP_COMPONENT_KERN_VFS,
	RUMP_COMPONENT_POSTINIT,
	RUMP_COMPONENT_SYSCALL,

	RUMP_COMPONENT_MAX
};

struct rump_component {
	enum rump_component_type	rc_type;
	void				(*rc_init)(void);
	LIST_ENTRY(rump_component)	rc_entries;
};

void	rump_component_load(const struct rump_component *);
void	rump_component_unload(struct rump_component *);
int	rump_component_count(enum rump_component_type);
void	rump_component_init(enum rump_component_type);

/*
 * RUMP_COMPONENT(type) { body } declares a component whose init
 * routine is the body.  It is found through the link set
 * "rump_components", or registered by a constructor.
 */
#ifdef RUMP_USE_CTOR
#define _RUMP_COMPONENT_REGISTER(type)					\
static void __constructor rumpcomp_ctor##type(void)			\
{									\
	rump_component_load(&rumpcomp_##type);				\
}									\
static void __destructor rumpcomp_dtor##type(void)			\
{									\
	rump_component_unload(&rumpcomp_##type);			\
}
#else
#define _RUMP_COMPONENT_REGISTER(type)					\
	__link_set_add_data(rump_components, rumpcomp_##type);
#endif

#define RUMP_COMPONENT(type)						\
static void rumpcomp_init##type(void);					\
static struct rump_component rumpcomp_##type = {			\
	.rc_type = type,						\
	.rc_init = rumpcomp_init##type,					\
};									\
_RUMP_COMPONENT_REGISTER(type)						\
static void rumpcomp_init##type(void)

/* syscall registration, used by the SYSCALL components */
struct rump_onesyscall {
	int	ros_num;
	int	(*ros_handler)(struct lwp *, const void *, register_t *);
};
void	rump_syscall_boot_establish(const struct rump_onesyscall *, size_t);
int	rump_syscall(int, void *, size_t, register_t *);

extern int rump_verbose;
void	rump_cpu_bootstrap(void);
struct lwp *rump_curlwp(void);

#endif /* _RUMP_SYS_KERN_H_ */
