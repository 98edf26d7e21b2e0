/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_ERRNO_H_
#define _SYS_ERRNO_H_

/* NetBSD error numbers (the rump kernel reports these to its clients). */
#define EPERM		1
#define ENOENT		2
#define EIO		5
#define ENXIO		6
#define E2BIG		7
#define EBADF		9
#define ENOMEM		12
#define EACCES		13
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define EXDEV		18
#define ENODEV		19
#define ENOTDIR		20
#define EISDIR		21
#define EINVAL		22
#define ENFILE		23
#define EMFILE		24
#define ENOTTY		25
#define EFBIG		27
#define ENOSPC		28
#define ESPIPE		29
#define EROFS		30
#define EOPNOTSUPP	45
#define ENAMETOOLONG	63
#define ENOTEMPTY	66
#define ENOSYS		78
#define EFTYPE		79

#define EJUSTRETURN	-2

#endif /* !_SYS_ERRNO_H_ */
