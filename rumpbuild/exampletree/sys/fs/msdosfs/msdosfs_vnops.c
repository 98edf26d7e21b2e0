/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* msdosfs vnode operations. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/buf.h>
#include <sys/dirent.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <sys/vnode.h>

#include <fs/msdosfs/msdosfsmount.h>
#include <fs/msdosfs/denode.h>
#include <fs/msdosfs/fat.h>

static int	msdosfs_zerofill(struct vnode *, uint64_t);

static int
msdosfs_lookup(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp)
{
	struct denode *ddep = VTODE(dvp), *dep;
	struct direntry de;
	uint64_t off;
	int error;

	error = msdosfs_dir_lookup(ddep, cnp->cn_nameptr, cnp->cn_namelen, &de,
	    &off);
	if (error != 0)
		return error;
	error = deget(ddep->de_pmp, de_dirclust(ddep), off, &de, &dep);
	if (error == 0)
		*vpp = dep->de_vnode;
	return error;
}

static int
msdosfs_create(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp, const struct vattr *vap)
{
	struct denode *dep;
	struct direntry de;
	uint64_t off;
	int error;

	if (dvp->v_mount->mnt_flag & MNT_RDONLY)
		return EROFS;
	if (msdosfs_dir_lookup(VTODE(dvp), cnp->cn_nameptr, cnp->cn_namelen,
	    &de, &off) == 0)
		return EEXIST;
	error = msdosfs_createde(VTODE(dvp), cnp->cn_nameptr, cnp->cn_namelen,
	    ATTR_ARCHIVE, &dep);
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
	/* a write past the end: the gap reads back as zeros */
	if ((uint64_t)uio->uio_offset > dep->de_FileSize &&
	    (error = msdosfs_zerofill(vp, (uint64_t)uio->uio_offset)) != 0)
		return error;
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
	dep->de_flag |= DE_MODIFIED | DE_UPDATE;
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
	vap->va_fileid = dep == pmp->pm_rootdep ? MSDOSFS_ROOTINO :
	    DETOINO(dep->de_dirclust, dep->de_diroffset);
	vap->va_nlink = 1;
	vap->va_uid = pmp->pm_uid;
	vap->va_gid = pmp->pm_gid;
	vap->va_blocksize = pmp->pm_bpcluster;
	vap->va_bytes = (uint64_t)howmany(dep->de_FileSize, pmp->pm_bpcluster) *
	    pmp->pm_bpcluster;
	if (dep != pmp->pm_rootdep)
		dos2unixtime(dep->de_MDate, dep->de_MTime, 0, &vap->va_mtime);
	return 0;
}

/*
 * Return whole struct dirent records; the cookie in uio_offset is the
 * byte offset of the next directory entry (or of its long name's first
 * piece).  The volume label is skipped.
 */
static int
msdosfs_readdir(struct vnode *vp, struct uio *uio)
{
	static char name[3 * WIN_MAXLEN + 1];
	struct denode *dep = VTODE(vp);
	struct direntry de;
	struct dirent d;
	uint64_t off, start;
	size_t reclen, namelen;
	int error = 0;

	for (off = (uint64_t)uio->uio_offset;; off += sizeof(de)) {
		start = off;	/* a long name's pieces come first: resume here */
		error = msdosfs_dir_next(dep, &off, &de, name, &namelen);
		if (error == ENOENT) {
			error = 0;		/* end of the directory */
			break;
		}
		if (error != 0)
			break;
		memset(&d, 0, sizeof(d));
		d.d_fileno = DETOINO(de_dirclust(dep), off);
		d.d_namlen = (uint16_t)namelen;
		memcpy(d.d_name, name, namelen + 1);
		d.d_type = (de.deAttributes & ATTR_DIRECTORY) ? DT_DIR : DT_REG;
		reclen = _DIRENT_RECLEN(&d, d.d_namlen);
		d.d_reclen = (uint16_t)reclen;
		if (reclen > uio->uio_resid) {
			off = start;
			break;
		}
		uiomove(&d, reclen, uio);
	}
	uio->uio_offset = (off_t)off;
	return error;
}

/* Write zeros to dep from its end to length (a growing truncate). */
static int
msdosfs_zerofill(struct vnode *vp, uint64_t length)
{
	static char zeros[512];
	struct denode *dep = VTODE(vp);
	struct uio uio;
	int error;

	while (dep->de_FileSize < length) {
		uio.uio_buf = zeros;
		uio.uio_resid = MIN(sizeof(zeros), length - dep->de_FileSize);
		uio.uio_offset = dep->de_FileSize;
		uio.uio_rw = UIO_WRITE;
		if ((error = msdosfs_write(vp, &uio, 0)) != 0)
			return error;
	}
	return 0;
}

static int
msdosfs_setattr(struct vnode *vp, const struct vattr *vap)
{
	struct denode *dep = VTODE(vp);
	int error;

	if (vp->v_mount->mnt_flag & MNT_RDONLY)
		return EROFS;
	if (vap->va_size != VNOVAL) {
		if (vp->v_type == VDIR)
			return EISDIR;
		if ((uint64_t)vap->va_size > 0xffffffffULL)
			return EFBIG;
		if ((uint64_t)vap->va_size < dep->de_FileSize)
			error = detrunc(dep, (uint64_t)vap->va_size);
		else
			error = msdosfs_zerofill(vp, (uint64_t)vap->va_size);
		if (error != 0)
			return error;
	}
	/* one owner for all files (mount arguments); chown can only keep it */
	if ((vap->va_uid != (uid_t)VNOVAL && vap->va_uid != dep->de_pmp->pm_uid) ||
	    (vap->va_gid != (gid_t)VNOVAL && vap->va_gid != dep->de_pmp->pm_gid))
		return EPERM;
	/* the owner's write bit is the read-only attribute */
	if (vap->va_mode != (mode_t)VNOVAL && vp->v_type == VREG) {
		if (vap->va_mode & 0200)
			dep->de_Attributes &= ~ATTR_READONLY;
		else
			dep->de_Attributes |= ATTR_READONLY;
		dep->de_flag |= DE_MODIFIED;
	}
	if (vap->va_mtime.tv_sec != VNOVAL && dep != dep->de_pmp->pm_rootdep) {
		unix2dostime(&vap->va_mtime, 0, &dep->de_MDate, &dep->de_MTime);
		dep->de_flag = (dep->de_flag | DE_MODIFIED) & ~DE_UPDATE;
	}
	return 0;
}

static int
msdosfs_remove(struct vnode *dvp, struct vnode *vp,
    const struct componentname *cnp)
{
	struct denode *dep = VTODE(vp);
	int error;

	if ((error = msdosfs_removede(VTODE(dvp), dep)) != 0)
		return error;
	return detrunc(dep, 0);
}

static int
msdosfs_rmdir(struct vnode *dvp, struct vnode *vp,
    const struct componentname *cnp)
{
	int error;

	if ((error = msdosfs_dirempty(VTODE(vp))) != 0)
		return error;
	return msdosfs_remove(dvp, vp, cnp);
}

/* Point directory dep's ".." entry at the directory holding it. */
static int
msdosfs_setdotdot(struct denode *dep, struct denode *pdep)
{
	struct direntry de;
	int error;

	if ((error = msdosfs_dir_entry(dep, sizeof(de), &de)) != 0)
		return error;
	if (memcmp(de.deName, "..         ", 11) != 0)
		return 0;		/* no ".." where it belongs: leave it */
	putushort(de.deStartCluster, de_dirclust(pdep));
	return msdosfs_writede(dep, sizeof(de), &de);
}

/*
 * A new directory: an entry in dvp and one cluster holding "." and
 * "..", the rest zeroed.
 */
static int
msdosfs_mkdir(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp, const struct vattr *vap)
{
	struct denode *ddep = VTODE(dvp), *dep;
	struct direntry de;
	uint64_t off;
	int error;

	if (dvp->v_mount->mnt_flag & MNT_RDONLY)
		return EROFS;
	if (msdosfs_dir_lookup(ddep, cnp->cn_nameptr, cnp->cn_namelen, &de,
	    &off) == 0)
		return EEXIST;
	error = msdosfs_createde(ddep, cnp->cn_nameptr, cnp->cn_namelen,
	    ATTR_DIRECTORY, &dep);
	if (error != 0)
		return error;
	/* growing the empty directory by one cluster zeroes it */
	if ((error = msdosfs_findslot(dep, 1, &off)) == 0) {
		memset(&de, 0, sizeof(de));
		memcpy(de.deName, ".          ", 11);
		de.deAttributes = ATTR_DIRECTORY;
		putushort(de.deStartCluster, dep->de_StartCluster);
		putushort(de.deMTime, dep->de_MTime);
		putushort(de.deMDate, dep->de_MDate);
		error = msdosfs_writede(dep, 0, &de);
	}
	if (error == 0) {
		memcpy(de.deName, "..         ", 11);
		putushort(de.deStartCluster, de_dirclust(ddep));
		error = msdosfs_writede(dep, sizeof(de), &de);
	}
	if (error == 0)
		error = deupdat(dep);
	if (error != 0) {
		(void)msdosfs_removede(ddep, dep);
		(void)detrunc(dep, 0);
		vrele(dep->de_vnode);
		return error;
	}
	*vpp = dep->de_vnode;
	return 0;
}

/*
 * Move fvp's entry to the name tcnp in tdvp, replacing tvp if there is
 * one (an empty directory, if fvp is one).  The denode follows its entry,
 * so open files keep working.
 */
static int
msdosfs_rename(struct vnode *fdvp, struct vnode *fvp,
    const struct componentname *fcnp, struct vnode *tdvp, struct vnode *tvp,
    const struct componentname *tcnp)
{
	struct denode *fdep = VTODE(fvp), *tddep = VTODE(tdvp);
	uint8_t dosname[11], lcase;
	struct direntry de;
	uint64_t off;
	int error;

	if (tvp != NULL) {
		error = tvp->v_type == VDIR ? msdosfs_rmdir(tdvp, tvp, tcnp) :
		    msdosfs_remove(tdvp, tvp, tcnp);
		if (error != 0)
			return error;
	}
	error = msdosfs_newentry(tddep, tcnp->cn_nameptr, tcnp->cn_namelen,
	    dosname, &lcase, &off);
	if (error != 0)
		return error;
	memset(&de, 0, sizeof(de));
	if ((error = msdosfs_dir_entry(VTODE(fdvp), fdep->de_diroffset,
	    &de)) != 0)
		return error;		/* keeps the creation time */
	memcpy(fdep->de_Name, dosname, 11);
	fdep->de_LowerCase = lcase;
	de_fillentry(fdep, &de);
	if ((error = msdosfs_writede(tddep, off, &de)) != 0)
		return error;
	if ((error = msdosfs_removede(VTODE(fdvp), fdep)) != 0)
		return error;
	fdep->de_flag &= ~DE_REMOVED;
	fdep->de_dirclust = de_dirclust(tddep);
	fdep->de_diroffset = off;
	if (fvp->v_type == VDIR && fdvp != tdvp)
		return msdosfs_setdotdot(fdep, tddep);
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
	.vop_readdir = msdosfs_readdir,
	.vop_setattr = msdosfs_setattr,
	.vop_remove = msdosfs_remove,
	.vop_rmdir = msdosfs_rmdir,
	.vop_mkdir = msdosfs_mkdir,
	.vop_rename = msdosfs_rename,
};
