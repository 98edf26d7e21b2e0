/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Vnode life cycle.  A vnode lives while it is referenced; on the last
 * vrele() the file system gets VOP_INACTIVE and VOP_RECLAIM and must
 * forget the vnode.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kmem.h>
#include <sys/vnode.h>

struct vnode *rootvnode;

int
getnewvnode(struct mount *mp, const struct vnodeops *ops, void *data,
    struct vnode **vpp)
{
	struct vnode *vp;

	vp = kmem_zalloc(sizeof(*vp), KM_SLEEP);
	vp->v_type = VNON;
	vp->v_usecount = 1;
	vp->v_mount = mp;
	vp->v_op = ops;
	vp->v_data = data;
	*vpp = vp;
	return 0;
}

void
vref(struct vnode *vp)
{
	KASSERT(vp->v_usecount > 0);
	vp->v_usecount++;
}

void
vrele(struct vnode *vp)
{
	KASSERT(vp->v_usecount > 0);
	if (--vp->v_usecount > 0)
		return;
	if (vp->v_op->vop_inactive != NULL)
		(*vp->v_op->vop_inactive)(vp);
	if (vp->v_op->vop_reclaim != NULL)
		(*vp->v_op->vop_reclaim)(vp);
	kmem_free(vp, sizeof(*vp));
}
