/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _RUMP_RUMPDEFS_H_
#define _RUMP_RUMPDEFS_H_

/* Kernel constants with RUMP_ names, for clients using host headers. */
#define RUMP_O_RDONLY	0x00000000
#define RUMP_O_WRONLY	0x00000001
#define RUMP_O_RDWR	0x00000002
#define RUMP_O_APPEND	0x00000008
#define RUMP_O_CREAT	0x00000200
#define RUMP_O_TRUNC	0x00000400
#define RUMP_O_EXCL	0x00000800

#define RUMP_SEEK_SET	0
#define RUMP_SEEK_CUR	1
#define RUMP_SEEK_END	2

#define RUMP_MNT_RDONLY	0x00000001
#define RUMP_MNT_FORCE	0x00080000

#define RUMP_MOUNT_TMPFS	"tmpfs"
#define RUMP_MOUNT_MSDOS	"msdos"
#define RUMP_MOUNT_CPIOFS	"cpiofs"

#endif /* _RUMP_RUMPDEFS_H_ */
