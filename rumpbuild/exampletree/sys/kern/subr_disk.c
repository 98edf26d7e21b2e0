/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* Disk helpers used by file systems on block devices. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/disk.h>
#include <sys/dkio.h>
#include <sys/errno.h>
#include <sys/vnode.h>

/*
 * Return the number of sectors and the sector size of the disk (or
 * partition) behind a block device vnode.
 */
int
getdisksize(struct vnode *vp, uint64_t *numsecp, unsigned int *secsizep)
{
	off_t size;
	u_int secsize;
	int error;

	if (vp->v_type != VBLK)
		return ENOTTY;
	if ((error = VOP_IOCTL(vp, DIOCGSECTORSIZE, &secsize)) != 0)
		return error;
	if ((error = VOP_IOCTL(vp, DIOCGMEDIASIZE, &size)) != 0)
		return error;
	if (secsize == 0 || !powerof2(secsize))
		return EINVAL;
	*secsizep = secsize;
	*numsecp = (uint64_t)size / secsize;
	return 0;
}
