/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* Registers the file system system calls with the kernel. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/syscall.h>
#include <sys/syscallargs.h>

#include <rump-sys/kern.h>

#define ENTRY(name)							\
	{ SYS_##name, (sy_call_t *)(void (*)(void))sys_##name }

static const struct rump_onesyscall vfs_syscalls[] = {
	ENTRY(read),
	ENTRY(write),
	ENTRY(open),
	ENTRY(close),
	ENTRY(unmount),
	ENTRY(fsync),
	ENTRY(mkdir),
	ENTRY(lseek),
	ENTRY(__mount50),
	ENTRY(__stat50),
	ENTRY(__lstat50),
	ENTRY(__getdents30),
	ENTRY(statvfs1),
	ENTRY(unlink),
	ENTRY(rmdir),
	ENTRY(rename),
	ENTRY(truncate),
	ENTRY(ftruncate),
	ENTRY(utimensat),
	ENTRY(sync),
	ENTRY(pread),
	ENTRY(pwrite),
	ENTRY(chmod),
	ENTRY(lchown),
};

RUMP_COMPONENT(RUMP_COMPONENT_SYSCALL)
{
	rump_syscall_boot_establish(vfs_syscalls, __arraycount(vfs_syscalls));
}
