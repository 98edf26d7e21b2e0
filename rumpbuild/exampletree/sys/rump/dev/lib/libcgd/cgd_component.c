/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * The example cgd component: its device nodes, and ioctl(2), which the
 * example kernel otherwise lacks (the driver is configured through it):
 * the kernel side (SYS_ioctl on a file's vnode) and the client entry
 * point rump_sys_ioctl().
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/vnode.h>

#include <rump/rumpuser.h>
#include <rump-sys/kern.h>

#define SYS_ioctl	54

int	cgd_makenodes(void);
int	rump_sys_ioctl(int, u_long, ...);

struct sys_ioctl_args {
	int	fd;
	u_long	com;
	void	*data;
};

static int
sys_ioctl(struct lwp *l, const void *v, register_t *retval)
{
	const struct sys_ioctl_args *uap = v;
	file_t *fp;

	if ((fp = fd_getfile(uap->fd)) == NULL)
		return EBADF;
	*retval = 0;
	return VOP_IOCTL(fp->f_vnode, uap->com, uap->data);
}

int
rump_sys_ioctl(int fd, u_long com, ...)
{
	struct sys_ioctl_args a;
	register_t rv[2];
	__builtin_va_list ap;
	int error;

	__builtin_va_start(ap, com);
	a.fd = fd;
	a.com = com;
	a.data = __builtin_va_arg(ap, void *);
	__builtin_va_end(ap);
	error = rump_syscall(SYS_ioctl, &a, sizeof(a), rv);
	if (error != 0) {
		rumpuser_seterrno(error);
		return -1;
	}
	return 0;
}

static const struct rump_onesyscall cgd_syscalls[] = {
	{ SYS_ioctl, sys_ioctl },
};

RUMP_COMPONENT(RUMP_COMPONENT_KERN_VFS)
{
	int error;

	if ((error = cgd_makenodes()) != 0)
		panic("cgd: cannot make device nodes: %d", error);
}

RUMP_COMPONENT(RUMP_COMPONENT_SYSCALL)
{
	rump_syscall_boot_establish(cgd_syscalls, __arraycount(cgd_syscalls));
}
