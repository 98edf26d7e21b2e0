/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * The example tree's cgd: a disk over another disk whose blocks are
 * transformed with a key, configured with NetBSD's CGDIOCSET/CGDIOCCLR.
 * It stands in for cgd(4) so rumpbuild's state files (configure before the
 * mount, tear down after) run end to end on the example tree.  The
 * "cipher" is a XOR with the key and the block number: NOT encryption.
 * One unit, cgd0; its device nodes are /dev/cgd0X and /dev/rcgd0X with X
 * the raw partition.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/buf.h>
#include <sys/disklabel.h>
#include <sys/dkio.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/namei.h>
#include <sys/uio.h>
#include <sys/vnode.h>

#include <dev/cgdvar.h>

#include <rump-sys/vfs.h>

int	cgd_makenodes(void);

#define CGD_MAXKEY	64

struct cgd_softc {
	struct vnode	*sc_tvn;		/* the disk under us; NULL: not configured */
	unsigned char	 sc_key[CGD_MAXKEY];
	size_t		 sc_keybytes;
};

static struct cgd_softc cgd0;

static void
cgd_xor(struct cgd_softc *sc, unsigned char *data, size_t len, daddr_t blkno)
{
	size_t i;

	for (i = 0; i < len; i++)
		data[i] ^= sc->sc_key[i % sc->sc_keybytes] ^ (unsigned char)(blkno + i / DEV_BSIZE);
}

static int
cgd_set(struct cgd_softc *sc, const struct cgd_ioctl *ci)
{
	struct vnode *vp;
	int error;

	if (sc->sc_tvn != NULL)
		return EBUSY;
	if (ci->ci_keylen == 0 || ci->ci_keylen % 8 || ci->ci_keylen / 8 > CGD_MAXKEY)
		return EINVAL;
	if ((error = namei_simple_kernel(ci->ci_disk, NSM_FOLLOW_NOEMULROOT, &vp)) != 0)
		return error;
	if (vp->v_type != VBLK) {
		vrele(vp);
		return ENXIO;
	}
	sc->sc_keybytes = ci->ci_keylen / 8;
	memcpy(sc->sc_key, ci->ci_key, sc->sc_keybytes);
	sc->sc_tvn = vp;
	printf("cgd0: configured over %s\n", ci->ci_disk);
	return 0;
}

static int
cgd_clr(struct cgd_softc *sc)
{
	if (sc->sc_tvn == NULL)
		return ENXIO;
	vrele(sc->sc_tvn);
	sc->sc_tvn = NULL;
	memset(sc->sc_key, 0, sizeof(sc->sc_key));
	return 0;
}

static int
cgd_ioctl(struct vnode *vp, u_long cmd, void *data)
{
	struct cgd_softc *sc = vp->v_data;

	switch (cmd) {
	case CGDIOCSET:
		return cgd_set(sc, data);
	case CGDIOCCLR:
		return cgd_clr(sc);
	case DIOCGMEDIASIZE:
	case DIOCGSECTORSIZE:
		return sc->sc_tvn ? VOP_IOCTL(sc->sc_tvn, cmd, data) : ENXIO;
	}
	return ENOTTY;
}

/* Writes go out transformed through a copy; reads come in and are transformed back. */
static int
cgd_strategy(struct vnode *vp, struct buf *bp)
{
	struct cgd_softc *sc = vp->v_data;
	struct buf *nbp;
	int error;

	if (sc->sc_tvn == NULL)
		return ENXIO;
	nbp = getblk(sc->sc_tvn, bp->b_blkno, bp->b_bcount, 0, 0);
	nbp->b_flags = bp->b_flags;
	if (!(bp->b_flags & B_READ)) {
		memcpy(nbp->b_data, bp->b_data, (size_t)bp->b_bcount);
		cgd_xor(sc, nbp->b_data, (size_t)bp->b_bcount, bp->b_blkno);
	}
	error = VOP_STRATEGY(sc->sc_tvn, nbp);
	bp->b_error = error ? error : nbp->b_error;
	bp->b_resid = nbp->b_resid;
	if ((bp->b_flags & B_READ) && bp->b_error == 0) {
		memcpy(bp->b_data, nbp->b_data, (size_t)bp->b_bcount);
		cgd_xor(sc, bp->b_data, (size_t)bp->b_bcount, bp->b_blkno);
	}
	brelse(nbp, 0);
	return 0;
}

/* read(2)/write(2) on the raw device, in whole sectors (rumpbuild's --init-from writes this way). */
static int
cgd_rdwr(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct buf *bp;
	size_t n;
	int error = 0;

	if (uio->uio_offset % DEV_BSIZE || uio->uio_resid % DEV_BSIZE)
		return EINVAL;
	while (uio->uio_resid > 0 && error == 0) {
		n = MIN(uio->uio_resid, 64 * 1024);
		bp = getblk(vp, uio->uio_offset / DEV_BSIZE, (int)n, 0, 0);
		if (uio->uio_rw == UIO_READ) {
			bp->b_flags = B_READ;
			if ((error = cgd_strategy(vp, bp)) == 0 && (error = bp->b_error) == 0)
				memcpy(uio->uio_buf, bp->b_data, n);
		} else {
			bp->b_flags = B_WRITE;
			memcpy(bp->b_data, uio->uio_buf, n);
			if ((error = cgd_strategy(vp, bp)) == 0)
				error = bp->b_error;
		}
		if (error == 0 && bp->b_resid != 0)
			error = EIO;
		brelse(bp, 0);
		if (error == 0) {
			uio->uio_buf += n;
			uio->uio_resid -= n;
			uio->uio_offset += (off_t)n;
		}
	}
	return error;
}

static int
cgd_getattr(struct vnode *vp, struct vattr *vap)
{
	vap->va_type = VBLK;
	vap->va_mode = 0640;
	vap->va_size = 0;
	vap->va_fileid = 0;
	return 0;
}

static int
cgd_fsync(struct vnode *vp)
{
	struct cgd_softc *sc = vp->v_data;

	return sc->sc_tvn ? VOP_FSYNC(sc->sc_tvn) : 0;
}

static const struct vnodeops cgd_vnodeops = {
	.vop_read = cgd_rdwr,
	.vop_write = cgd_rdwr,
	.vop_getattr = cgd_getattr,
	.vop_fsync = cgd_fsync,
	.vop_ioctl = cgd_ioctl,
	.vop_strategy = cgd_strategy,
};

/* Called by the component: the block and the raw device node of the whole disk. */
int
cgd_makenodes(void)
{
	char path[32];
	int error;

	snprintf(path, sizeof(path), "/dev/cgd0%c", 'a' + RAW_PART);
	if ((error = rump_vfs_makedevnode(path, &cgd_vnodeops, &cgd0)) != 0)
		return error;
	snprintf(path, sizeof(path), "/dev/rcgd0%c", 'a' + RAW_PART);
	return rump_vfs_makedevnode(path, &cgd_vnodeops, &cgd0);
}
