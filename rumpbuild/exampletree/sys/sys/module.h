/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_MODULE_H_
#define _SYS_MODULE_H_

#include <sys/types.h>
#include <sys/param.h>
#include <sys/queue.h>

typedef enum modclass {
	MODULE_CLASS_ANY,
	MODULE_CLASS_MISC,
	MODULE_CLASS_VFS,
	MODULE_CLASS_DRIVER,
	MODULE_CLASS_EXEC,
	MODULE_CLASS_SECMODEL,
	MODULE_CLASS_BUFQ
} modclass_t;

typedef enum modcmd {
	MODULE_CMD_INIT,
	MODULE_CMD_FINI,
	MODULE_CMD_STAT,
	MODULE_CMD_AUTOUNLOAD
} modcmd_t;

/* What a module tells the kernel about itself. */
typedef struct modinfo {
	u_int		mi_version;
	modclass_t	mi_class;
	int		(*mi_modcmd)(modcmd_t, void *);
	const char	*mi_name;
	const char	*mi_required;	/* comma separated list, or NULL */
} const modinfo_t;

#ifdef _KERNEL

/* Modules registered by constructors before the kernel boots. */
struct modinfo_chain {
	const struct modinfo		*mc_info;
	LIST_ENTRY(modinfo_chain)	mc_entries;
};
LIST_HEAD(modinfo_boot_chain, modinfo_chain);
extern struct modinfo_boot_chain modinfo_boot_chain;
extern int cold;

#ifdef RUMP_USE_CTOR
#define _MODULE_REGISTER(name)						\
static struct modinfo_chain name##_modchain = {				\
	.mc_info = &name##_modinfo,					\
};									\
static void __constructor name##_modctor(void)				\
{									\
	if (cold)							\
		LIST_INSERT_HEAD(&modinfo_boot_chain,			\
		    &name##_modchain, mc_entries);			\
}									\
static void __destructor name##_moddtor(void)				\
{									\
	if (cold)							\
		LIST_REMOVE(&name##_modchain, mc_entries);		\
}
#else
#define _MODULE_REGISTER(name)						\
	__link_set_add_rodata(modules, name##_modinfo);
#endif

#define MODULE(class, name, required)					\
static int name##_modcmd(modcmd_t, void *);				\
static const modinfo_t name##_modinfo = {				\
	.mi_version = __NetBSD_Version__,				\
	.mi_class = (class),						\
	.mi_modcmd = name##_modcmd,					\
	.mi_name = #name,						\
	.mi_required = (required)					\
};									\
_MODULE_REGISTER(name)

void	module_init(void);
int	module_builtin_add(modinfo_t *const *, size_t, bool);
void	module_init_class(modclass_t);

#endif /* _KERNEL */

#endif /* !_SYS_MODULE_H_ */
