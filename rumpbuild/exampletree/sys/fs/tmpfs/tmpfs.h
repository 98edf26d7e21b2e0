/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _FS_TMPFS_TMPFS_H_
#define _FS_TMPFS_TMPFS_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/vnode.h>

#define TMPFS_NAMELEN	64

struct tmpfs_node {
	enum vtype			tn_type;
	char				tn_name[TMPFS_NAMELEN];
	ino_t				tn_id;
	mode_t				tn_mode;
	uid_t				tn_uid;
	gid_t				tn_gid;
	struct vnode			*tn_vnode;	/* NULL if none */
	LIST_ENTRY(tmpfs_node)		tn_entries;	/* in parent */
	LIST_HEAD(, tmpfs_node)		tn_children;	/* VDIR */
	char				*tn_data;	/* VREG */
	size_t				tn_size;
	size_t				tn_alloc;
};

struct tmpfs_mount {
	struct tmpfs_node	*tm_root;
	uint64_t		tm_nodes_max;
	uint64_t		tm_nodes_cnt;
	size_t			tm_mem_max;
	size_t			tm_mem_used;
	ino_t			tm_nextid;
};

#define VFS_TO_TMPFS(mp)	((struct tmpfs_mount *)(mp)->mnt_data)
#define VP_TO_TMPFS_NODE(vp)	((struct tmpfs_node *)(vp)->v_data)

extern const struct vnodeops tmpfs_vnodeops;

int	tmpfs_alloc_node(struct tmpfs_mount *, enum vtype, const char *,
	    size_t, mode_t, struct tmpfs_node **);
void	tmpfs_free_node(struct tmpfs_mount *, struct tmpfs_node *);
int	tmpfs_vnode_get(struct mount *, struct tmpfs_node *, struct vnode **);
int	tmpfs_reg_resize(struct tmpfs_mount *, struct tmpfs_node *, size_t);

#endif /* _FS_TMPFS_TMPFS_H_ */
