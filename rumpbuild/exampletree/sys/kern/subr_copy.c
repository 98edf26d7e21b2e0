/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/uio.h>

/*
 * Move up to n bytes between the kernel buffer kaddr and the uio;
 * a rump kernel shares its address space with the client, so this
 * is a plain copy.
 */
int
uiomove(void *kaddr, size_t n, struct uio *uio)
{
	if (n > uio->uio_resid)
		n = uio->uio_resid;
	if (uio->uio_rw == UIO_READ)
		memcpy(uio->uio_buf, kaddr, n);
	else
		memcpy(kaddr, uio->uio_buf, n);
	uio->uio_buf += n;
	uio->uio_resid -= n;
	uio->uio_offset += (off_t)n;
	return 0;
}
