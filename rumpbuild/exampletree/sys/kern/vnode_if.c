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
