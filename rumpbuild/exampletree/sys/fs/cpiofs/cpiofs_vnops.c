/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * cpiofs vnode operations.  Lookups and reads run inside a file system
 * transaction (fstrans_start/fstrans_done), which the base kernel of
 * this tree does not implement: a link needs a stub or a component
 * providing them.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/fstrans.h>
#include <sys/kmem.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <sys/vnode.h>

#include <fs/cpiofs/cpiofs.h>

int
cpiofs_vget(struct mount *mp, struct cpio_entry *ce, struct vnode **vpp)
{
	struct vnode *vp;
	int error;

	if ((vp = ce->ce_vnode) != NULL) {
		vref(vp);
		*vpp = vp;
		return 0;
	}
	if ((error = getnewvnode(mp, &cpiofs_vnodeops, ce, &vp)) != 0)
		return error;
	switch (ce->ce_mode & CPIO_IFMT) {
	case CPIO_IFDIR:
		vp->v_type = VDIR;
		break;
	case CPIO_IFREG:
		vp->v_type = VREG;
		break;
	default:
		vp->v_type = VNON;	/* links, devices: not readable */
		break;
	}
	if (ce == &VFSTOCPIOFS(mp)->cm_root)
		vp->v_vflag |= VV_ROOT;
	ce->ce_vnode = vp;
	*vpp = vp;
	return 0;
}

static int
cpiofs_lookup(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp)
{
	struct cpiofs_mount *cm = VFSTOCPIOFS(dvp->v_mount);
	struct cpio_entry *dir = dvp->v_data, *ce;
	size_t i, plen = dir->ce_namelen;
	int error;

	if ((error = fstrans_start(dvp->v_mount)) != 0)
		return error;
	error = ENOENT;
	for (i = 0; i < cm->cm_nents; i++) {
		ce = &cm->cm_ents[i];
		/* want "<dir>/<name>", or just "<name>" in the root */
		if (ce->ce_namelen != (plen ? plen + 1 : 0) + cnp->cn_namelen)
			continue;
		if (plen != 0 && (memcmp(ce->ce_name, dir->ce_name, plen) != 0
		    || ce->ce_name[plen] != '/'))
			continue;
		if (memcmp(ce->ce_name + (plen ? plen + 1 : 0),
		    cnp->cn_nameptr, cnp->cn_namelen) != 0)
			continue;
		error = cpiofs_vget(dvp->v_mount, ce, vpp);
		break;
	}
	fstrans_done(dvp->v_mount);
	return error;
}

static int
cpiofs_read(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct cpiofs_mount *cm = VFSTOCPIOFS(vp->v_mount);
	struct cpio_entry *ce = vp->v_data;
	char *buf;
	size_t n;
	int error = 0;

	if (vp->v_type != VREG)
		return EOPNOTSUPP;
	if (uio->uio_offset < 0)
		return EINVAL;
	if ((error = fstrans_start(vp->v_mount)) != 0)
		return error;
	buf = kmem_alloc(DEV_BSIZE, KM_SLEEP);
	while (uio->uio_resid > 0 && (uint64_t)uio->uio_offset < ce->ce_size) {
		n = MIN(uio->uio_resid, DEV_BSIZE);
		n = MIN(n, ce->ce_size - (uint64_t)uio->uio_offset);
		error = cpiofs_devread(cm,
		    ce->ce_dataoff + (uint64_t)uio->uio_offset, buf, n);
		if (error != 0)
			break;
		uiomove(buf, n, uio);
	}
	kmem_free(buf, DEV_BSIZE);
	fstrans_done(vp->v_mount);
	return error;
}

static int
cpiofs_getattr(struct vnode *vp, struct vattr *vap)
{
	struct cpio_entry *ce = vp->v_data;

	vap->va_type = vp->v_type;
	vap->va_mode = ce->ce_mode & 07777;
	vap->va_size = (off_t)ce->ce_size;
	vap->va_fileid = (ino_t)(uintptr_t)ce;
	return 0;
}

static int
cpiofs_reclaim(struct vnode *vp)
{
	((struct cpio_entry *)vp->v_data)->ce_vnode = NULL;
	return 0;
}

/* A cpio archive is read-only: refuse to create, as NetBSD's read-only file systems do. */
static int
cpiofs_create(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp, const struct vattr *vap)
{
	return EROFS;
}

const struct vnodeops cpiofs_vnodeops = {
	.vop_lookup = cpiofs_lookup,
	.vop_create = cpiofs_create,
	.vop_read = cpiofs_read,
	.vop_getattr = cpiofs_getattr,
	.vop_reclaim = cpiofs_reclaim,
};
