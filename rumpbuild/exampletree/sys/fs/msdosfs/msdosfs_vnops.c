/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* msdosfs vnode operations. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/buf.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <sys/vnode.h>

#include <fs/msdosfs/msdosfsmount.h>
#include <fs/msdosfs/denode.h>
#include <fs/msdosfs/fat.h>

static int
msdosfs_lookup(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp)
{
	struct denode *ddep = VTODE(dvp), *dep;
	struct direntry de;
	uint8_t dosname[11], lcase;
	uint64_t off;
	int error;

	if (unix2dosfn(cnp->cn_nameptr, cnp->cn_namelen, dosname, &lcase) != 0)
		return ENOENT;		/* not a valid 8.3 name */
	error = msdosfs_dir_lookup(ddep, dosname, &de, &off);
	if (error != 0)
		return error;
	error = deget(ddep->de_pmp, ddep == ddep->de_pmp->pm_rootdep ?
	    MSDOSFSROOT : ddep->de_StartCluster, off, &de, &dep);
	if (error == 0)
		*vpp = dep->de_vnode;
	return error;
}

static int
msdosfs_create(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp, const struct vattr *vap)
{
	struct denode *dep;
	uint8_t dosname[11], lcase;
	struct direntry de;
	uint64_t off;
	int error;

	if (dvp->v_mount->mnt_flag & MNT_RDONLY)
		return EROFS;
	if (unix2dosfn(cnp->cn_nameptr, cnp->cn_namelen, dosname, &lcase) != 0)
		return EINVAL;
	if (msdosfs_dir_lookup(VTODE(dvp), dosname, &de, &off) == 0)
		return EEXIST;
	error = msdosfs_createde(VTODE(dvp), dosname, lcase, &dep);
	if (error == 0)
		*vpp = dep->de_vnode;
	return error;
}

static int
msdosfs_read(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct denode *dep = VTODE(vp);
	struct msdosfsmount *pmp = dep->de_pmp;
	u_int sec, avail, on, n;
	buf_t *bp;
	int error;

	if (uio->uio_offset < 0)
		return EINVAL;
	while (uio->uio_resid > 0 && uio->uio_offset < dep->de_FileSize) {
		error = pcbmap(pmp, dep->de_StartCluster, false,
		    (uint64_t)uio->uio_offset, &sec, &avail);
		if (error != 0)
			return EIO;	/* chain shorter than the file */
		on = (u_int)(uio->uio_offset % pmp->pm_BytesPerSec);
		n = MIN(pmp->pm_BytesPerSec - on, uio->uio_resid);
		n = MIN(n, dep->de_FileSize - (uint32_t)uio->uio_offset);
		error = bread(pmp->pm_devvp, de_bn2kb(pmp, sec),
		    (int)pmp->pm_BytesPerSec, 0, &bp);
		if (error != 0)
			return error;
		uiomove((char *)bp->b_data + on, n, uio);
		brelse(bp, 0);
	}
	return 0;
}

static int
msdosfs_write(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct denode *dep = VTODE(vp);
	struct msdosfsmount *pmp = dep->de_pmp;
	uint64_t end;
	u_int sec, avail, on, n, bps = pmp->pm_BytesPerSec;
	buf_t *bp;
	int error;

	if (vp->v_mount->mnt_flag & MNT_RDONLY)
		return EROFS;
	if (uio->uio_offset < 0)
		return EINVAL;
	end = (uint64_t)uio->uio_offset + uio->uio_resid;
	if (end > 0xffffffffULL)
		return EFBIG;
	if ((error = extendfile(dep, end)) != 0)
		return error;

	while (uio->uio_resid > 0) {
		error = pcbmap(pmp, dep->de_StartCluster, false,
		    (uint64_t)uio->uio_offset, &sec, &avail);
		if (error != 0)
			return EIO;
		on = (u_int)(uio->uio_offset % bps);
		n = MIN(bps - on, uio->uio_resid);
		if (n == bps || (on == 0 &&
		    (uint64_t)uio->uio_offset >= dep->de_FileSize)) {
			/* whole sector, or nothing valid in it yet */
			bp = getblk(pmp->pm_devvp, de_bn2kb(pmp, sec),
			    (int)bps, 0, 0);
		} else {
			error = bread(pmp->pm_devvp, de_bn2kb(pmp, sec),
			    (int)bps, 0, &bp);
			if (error != 0)
				return error;
		}
		uiomove((char *)bp->b_data + on, n, uio);
		if ((error = bwrite(bp)) != 0)
			return error;
		if ((uint64_t)uio->uio_offset > dep->de_FileSize)
			dep->de_FileSize = (uint32_t)uio->uio_offset;
	}
	dep->de_flag |= DE_MODIFIED;
	return 0;
}

static int
msdosfs_getattr(struct vnode *vp, struct vattr *vap)
{
	struct denode *dep = VTODE(vp);
	struct msdosfsmount *pmp = dep->de_pmp;

	vap->va_type = vp->v_type;
	vap->va_mode = (vp->v_type == VDIR ? 0777 : 0666) & pmp->pm_mask;
	if (dep->de_Attributes & ATTR_READONLY)
		vap->va_mode &= ~0222U;
	vap->va_size = dep->de_FileSize;
	vap->va_fileid = dep->de_StartCluster;
	return 0;
}

static int
msdosfs_fsync(struct vnode *vp)
{
	struct denode *dep = VTODE(vp);
	int error;

	if ((error = fat_flush(dep->de_pmp)) != 0)
		return error;
	return deupdat(dep);
}

static int
msdosfs_inactive(struct vnode *vp)
{
	return deupdat(VTODE(vp));
}

static int
msdosfs_reclaim(struct vnode *vp)
{
	struct denode *dep = VTODE(vp);

	dep->de_vnode = NULL;
	if (dep == dep->de_pmp->pm_rootdep)
		return 0;	/* lives as long as the mount */
	LIST_REMOVE(dep, de_entries);
	kmem_free(dep, sizeof(*dep));
	return 0;
}

const struct vnodeops msdosfs_vnodeops = {
	.vop_lookup = msdosfs_lookup,
	.vop_create = msdosfs_create,
	.vop_read = msdosfs_read,
	.vop_write = msdosfs_write,
	.vop_getattr = msdosfs_getattr,
	.vop_fsync = msdosfs_fsync,
	.vop_inactive = msdosfs_inactive,
	.vop_reclaim = msdosfs_reclaim,
};
