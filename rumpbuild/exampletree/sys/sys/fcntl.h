/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_FCNTL_H_
#define _SYS_FCNTL_H_

#define O_RDONLY	0x00000000
#define O_WRONLY	0x00000001
#define O_RDWR		0x00000002
#define O_ACCMODE	0x00000003
#define O_APPEND	0x00000008
#define O_CREAT		0x00000200
#define O_TRUNC		0x00000400
#define O_EXCL		0x00000800

#define FREAD		0x00000001
#define FWRITE		0x00000002
#define FFLAGS(oflags)	((oflags) + 1)

#define AT_FDCWD		-100	/* *at(): relative to the current directory */
#define AT_SYMLINK_NOFOLLOW	0x200

#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2

#endif /* !_SYS_FCNTL_H_ */
