/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* The list of file system types. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/mount.h>

static LIST_HEAD(, vfsops) vfs_list = LIST_HEAD_INITIALIZER(vfs_list);

struct vfsops *
vfs_getopsbyname(const char *name)
{
	struct vfsops *v;

	LIST_FOREACH(v, &vfs_list, vfs_list) {
		if (strcmp(v->vfs_name, name) == 0)
			return v;
	}
	return NULL;
}

int
vfs_attach(struct vfsops *vfs)
{
	if (vfs_getopsbyname(vfs->vfs_name) != NULL)
		return EEXIST;
	vfs->vfs_refcount = 0;
	LIST_INSERT_HEAD(&vfs_list, vfs, vfs_list);
	return 0;
}

int
vfs_detach(struct vfsops *vfs)
{
	if (vfs->vfs_refcount != 0)
		return EBUSY;
	LIST_REMOVE(vfs, vfs_list);
	return 0;
}
