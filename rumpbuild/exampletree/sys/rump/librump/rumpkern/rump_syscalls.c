/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Client entry points rump_sys_*(): pack the arguments and enter the
 * kernel through rump_syscall().  This file uses only names in the
 * rump namespace, so it is exempt from symbol renaming
 * (RUMPOBJ_NORENAME).
 */
#include <sys/param.h>
#include <sys/syscall.h>
#include <sys/syscallargs.h>
#include <sys/stdarg.h>

#include <rump/rumpuser.h>
#include <rump/rump_syscalls.h>
#include <rump-sys/kern.h>

union rv {
	register_t	r[2];
	off_t		off;
};

static int
rsys(int num, void *args, size_t len, union rv *rv)
{
	int error;

	error = rump_syscall(num, args, len, rv->r);
	if (error != 0) {
		rumpuser_seterrno(error);
		return -1;
	}
	return 0;
}

ssize_t
rump_sys_read(int fd, void *buf, size_t nbyte)
{
	struct sys_read_args a = { fd, buf, nbyte };
	union rv rv;

	return rsys(SYS_read, &a, sizeof(a), &rv) ? -1 : (ssize_t)rv.r[0];
}

ssize_t
rump_sys_write(int fd, const void *buf, size_t nbyte)
{
	struct sys_write_args a = { fd, buf, nbyte };
	union rv rv;

	return rsys(SYS_write, &a, sizeof(a), &rv) ? -1 : (ssize_t)rv.r[0];
}

int
rump_sys_open(const char *path, int flags, ...)
{
	struct sys_open_args a = { path, flags, 0 };
	union rv rv;
	va_list ap;

	va_start(ap, flags);
	a.mode = va_arg(ap, mode_t);
	va_end(ap);
	return rsys(SYS_open, &a, sizeof(a), &rv) ? -1 : (int)rv.r[0];
}

int
rump_sys_close(int fd)
{
	struct sys_close_args a = { fd };
	union rv rv;

	return rsys(SYS_close, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_unmount(const char *path, int flags)
{
	struct sys_unmount_args a = { path, flags };
	union rv rv;

	return rsys(SYS_unmount, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_fsync(int fd)
{
	struct sys_fsync_args a = { fd };
	union rv rv;

	return rsys(SYS_fsync, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_mkdir(const char *path, mode_t mode)
{
	struct sys_mkdir_args a = { path, mode };
	union rv rv;

	return rsys(SYS_mkdir, &a, sizeof(a), &rv) ? -1 : 0;
}

off_t
rump_sys_lseek(int fd, off_t offset, int whence)
{
	struct sys_lseek_args a = { fd, offset, whence };
	union rv rv;

	return rsys(SYS_lseek, &a, sizeof(a), &rv) ? -1 : rv.off;
}

int
rump_sys_mount(const char *type, const char *path, int flags, void *data,
    size_t dlen)
{
	struct sys___mount50_args a = { type, path, flags, data, dlen };
	union rv rv;

	return rsys(SYS___mount50, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_stat(const char *path, struct stat *ub)
{
	struct sys___stat50_args a = { path, ub };
	union rv rv;

	return rsys(SYS___stat50, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_lstat(const char *path, struct stat *ub)
{
	struct sys___lstat50_args a = { path, ub };
	union rv rv;

	return rsys(SYS___lstat50, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_getdents(int fd, char *buf, size_t count)
{
	struct sys___getdents30_args a = { fd, buf, count };
	union rv rv;

	return rsys(SYS___getdents30, &a, sizeof(a), &rv) ? -1 : (int)rv.r[0];
}

int
rump_sys_statvfs1(const char *path, struct statvfs *buf, int flags)
{
	struct sys_statvfs1_args a = { path, buf, flags };
	union rv rv;

	return rsys(SYS_statvfs1, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_unlink(const char *path)
{
	struct sys_unlink_args a = { path };
	union rv rv;

	return rsys(SYS_unlink, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_rmdir(const char *path)
{
	struct sys_rmdir_args a = { path };
	union rv rv;

	return rsys(SYS_rmdir, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_rename(const char *from, const char *to)
{
	struct sys_rename_args a = { from, to };
	union rv rv;

	return rsys(SYS_rename, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_truncate(const char *path, off_t length)
{
	struct sys_truncate_args a = { path, length };
	union rv rv;

	return rsys(SYS_truncate, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_ftruncate(int fd, off_t length)
{
	struct sys_ftruncate_args a = { fd, length };
	union rv rv;

	return rsys(SYS_ftruncate, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_utimensat(int fd, const char *path, const struct timespec *tptr,
    int flag)
{
	struct sys_utimensat_args a = { fd, path, tptr, flag };
	union rv rv;

	return rsys(SYS_utimensat, &a, sizeof(a), &rv) ? -1 : 0;
}

void
rump_sys_sync(void)
{
	union rv rv;

	(void)rsys(SYS_sync, NULL, 0, &rv);
}

ssize_t
rump_sys_pread(int fd, void *buf, size_t nbyte, off_t offset)
{
	struct sys_pread_args a = { fd, buf, nbyte, offset };
	union rv rv;

	return rsys(SYS_pread, &a, sizeof(a), &rv) ? -1 : (ssize_t)rv.r[0];
}

ssize_t
rump_sys_pwrite(int fd, const void *buf, size_t nbyte, off_t offset)
{
	struct sys_pwrite_args a = { fd, buf, nbyte, offset };
	union rv rv;

	return rsys(SYS_pwrite, &a, sizeof(a), &rv) ? -1 : (ssize_t)rv.r[0];
}

int
rump_sys_chmod(const char *path, mode_t mode)
{
	struct sys_chmod_args a = { path, mode };
	union rv rv;

	return rsys(SYS_chmod, &a, sizeof(a), &rv) ? -1 : 0;
}

int
rump_sys_lchown(const char *path, uid_t uid, gid_t gid)
{
	struct sys_lchown_args a = { path, uid, gid };
	union rv rv;

	return rsys(SYS_lchown, &a, sizeof(a), &rv) ? -1 : 0;
}
