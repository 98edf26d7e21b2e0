/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_SYSCALL_H_
#define _SYS_SYSCALL_H_

/* Numbers follow NetBSD's table. */
#define SYS_read	3
#define SYS_write	4
#define SYS_open	5
#define SYS_close	6
#define SYS_unlink	10
#define SYS_chmod	15
#define SYS_unmount	22
#define SYS_sync	36
#define SYS_fsync	95
#define SYS_rename	128
#define SYS_mkdir	136
#define SYS_rmdir	137
#define SYS_pread	173
#define SYS_pwrite	174
#define SYS_lseek	199
#define SYS_truncate	200
#define SYS_ftruncate	201
#define SYS_lchown	275
#define SYS_statvfs1	357
#define SYS___getdents30	390
#define SYS___mount50	410
#define SYS___stat50	439
#define SYS___lstat50	441
#define SYS_utimensat	467
#define SYS_MAXSYSCALL	512

#endif /* !_SYS_SYSCALL_H_ */
