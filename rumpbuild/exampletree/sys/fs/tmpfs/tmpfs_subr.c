/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* tmpfs nodes, their vnodes and their memory. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/mount.h>
#include <sys/vnode.h>

#include <fs/tmpfs/tmpfs.h>

int
tmpfs_alloc_node(struct tmpfs_mount *tm, enum vtype type, const char *name,
    size_t namelen, mode_t mode, struct tmpfs_node **nodep)
{
	struct tmpfs_node *tn;

	if (namelen >= TMPFS_NAMELEN)
		return ENAMETOOLONG;
	if (tm->tm_nodes_max != 0 && tm->tm_nodes_cnt >= tm->tm_nodes_max)
		return ENOSPC;
	tn = kmem_zalloc(sizeof(*tn), KM_SLEEP);
	tn->tn_type = type;
	memcpy(tn->tn_name, name, namelen);
	tn->tn_id = tm->tm_nextid++;
	tn->tn_mode = mode;
	LIST_INIT(&tn->tn_children);
	tm->tm_nodes_cnt++;
	*nodep = tn;
	return 0;
}

void
tmpfs_free_node(struct tmpfs_mount *tm, struct tmpfs_node *tn)
{
	struct tmpfs_node *child;

	while ((child = LIST_FIRST(&tn->tn_children)) != NULL) {
		LIST_REMOVE(child, tn_entries);
		tmpfs_free_node(tm, child);
	}
	KASSERT(tn->tn_vnode == NULL);
	if (tn->tn_data != NULL) {
		kmem_free(tn->tn_data, tn->tn_alloc);
		tm->tm_mem_used -= tn->tn_alloc;
	}
	tm->tm_nodes_cnt--;
	kmem_free(tn, sizeof(*tn));
}

/* Return the node's vnode, referenced, creating it if necessary. */
int
tmpfs_vnode_get(struct mount *mp, struct tmpfs_node *tn, struct vnode **vpp)
{
	struct vnode *vp;
	int error;

	if ((vp = tn->tn_vnode) != NULL) {
		vref(vp);
		*vpp = vp;
		return 0;
	}
	if ((error = getnewvnode(mp, &tmpfs_vnodeops, tn, &vp)) != 0)
		return error;
	vp->v_type = tn->tn_type;
	if (tn == VFS_TO_TMPFS(mp)->tm_root)
		vp->v_vflag |= VV_ROOT;
	tn->tn_vnode = vp;
	*vpp = vp;
	return 0;
}

/* Make room for newsize bytes of file data (sizes only grow). */
int
tmpfs_reg_resize(struct tmpfs_mount *tm, struct tmpfs_node *tn,
    size_t newsize)
{
	size_t newalloc;
	char *data;

	if (newsize <= tn->tn_alloc) {
		if (newsize > tn->tn_size)
			tn->tn_size = newsize;
		return 0;
	}
	newalloc = roundup(newsize, 4096);
	if (tm->tm_mem_max != 0 &&
	    tm->tm_mem_used - tn->tn_alloc + newalloc > tm->tm_mem_max)
		return ENOSPC;
	data = kmem_zalloc(newalloc, KM_SLEEP);
	if (tn->tn_data != NULL) {
		memcpy(data, tn->tn_data, tn->tn_size);
		kmem_free(tn->tn_data, tn->tn_alloc);
	}
	tm->tm_mem_used += newalloc - tn->tn_alloc;
	tn->tn_data = data;
	tn->tn_alloc = newalloc;
	tn->tn_size = newsize;
	return 0;
}
