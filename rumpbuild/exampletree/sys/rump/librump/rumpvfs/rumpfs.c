/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * rumpfs: the in-memory root file system of the rump kernel.  It holds
 * directories and "etfs" nodes: host files registered under a key
 * (e.g. /dev/disk0) and accessed through rumpuser file hypercalls.
 * Every node keeps its vnode (and one reference to it) for its lifetime.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/buf.h>
#include <sys/dkio.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <sys/vnode.h>

#include <rump/rump.h>
#include <rump/rumpuser.h>
#include <rump-sys/kern.h>
#include <rump-sys/vfs.h>

#define RN_NAMELEN	64

struct rumpfs_node {
	enum vtype			rn_type;
	char				rn_name[RN_NAMELEN];
	struct vnode			*rn_vp;
	LIST_HEAD(, rumpfs_node)	rn_children;
	LIST_ENTRY(rumpfs_node)		rn_entries;
	int				rn_hostfd;	/* etfs */
	uint64_t			rn_size;	/* etfs */
};

static const struct vnodeops rumpfs_vnodeops;
static struct rumpfs_node *rumpfs_root;
static struct mount rumpfs_mount;

static int
rumpfs_vfsroot(struct mount *mp, struct vnode **vpp)
{
	vref(rumpfs_root->rn_vp);
	*vpp = rumpfs_root->rn_vp;
	return 0;
}

static int
rumpfs_vfssync(struct mount *mp, int waitfor)
{
	return 0;
}

static struct vfsops rumpfs_vfsops = {
	.vfs_name = "rumpfs",
	.vfs_root = rumpfs_vfsroot,
	.vfs_sync = rumpfs_vfssync,
};

static struct rumpfs_node *
makenode(enum vtype type, const char *name, size_t namelen)
{
	struct rumpfs_node *rn;
	struct vnode *vp;

	rn = kmem_zalloc(sizeof(*rn), KM_SLEEP);
	rn->rn_type = type;
	rn->rn_hostfd = -1;
	memcpy(rn->rn_name, name, namelen);
	LIST_INIT(&rn->rn_children);
	getnewvnode(&rumpfs_mount, &rumpfs_vnodeops, rn, &vp);
	vp->v_type = type;
	rn->rn_vp = vp;
	return rn;
}

static struct rumpfs_node *
findchild(struct rumpfs_node *dir, const char *name, size_t namelen)
{
	struct rumpfs_node *rn;

	LIST_FOREACH(rn, &dir->rn_children, rn_entries) {
		if (strlen(rn->rn_name) == namelen &&
		    memcmp(rn->rn_name, name, namelen) == 0)
			return rn;
	}
	return NULL;
}

static int
rumpfs_lookup(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp)
{
	struct rumpfs_node *rn;

	rn = findchild(dvp->v_data, cnp->cn_nameptr, cnp->cn_namelen);
	if (rn == NULL)
		return ENOENT;
	vref(rn->rn_vp);
	*vpp = rn->rn_vp;
	return 0;
}

static int
rumpfs_mkdir(struct vnode *dvp, struct vnode **vpp,
    const struct componentname *cnp, const struct vattr *vap)
{
	struct rumpfs_node *rn;

	if (cnp->cn_namelen >= RN_NAMELEN)
		return ENAMETOOLONG;
	rn = makenode(VDIR, cnp->cn_nameptr, cnp->cn_namelen);
	LIST_INSERT_HEAD(&((struct rumpfs_node *)dvp->v_data)->rn_children,
	    rn, rn_entries);
	vref(rn->rn_vp);
	*vpp = rn->rn_vp;
	return 0;
}

static int
rumpfs_getattr(struct vnode *vp, struct vattr *vap)
{
	struct rumpfs_node *rn = vp->v_data;

	vap->va_type = rn->rn_type;
	vap->va_mode = rn->rn_type == VDIR ? 0755 : 0644;
	vap->va_size = (off_t)rn->rn_size;
	vap->va_fileid = (ino_t)(uintptr_t)rn;
	return 0;
}

static int
etfs_io(struct rumpfs_node *rn, void *data, size_t len, off_t off,
    enum uio_rw rw, size_t *donep)
{
	struct rumpuser_iovec iov = { data, len };

	if (rn->rn_hostfd == -1)
		return ENXIO;
	if (rw == UIO_READ)
		return rumpuser_iovread(rn->rn_hostfd, &iov, 1, off, donep);
	return rumpuser_iovwrite(rn->rn_hostfd, &iov, 1, off, donep);
}

static int
rumpfs_rdwr(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct rumpfs_node *rn = vp->v_data;
	size_t done;
	int error;

	if (rn->rn_type != VREG)
		return EOPNOTSUPP;
	error = etfs_io(rn, uio->uio_buf, uio->uio_resid, uio->uio_offset,
	    uio->uio_rw, &done);
	if (error == 0) {
		uio->uio_buf += done;
		uio->uio_resid -= done;
		uio->uio_offset += (off_t)done;
		if (uio->uio_offset > (off_t)rn->rn_size)
			rn->rn_size = (uint64_t)uio->uio_offset;
	}
	return error;
}

static int
rumpfs_ioctl(struct vnode *vp, u_long cmd, void *data)
{
	struct rumpfs_node *rn = vp->v_data;

	if (rn->rn_type != VBLK)
		return ENOTTY;
	switch (cmd) {
	case DIOCGMEDIASIZE:
		*(off_t *)data = (off_t)rn->rn_size;
		return 0;
	case DIOCGSECTORSIZE:
		*(u_int *)data = DEV_BSIZE;
		return 0;
	}
	return ENOTTY;
}

static int
rumpfs_strategy(struct vnode *vp, struct buf *bp)
{
	struct rumpfs_node *rn = vp->v_data;
	size_t done = 0;

	if (rn->rn_type != VBLK)
		return EOPNOTSUPP;
	bp->b_error = etfs_io(rn, bp->b_data, (size_t)bp->b_bcount,
	    bp->b_blkno * DEV_BSIZE,
	    (bp->b_flags & B_READ) ? UIO_READ : UIO_WRITE, &done);
	bp->b_resid = (size_t)bp->b_bcount - done;
	return 0;
}

static int
rumpfs_fsync(struct vnode *vp)
{
	struct rumpfs_node *rn = vp->v_data;

	if (rn->rn_hostfd == -1)
		return 0;
	return rumpuser_syncfd(rn->rn_hostfd, RUMPUSER_SYNCFD_WRITE, 0, 0);
}

static const struct vnodeops rumpfs_vnodeops = {
	.vop_lookup = rumpfs_lookup,
	.vop_mkdir = rumpfs_mkdir,
	.vop_read = rumpfs_rdwr,
	.vop_write = rumpfs_rdwr,
	.vop_getattr = rumpfs_getattr,
	.vop_fsync = rumpfs_fsync,
	.vop_ioctl = rumpfs_ioctl,
	.vop_strategy = rumpfs_strategy,
};

void
rumpfs_init(void)
{
	rumpfs_mount.mnt_op = &rumpfs_vfsops;
	strlcpy(rumpfs_mount.mnt_onname, "/", sizeof(rumpfs_mount.mnt_onname));
	rumpfs_root = makenode(VDIR, "", 0);
	rumpfs_root->rn_vp->v_vflag |= VV_ROOT;
	rootvnode = rumpfs_root->rn_vp;
}

/*
 * Find the etfs node for key; with create, make the missing
 * directories on the way and return the parent in *dirp instead.
 */
static int
etfs_find(const char *key, bool create, struct rumpfs_node **dirp,
    struct rumpfs_node **rnp, const char **lastp)
{
	struct rumpfs_node *dir = rumpfs_root, *rn = NULL;
	const char *p = key, *name;
	size_t len;

	if (*p != '/')
		return EINVAL;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return EINVAL;
		for (name = p; *p != '\0' && *p != '/'; p++)
			continue;
		if ((len = (size_t)(p - name)) >= RN_NAMELEN)
			return ENAMETOOLONG;
		rn = findchild(dir, name, len);
		if (*p == '\0')
			break;
		if (rn == NULL) {
			if (!create)
				return ENOENT;
			rn = makenode(VDIR, name, len);
			LIST_INSERT_HEAD(&dir->rn_children, rn, rn_entries);
		}
		if (rn->rn_type != VDIR)
			return ENOTDIR;
		dir = rn;
	}
	*dirp = dir;
	*rnp = rn;
	*lastp = name;
	return 0;
}

int
rump_pub_etfs_register(const char *key, const char *hostpath,
    enum rump_etfs_type ftype)
{
	struct rumpfs_node *dir, *rn;
	const char *last;
	uint64_t size;
	int error, hft, fd;
	enum vtype vt;

	switch (ftype) {
	case RUMP_ETFS_REG:
		vt = VREG;
		break;
	case RUMP_ETFS_BLK:
		vt = VBLK;
		break;
	default:
		return EOPNOTSUPP;
	}
	if (rumpfs_root == NULL)
		return ENXIO;
	if ((error = rumpuser_getfileinfo(hostpath, &size, &hft)) != 0)
		return error;
	if (hft != RUMPUSER_FT_REG && hft != RUMPUSER_FT_BLK)
		return EFTYPE;
	if ((error = etfs_find(key, true, &dir, &rn, &last)) != 0)
		return error;
	if (rn != NULL)
		return EEXIST;
	error = rumpuser_open(hostpath, RUMPUSER_OPEN_RDWR |
	    (vt == VBLK ? RUMPUSER_OPEN_BIO : 0), &fd);
	if (error != 0)
		return error;

	rn = makenode(vt, last, strlen(last));
	rn->rn_hostfd = fd;
	rn->rn_size = size;
	LIST_INSERT_HEAD(&dir->rn_children, rn, rn_entries);
	if (rump_verbose)
		printf("etfs: %s -> %s (%llu bytes)\n", key, hostpath,
		    (unsigned long long)size);
	return 0;
}

/*
 * A device node at *path* whose vnode operations are a driver's (NetBSD's
 * rump_vfs_makedevnodes() with a device switch; the example kernel has none).
 */
int
rump_vfs_makedevnode(const char *path, const struct vnodeops *ops, void *data)
{
	struct rumpfs_node *dir, *rn;
	const char *last;
	int error;

	if ((error = etfs_find(path, true, &dir, &rn, &last)) != 0)
		return error;
	if (rn != NULL)
		return EEXIST;
	rn = makenode(VBLK, last, strlen(last));
	rn->rn_vp->v_op = ops;
	rn->rn_vp->v_data = data;
	LIST_INSERT_HEAD(&dir->rn_children, rn, rn_entries);
	return 0;
}

int
rump_pub_etfs_remove(const char *key)
{
	struct rumpfs_node *dir, *rn;
	const char *last;
	int error;

	if ((error = etfs_find(key, false, &dir, &rn, &last)) != 0)
		return error;
	if (rn == NULL || rn->rn_hostfd == -1)
		return ENOENT;
	if (rn->rn_vp->v_usecount > 1)
		return EBUSY;
	LIST_REMOVE(rn, rn_entries);
	rumpuser_close(rn->rn_hostfd);
	vrele(rn->rn_vp);
	kmem_free(rn, sizeof(*rn));
	return 0;
}
