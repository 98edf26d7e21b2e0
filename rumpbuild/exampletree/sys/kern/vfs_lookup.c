/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Path name lookup.  Only absolute paths; "." is skipped, ".." is not
 * supported.  Mount points are crossed downwards.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/mount.h>
#include <sys/namei.h>
#include <sys/vnode.h>

/* If vp is covered by a mount, replace it by that file system's root. */
static int
cross_mounts(struct vnode **vpp)
{
	struct vnode *vp = *vpp, *root;
	int error;

	while (vp->v_type == VDIR && vp->v_mountedhere != NULL) {
		error = VFS_ROOT(vp->v_mountedhere, &root);
		if (error != 0)
			return error;
		vrele(vp);
		vp = *vpp = root;
	}
	return 0;
}

int
namei(struct nameidata *ndp)
{
	const char *p = ndp->ni_dirp, *name;
	struct vnode *dvp, *vp;
	struct componentname cn;
	int error;

	ndp->ni_dvp = ndp->ni_vp = NULL;
	if (p == NULL || *p != '/')
		return ENOENT;
	if (strlen(p) >= MAXPATHLEN)
		return ENAMETOOLONG;
	if (rootvnode == NULL)
		return ENXIO;

	vp = rootvnode;
	vref(vp);
	if ((error = cross_mounts(&vp)) != 0)
		goto fail;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;		/* vp is the result */
		for (name = p; *p != '\0' && *p != '/'; p++)
			continue;
		cn.cn_nameptr = name;
		cn.cn_namelen = (size_t)(p - name);
		if (cn.cn_namelen > MAXNAMLEN) {
			error = ENAMETOOLONG;
			goto fail;
		}
		if (cn.cn_namelen == 1 && name[0] == '.')
			continue;
		if (cn.cn_namelen == 2 && name[0] == '.' && name[1] == '.') {
			error = EINVAL;
			goto fail;
		}
		while (*p == '/')
			p++;

		dvp = vp;
		error = VOP_LOOKUP(dvp, &vp, &cn);
		if (*p == '\0' && ndp->ni_op != LOOKUP) {
			/* last component: hand back parent and child */
			if (error == ENOENT && ndp->ni_op == CREATE) {
				vp = NULL;
				error = 0;
			}
			if (error == 0 && vp != NULL)
				error = cross_mounts(&vp);
			if (error != 0) {
				vrele(dvp);
				return error;
			}
			ndp->ni_dvp = dvp;
			ndp->ni_vp = vp;
			ndp->ni_cnd = cn;
			return 0;
		}
		vrele(dvp);
		if (error != 0)
			return error;
		if ((error = cross_mounts(&vp)) != 0)
			goto fail;
	}

	if (ndp->ni_op != LOOKUP) {
		/* path was "/" or ended in "." */
		vrele(vp);
		return ndp->ni_op == CREATE ? EEXIST : EINVAL;
	}
	ndp->ni_vp = vp;
	return 0;

 fail:
	vrele(vp);
	return error;
}

int
namei_simple_kernel(const char *path, int flags, struct vnode **vpp)
{
	struct nameidata nd = { .ni_dirp = path, .ni_op = LOOKUP };
	int error;

	if ((error = namei(&nd)) == 0)
		*vpp = nd.ni_vp;
	return error;
}
