/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_MOUNT_H_
#define _SYS_MOUNT_H_

#include <sys/types.h>
#include <sys/queue.h>

struct vnode;
struct statvfs;

#define MOUNT_TMPFS	"tmpfs"
#define MOUNT_MSDOS	"msdos"
#define MOUNT_CPIOFS	"cpiofs"

#define MNT_RDONLY	0x00000001
#define MNT_FORCE	0x00080000

#define MNAMELEN	90

struct mount {
	LIST_ENTRY(mount)	mnt_list;
	struct vfsops		*mnt_op;
	struct vnode		*mnt_vnodecovered;
	int			mnt_flag;
	void			*mnt_data;	/* file system private */
	char			mnt_onname[MNAMELEN];
};

struct vfsops {
	const char	*vfs_name;
	size_t		vfs_min_mount_data;
	int	(*vfs_mount)(struct mount *, const char *, void *, size_t *);
	int	(*vfs_unmount)(struct mount *, int);
	int	(*vfs_root)(struct mount *, struct vnode **);
	int	(*vfs_sync)(struct mount *, int);
	int	(*vfs_statvfs)(struct mount *, struct statvfs *);
	int	vfs_refcount;
	LIST_ENTRY(vfsops) vfs_list;
};

#define VFS_MOUNT(mp, path, data, lenp) \
	(*(mp)->mnt_op->vfs_mount)((mp), (path), (data), (lenp))
#define VFS_UNMOUNT(mp, fl)	(*(mp)->mnt_op->vfs_unmount)((mp), (fl))
#define VFS_ROOT(mp, vpp)	(*(mp)->mnt_op->vfs_root)((mp), (vpp))
#define VFS_SYNC(mp, w)		(*(mp)->mnt_op->vfs_sync)((mp), (w))
#define VFS_STATVFS(mp, sbp)	((mp)->mnt_op == NULL ||			\
	(mp)->mnt_op->vfs_statvfs == NULL ? EOPNOTSUPP :		\
	(*(mp)->mnt_op->vfs_statvfs)((mp), (sbp)))

int	vfs_attach(struct vfsops *);
int	vfs_detach(struct vfsops *);
struct vfsops *vfs_getopsbyname(const char *);
void	vfsinit(void);

int	do_sys_mount(const char *, const char *, int, void *, size_t);
int	do_sys_unmount(const char *, int);
void	vfs_sync_all(void);

#endif /* !_SYS_MOUNT_H_ */
