/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* tmpfs: an efficient-enough memory file system. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/module.h>
#include <sys/mount.h>
#include <sys/vnode.h>

#include <fs/tmpfs/tmpfs.h>
#include <fs/tmpfs/tmpfs_args.h>

MODULE(MODULE_CLASS_VFS, tmpfs, NULL);

static int
tmpfs_mount(struct mount *mp, const char *path, void *data, size_t *data_len)
{
	struct tmpfs_args *args = data;
	struct tmpfs_mount *tm;
	int error;

	if (args == NULL || *data_len < sizeof(*args))
		return EINVAL;
	if (args->ta_version != TMPFS_ARGS_VERSION)
		return EINVAL;
	if (args->ta_size_max < 0)
		return EINVAL;

	tm = kmem_zalloc(sizeof(*tm), KM_SLEEP);
	tm->tm_nodes_max = args->ta_nodes_max;
	tm->tm_mem_max = (size_t)args->ta_size_max;
	tm->tm_nextid = 2;
	error = tmpfs_alloc_node(tm, VDIR, "", 0, args->ta_root_mode & 07777,
	    &tm->tm_root);
	if (error != 0) {
		kmem_free(tm, sizeof(*tm));
		return error;
	}
	tm->tm_root->tn_uid = args->ta_root_uid;
	tm->tm_root->tn_gid = args->ta_root_gid;
	mp->mnt_data = tm;
	return 0;
}

/* Is any node below (and including) tn still in use? */
static bool
tmpfs_busy(struct tmpfs_node *tn)
{
	struct tmpfs_node *child;

	if (tn->tn_vnode != NULL)
		return true;
	LIST_FOREACH(child, &tn->tn_children, tn_entries) {
		if (tmpfs_busy(child))
			return true;
	}
	return false;
}

static int
tmpfs_unmount(struct mount *mp, int mntflags)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(mp);

	if (tmpfs_busy(tm->tm_root))
		return EBUSY;
	tmpfs_free_node(tm, tm->tm_root);
	kmem_free(tm, sizeof(*tm));
	mp->mnt_data = NULL;
	return 0;
}

static int
tmpfs_root(struct mount *mp, struct vnode **vpp)
{
	return tmpfs_vnode_get(mp, VFS_TO_TMPFS(mp)->tm_root, vpp);
}

static int
tmpfs_sync(struct mount *mp, int waitfor)
{
	return 0;	/* nothing is ever on disk */
}

static struct vfsops tmpfs_vfsops = {
	.vfs_name = MOUNT_TMPFS,
	.vfs_min_mount_data = sizeof(struct tmpfs_args),
	.vfs_mount = tmpfs_mount,
	.vfs_unmount = tmpfs_unmount,
	.vfs_root = tmpfs_root,
	.vfs_sync = tmpfs_sync,
};

static int
tmpfs_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		return vfs_attach(&tmpfs_vfsops);
	case MODULE_CMD_FINI:
		return vfs_detach(&tmpfs_vfsops);
	default:
		return ENOTTY;
	}
}
