/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_SYSCALLARGS_H_
#define _SYS_SYSCALLARGS_H_

#include <sys/types.h>

struct lwp;

struct sys_read_args { int fd; void *buf; size_t nbyte; };
struct sys_write_args { int fd; const void *buf; size_t nbyte; };
struct sys_open_args { const char *path; int flags; mode_t mode; };
struct sys_close_args { int fd; };
struct sys_unmount_args { const char *path; int flags; };
struct sys_fsync_args { int fd; };
struct sys_mkdir_args { const char *path; mode_t mode; };
struct sys_lseek_args { int fd; off_t offset; int whence; };
struct sys___mount50_args {
	const char *type; const char *path; int flags;
	void *data; size_t data_len;
};

struct stat;
struct statvfs;
struct sys___stat50_args { const char *path; struct stat *ub; };
struct sys___lstat50_args { const char *path; struct stat *ub; };
struct sys___getdents30_args { int fd; char *buf; size_t count; };
struct sys_statvfs1_args { const char *path; struct statvfs *buf; int flags; };
struct sys_unlink_args { const char *path; };
struct sys_pread_args { int fd; void *buf; size_t nbyte; off_t offset; };
struct sys_pwrite_args {
	int fd; const void *buf; size_t nbyte; off_t offset;
};
struct sys_chmod_args { const char *path; mode_t mode; };
struct sys_lchown_args { const char *path; uid_t uid; gid_t gid; };
struct sys_rmdir_args { const char *path; };
struct sys_rename_args { const char *from; const char *to; };
struct sys_truncate_args { const char *path; off_t length; };
struct sys_ftruncate_args { int fd; off_t length; };
struct sys_utimensat_args {
	int fd; const char *path; const struct timespec *tptr; int flag;
};

typedef int sy_call_t(struct lwp *, const void *, register_t *);

int sys_read(struct lwp *, const struct sys_read_args *, register_t *);
int sys_write(struct lwp *, const struct sys_write_args *, register_t *);
int sys_open(struct lwp *, const struct sys_open_args *, register_t *);
int sys_close(struct lwp *, const struct sys_close_args *, register_t *);
int sys_unmount(struct lwp *, const struct sys_unmount_args *, register_t *);
int sys_fsync(struct lwp *, const struct sys_fsync_args *, register_t *);
int sys_mkdir(struct lwp *, const struct sys_mkdir_args *, register_t *);
int sys_lseek(struct lwp *, const struct sys_lseek_args *, register_t *);
int sys___mount50(struct lwp *, const struct sys___mount50_args *,
    register_t *);
int sys___stat50(struct lwp *, const struct sys___stat50_args *,
    register_t *);
int sys___lstat50(struct lwp *, const struct sys___lstat50_args *,
    register_t *);
int sys___getdents30(struct lwp *, const struct sys___getdents30_args *,
    register_t *);
int sys_statvfs1(struct lwp *, const struct sys_statvfs1_args *,
    register_t *);
int sys_unlink(struct lwp *, const struct sys_unlink_args *, register_t *);
int sys_rmdir(struct lwp *, const struct sys_rmdir_args *, register_t *);
int sys_rename(struct lwp *, const struct sys_rename_args *, register_t *);
int sys_truncate(struct lwp *, const struct sys_truncate_args *,
    register_t *);
int sys_ftruncate(struct lwp *, const struct sys_ftruncate_args *,
    register_t *);
int sys_utimensat(struct lwp *, const struct sys_utimensat_args *,
    register_t *);
int sys_sync(struct lwp *, const void *, register_t *);
int sys_pread(struct lwp *, const struct sys_pread_args *, register_t *);
int sys_pwrite(struct lwp *, const struct sys_pwrite_args *, register_t *);
int sys_chmod(struct lwp *, const struct sys_chmod_args *, register_t *);
int sys_lchown(struct lwp *, const struct sys_lchown_args *, register_t *);

#endif /* !_SYS_SYSCALLARGS_H_ */
