/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Block I/O without a cache: bread() reads from the device every time,
 * bwrite() writes through and releases the buffer.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/buf.h>
#include <sys/vnode.h>

buf_t *
getblk(struct vnode *vp, daddr_t blkno, int size, int slpflag, int slptimeo)
{
	buf_t *bp;

	bp = kmem_zalloc(sizeof(*bp), KM_SLEEP);
	bp->b_data = kmem_zalloc((size_t)size, KM_SLEEP);
	bp->b_blkno = blkno;
	bp->b_bcount = size;
	bp->b_vp = vp;
	return bp;
}

void
brelse(buf_t *bp, int set)
{
	kmem_free(bp->b_data, (size_t)bp->b_bcount);
	kmem_free(bp, sizeof(*bp));
}

int
bread(struct vnode *vp, daddr_t blkno, int size, int flags, buf_t **bpp)
{
	buf_t *bp;
	int error;

	bp = getblk(vp, blkno, size, 0, 0);
	bp->b_flags = B_READ;
	error = VOP_STRATEGY(vp, bp);
	if (error == 0 && bp->b_error != 0)
		error = bp->b_error;
	if (error == 0 && bp->b_resid != 0)
		error = EIO;	/* short read: past the end of the device */
	if (error != 0) {
		brelse(bp, 0);
		*bpp = NULL;
		return error;
	}
	*bpp = bp;
	return 0;
}

int
bwrite(buf_t *bp)
{
	int error;

	bp->b_flags = B_WRITE;
	error = VOP_STRATEGY(bp->b_vp, bp);
	if (error == 0 && bp->b_error != 0)
		error = bp->b_error;
	if (error == 0 && bp->b_resid != 0)
		error = EIO;
	brelse(bp, 0);
	return error;
}
