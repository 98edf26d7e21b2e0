/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _RUMP_RUMP_SYSCALLS_H_
#define _RUMP_RUMP_SYSCALLS_H_

#include <sys/types.h>

/*
 * The kernel's off_t is 64 bits wide; 32-bit Linux clients must be
 * compiled with -D_FILE_OFFSET_BITS=64.
 */
#ifndef _KERNEL
_Static_assert(sizeof(off_t) == 8, "rump clients need a 64-bit off_t");
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's own layouts (sys/stat.h, sys/dirent.h, sys/statvfs.h). */
struct stat;
struct statvfs;
struct timespec;

ssize_t	rump_sys_read(int, void *, size_t);
ssize_t	rump_sys_write(int, const void *, size_t);
int	rump_sys_open(const char *, int, ...);
int	rump_sys_close(int);
int	rump_sys_unmount(const char *, int);
int	rump_sys_fsync(int);
int	rump_sys_mkdir(const char *, mode_t);
off_t	rump_sys_lseek(int, off_t, int);
int	rump_sys_mount(const char *, const char *, int, void *, size_t);
int	rump_sys_stat(const char *, struct stat *);
int	rump_sys_lstat(const char *, struct stat *);
int	rump_sys_getdents(int, char *, size_t);
int	rump_sys_statvfs1(const char *, struct statvfs *, int);
int	rump_sys_unlink(const char *);
int	rump_sys_rmdir(const char *);
int	rump_sys_rename(const char *, const char *);
int	rump_sys_truncate(const char *, off_t);
int	rump_sys_ftruncate(int, off_t);
int	rump_sys_utimensat(int, const char *, const struct timespec *, int);
void	rump_sys_sync(void);
ssize_t	rump_sys_pread(int, void *, size_t, off_t);
ssize_t	rump_sys_pwrite(int, const void *, size_t, off_t);
int	rump_sys_chmod(const char *, mode_t);
int	rump_sys_lchown(const char *, uid_t, gid_t);

#ifdef __cplusplus
}
#endif

#endif /* _RUMP_RUMP_SYSCALLS_H_ */
