/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* VOP_*(): call a file system's vnode operation, if it has one. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/vnode.h>

#define VCALL(vp, op, args)						\
	((vp)->v_op->op == NULL ? EOPNOTSUPP : (*(vp)->v_op->op) args)

int
VOP_LOOKUP(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp)
{
	*vpp = NULL;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	return VCALL(dvp, vop_lookup, (dvp, vpp, cnp));
}

int
VOP_CREATE(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp, const struct vattr *vap)
{
	return VCALL(dvp, vop_create, (dvp, vpp, cnp, vap));
}

int
VOP_MKDIR(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp, const struct vattr *vap)
{
	return VCALL(dvp, vop_mkdir, (dvp, vpp, cnp, vap));
}

int
VOP_READ(struct vnode *vp, struct uio *uio, int ioflag)
{
	if (vp->v_type == VDIR)
		return EISDIR;
	return VCALL(vp, vop_read, (vp, uio, ioflag));
}

int
VOP_WRITE(struct vnode *vp, struct uio *uio, int ioflag)
{
	if (vp->v_type == VDIR)
		return EISDIR;
	return VCALL(vp, vop_write, (vp, uio, ioflag));
}

int
VOP_GETATTR(struct vnode *vp, struct vattr *vap)
{
	return VCALL(vp, vop_getattr, (vp, vap));
}

int
VOP_FSYNC(struct vnode *vp)
{
	return vp->v_op->vop_fsync == NULL ? 0 : (*vp->v_op->vop_fsync)(vp);
}

int
VOP_IOCTL(struct vnode *vp, u_long cmd, void *data)
{
	return vp->v_op->vop_ioctl == NULL ? ENOTTY :
	    (*vp->v_op->vop_ioctl)(vp, cmd, data);
}

int
VOP_STRATEGY(struct vnode *vp, struct buf *bp)
{
	return VCALL(vp, vop_strategy, (vp, bp));
}

/*
 * VOP_READDIR: uio_offset is the file system's cookie for the next entry;
 * the file system moves whole struct dirent records and sets it.
 */
int
VOP_READDIR(struct vnode *vp, struct uio *uio)
{
	if (vp->v_type != VDIR)
		return ENOTDIR;
	return VCALL(vp, vop_readdir, (vp, uio));
}

int
VOP_SETATTR(struct vnode *vp, const struct vattr *vap)
{
	return VCALL(vp, vop_setattr, (vp, vap));
}

int
VOP_REMOVE(struct vnode *dvp, struct vnode *vp,
    const struct componentname *cnp)
{
	return VCALL(dvp, vop_remove, (dvp, vp, cnp));
}

int
VOP_RMDIR(struct vnode *dvp, struct vnode *vp,
    const struct componentname *cnp)
{
	return VCALL(dvp, vop_rmdir, (dvp, vp, cnp));
}

int
VOP_RENAME(struct vnode *fdvp, struct vnode *fvp,
    const struct componentname *fcnp, struct vnode *tdvp, struct vnode *tvp,
    const struct componentname *tcnp)
{
	return VCALL(fdvp, vop_rename, (fdvp, fvp, fcnp, tdvp, tvp, tcnp));
}

void
vattr_null(struct vattr *vap)
{
	memset(vap, 0, sizeof(*vap));
	vap->va_mode = (mode_t)VNOVAL;
	vap->va_uid = (uid_t)VNOVAL;
	vap->va_gid = (gid_t)VNOVAL;
	vap->va_size = VNOVAL;
	vap->va_mtime.tv_sec = VNOVAL;
}
