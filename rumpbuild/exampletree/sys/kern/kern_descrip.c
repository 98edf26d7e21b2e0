/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* The descriptor table of the (only) process. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/kmem.h>
#include <sys/vnode.h>

static file_t *fdtab[NDFILE];

int
fd_allocfile(file_t **fpp, int *fdp)
{
	int fd;

	for (fd = 0; fd < NDFILE; fd++) {
		if (fdtab[fd] == NULL) {
			fdtab[fd] = kmem_zalloc(sizeof(file_t), KM_SLEEP);
			*fpp = fdtab[fd];
			*fdp = fd;
			return 0;
		}
	}
	return EMFILE;
}

file_t *
fd_getfile(int fd)
{
	if (fd < 0 || fd >= NDFILE)
		return NULL;
	return fdtab[fd];
}

int
fd_close(int fd)
{
	file_t *fp;

	if ((fp = fd_getfile(fd)) == NULL)
		return EBADF;
	fdtab[fd] = NULL;
	if (fp->f_vnode != NULL)
		vrele(fp->f_vnode);
	kmem_free(fp, sizeof(*fp));
	return 0;
}
