/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* Mounting and unmounting. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/mount.h>
#include <sys/namei.h>
#include <sys/vnode.h>

static LIST_HEAD(, mount) mountlist = LIST_HEAD_INITIALIZER(mountlist);

int
do_sys_mount(const char *type, const char *path, int flags, void *data,
    size_t data_len)
{
	struct vfsops *vfs;
	struct mount *mp;
	struct vnode *vp;
	int error;

	if ((vfs = vfs_getopsbyname(type)) == NULL)
		return ENODEV;
	if (data_len < vfs->vfs_min_mount_data)
		return EINVAL;
	if ((error = namei_simple_kernel(path, 0, &vp)) != 0)
		return error;
	if (vp->v_type != VDIR) {
		vrele(vp);
		return ENOTDIR;
	}

	mp = kmem_zalloc(sizeof(*mp), KM_SLEEP);
	mp->mnt_op = vfs;
	mp->mnt_flag = flags & MNT_RDONLY;
	strlcpy(mp->mnt_onname, path, sizeof(mp->mnt_onname));
	error = VFS_MOUNT(mp, path, data, &data_len);
	if (error != 0) {
		kmem_free(mp, sizeof(*mp));
		vrele(vp);
		return error;
	}
	vfs->vfs_refcount++;
	mp->mnt_vnodecovered = vp;	/* keeps our reference */
	vp->v_mountedhere = mp;
	LIST_INSERT_HEAD(&mountlist, mp, mnt_list);
	return 0;
}

int
do_sys_unmount(const char *path, int flags)
{
	struct mount *mp;
	struct vnode *vp;
	int error;

	if ((error = namei_simple_kernel(path, 0, &vp)) != 0)
		return error;
	if ((vp->v_vflag & VV_ROOT) == 0 || vp->v_mount == NULL ||
	    vp->v_mount->mnt_vnodecovered == NULL) {
		vrele(vp);
		return EINVAL;
	}
	mp = vp->v_mount;
	vrele(vp);

	if ((error = VFS_SYNC(mp, 1)) != 0 && (flags & MNT_FORCE) == 0)
		return error;
	if ((error = VFS_UNMOUNT(mp, flags)) != 0)
		return error;

	LIST_REMOVE(mp, mnt_list);
	mp->mnt_op->vfs_refcount--;
	mp->mnt_vnodecovered->v_mountedhere = NULL;
	vrele(mp->mnt_vnodecovered);
	kmem_free(mp, sizeof(*mp));
	return 0;
}

/* sync(2): write back every mounted file system; errors are not reported. */
void
vfs_sync_all(void)
{
	struct mount *mp;

	LIST_FOREACH(mp, &mountlist, mnt_list)
		(void)VFS_SYNC(mp, 1);
}
