/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Bootstrap of the rump kernel: hypervisor handshake, collecting the
 * components and modules linked into the program, and initialising
 * them in a fixed order.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>
#include <sys/syscall.h>
#include <sys/syscallargs.h>
#include <machine/cpu.h>

#include <rump/rump.h>
#include <rump/rumpuser.h>
#include <rump-sys/kern.h>

int cold = 1;
int boothowto;
int rump_verbose;

static LIST_HEAD(, rump_component) rchead = LIST_HEAD_INITIALIZER(rchead);
static int compcounter[RUMP_COMPONENT_MAX];
static int rump_inited;

/* Keeps the link set non-empty (see kern_module.c). */
static struct rump_component rump_component_dummy = {
	.rc_type = RUMP_COMPONENT_MAX,
};
__link_set_add_data(rump_components, rump_component_dummy);
__link_set_decl(rump_components, struct rump_component);

static const struct rumpuser_hyperup hyp;

static sy_call_t *rump_sysent[SYS_MAXSYSCALL];

void
rump_component_load(const struct rump_component *rc_const)
{
	struct rump_component *rc = __UNCONST(rc_const), *r;

	if (rc->rc_type >= RUMP_COMPONENT_MAX)
		return;
	LIST_FOREACH(r, &rchead, rc_entries) {
		if (r == rc)
			return;
	}
	LIST_INSERT_HEAD(&rchead, rc, rc_entries);
	compcounter[rc->rc_type]++;
}

void
rump_component_unload(struct rump_component *rc)
{
	/* components are unloaded only before the kernel boots */
	if (!cold)
		return;
	LIST_REMOVE(rc, rc_entries);
	compcounter[rc->rc_type]--;
}

int
rump_component_count(enum rump_component_type type)
{
	return compcounter[type];
}

void
rump_component_init(enum rump_component_type type)
{
	struct rump_component *rc;

	LIST_FOREACH(rc, &rchead, rc_entries) {
		if (rc->rc_type == type)
			(*rc->rc_init)();
	}
}

static void
rump_component_addlocal(void)
{
	struct rump_component *const *rcp;

	__link_set_foreach(rcp, rump_components)
		rump_component_load(*rcp);
}

void
rump_syscall_boot_establish(const struct rump_onesyscall *calls, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		KASSERT(calls[i].ros_num < SYS_MAXSYSCALL);
		rump_sysent[calls[i].ros_num] = calls[i].ros_handler;
	}
}

int
rump_syscall(int num, void *data, size_t dlen, register_t *retval)
{
	if (num < 0 || num >= SYS_MAXSYSCALL || rump_sysent[num] == NULL)
		return ENOSYS;
	retval[0] = retval[1] = 0;
	return (*rump_sysent[num])(rump_curlwp(), data, retval);
}

const char *
rump_pub_version(void)
{
	return version;
}

int
rump_init(void)
{
	char buf[256];
	int error;

	if (rump_inited)
		return 0;
	rump_inited = 1;

	if (rumpuser_init(RUMPUSER_VERSION, &hyp) != 0) {
		rumpuser_dprintf("rumpuser init failed\n");
		return EINVAL;
	}
	if (rumpuser_getparam("RUMP_VERBOSE", buf, sizeof(buf)) == 0 &&
	    *buf != '\0' && *buf != '0')
		rump_verbose = 1;

	rump_cpu_bootstrap();
	if (rump_verbose) {
		printf("%s", version);
		printf("rump kernel: cpu%d, %s ABI\n", cpu_index(curcpu()),
		    rump_nativeabi_p() ? "native" : "rump");
	}

	module_init();
	rump_component_addlocal();

	rump_component_init(RUMP_COMPONENT_KERN);
	rump_component_init(RUMP__FACTION_VFS);
	rump_component_init(RUMP__FACTION_DEV);
	rump_component_init(RUMP_COMPONENT_KERN_VFS);
	rump_component_init(RUMP_COMPONENT_POSTINIT);
	rump_component_init(RUMP_COMPONENT_SYSCALL);

	cold = 0;
	module_init_class(MODULE_CLASS_ANY);

	error = 0;
	if (rump_verbose)
		printf("rump kernel: booted\n");
	return error;
}
