/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* tmpfs vnode operations. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <sys/vnode.h>

#include <fs/tmpfs/tmpfs.h>

static struct tmpfs_node *
tmpfs_dir_lookup(struct tmpfs_node *dnode, const struct componentname *cnp)
{
	struct tmpfs_node *tn;

	LIST_FOREACH(tn, &dnode->tn_children, tn_entries) {
		if (strlen(tn->tn_name) == cnp->cn_namelen &&
		    memcmp(tn->tn_name, cnp->cn_nameptr, cnp->cn_namelen) == 0)
			return tn;
	}
	return NULL;
}

static int
tmpfs_lookup(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp)
{
	struct tmpfs_node *tn;

	if ((tn = tmpfs_dir_lookup(VP_TO_TMPFS_NODE(dvp), cnp)) == NULL)
		return ENOENT;
	return tmpfs_vnode_get(dvp->v_mount, tn, vpp);
}

static int
tmpfs_construct_node(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp, const struct vattr *vap)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(dvp->v_mount);
	struct tmpfs_node *dnode = VP_TO_TMPFS_NODE(dvp), *tn;
	int error;

	if (dvp->v_mount->mnt_flag & MNT_RDONLY)
		return EROFS;
	if (tmpfs_dir_lookup(dnode, cnp) != NULL)
		return EEXIST;
	error = tmpfs_alloc_node(tm, vap->va_type, cnp->cn_nameptr,
	    cnp->cn_namelen, vap->va_mode, &tn);
	if (error != 0)
		return error;
	LIST_INSERT_HEAD(&dnode->tn_children, tn, tn_entries);
	return tmpfs_vnode_get(dvp->v_mount, tn, vpp);
}

static int
tmpfs_read(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct tmpfs_node *tn = VP_TO_TMPFS_NODE(vp);
	size_t len;

	if (uio->uio_offset < 0)
		return EINVAL;
	if ((uint64_t)uio->uio_offset >= tn->tn_size)
		return 0;
	len = MIN(uio->uio_resid, tn->tn_size - (size_t)uio->uio_offset);
	return uiomove(tn->tn_data + uio->uio_offset, len, uio);
}

static int
tmpfs_write(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct tmpfs_node *tn = VP_TO_TMPFS_NODE(vp);
	size_t end;
	int error;

	if (vp->v_mount->mnt_flag & MNT_RDONLY)
		return EROFS;
	if (uio->uio_offset < 0)
		return EINVAL;
	end = (size_t)uio->uio_offset + uio->uio_resid;
	error = tmpfs_reg_resize(VFS_TO_TMPFS(vp->v_mount), tn, end);
	if (error != 0)
		return error;
	return uiomove(tn->tn_data + uio->uio_offset, uio->uio_resid, uio);
}

static int
tmpfs_getattr(struct vnode *vp, struct vattr *vap)
{
	struct tmpfs_node *tn = VP_TO_TMPFS_NODE(vp);

	vap->va_type = tn->tn_type;
	vap->va_mode = tn->tn_mode;
	vap->va_size = (off_t)tn->tn_size;
	vap->va_fileid = tn->tn_id;
	return 0;
}

static int
tmpfs_reclaim(struct vnode *vp)
{
	VP_TO_TMPFS_NODE(vp)->tn_vnode = NULL;
	return 0;
}

const struct vnodeops tmpfs_vnodeops = {
	.vop_lookup = tmpfs_lookup,
	.vop_create = tmpfs_construct_node,
	.vop_mkdir = tmpfs_construct_node,
	.vop_read = tmpfs_read,
	.vop_write = tmpfs_write,
	.vop_getattr = tmpfs_getattr,
	.vop_reclaim = tmpfs_reclaim,
};
