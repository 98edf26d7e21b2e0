/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_UIO_H_
#define _SYS_UIO_H_

#include <sys/types.h>

enum uio_rw { UIO_READ, UIO_WRITE };

/* A single-segment transfer between a kernel buffer and a "user" one. */
struct uio {
	char		*uio_buf;	/* next byte of the caller's buffer */
	size_t		uio_resid;	/* bytes still to move */
	off_t		uio_offset;	/* file offset */
	enum uio_rw	uio_rw;
};

int	uiomove(void *, size_t, struct uio *);

#endif /* !_SYS_UIO_H_ */
