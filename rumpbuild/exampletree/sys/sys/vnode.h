/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_VNODE_H_
#define _SYS_VNODE_H_

#include <sys/types.h>
#include <sys/queue.h>

struct mount;
struct uio;
struct buf;
struct vnode;

enum vtype { VNON, VREG, VDIR, VBLK, VCHR };

struct vattr {
	enum vtype	va_type;
	mode_t		va_mode;
	off_t		va_size;
	ino_t		va_fileid;
	uint32_t	va_nlink;
	uid_t		va_uid;
	gid_t		va_gid;
	uint32_t	va_blocksize;
	uint64_t	va_bytes;	/* space the file takes on disk */
	struct timespec	va_mtime;
};

/* VOP_SETATTR changes the fields that are not VNOVAL (vattr_null). */
#define VNOVAL		(-1)
void	vattr_null(struct vattr *);

struct componentname {
	const char	*cn_nameptr;	/* not NUL terminated */
	size_t		cn_namelen;
};

/*
 * The operations a file system implements.  A NULL entry means
 * "not supported" (EOPNOTSUPP); the VOP_*() wrappers check for it.
 */
struct vnodeops {
	int	(*vop_lookup)(struct vnode *, struct vnode **,
		    const struct componentname *);
	int	(*vop_create)(struct vnode *, struct vnode **,
		    const struct componentname *, const struct vattr *);
	int	(*vop_mkdir)(struct vnode *, struct vnode **,
		    const struct componentname *, const struct vattr *);
	int	(*vop_read)(struct vnode *, struct uio *, int);
	int	(*vop_write)(struct vnode *, struct uio *, int);
	int	(*vop_getattr)(struct vnode *, struct vattr *);
	int	(*vop_fsync)(struct vnode *);
	int	(*vop_ioctl)(struct vnode *, u_long, void *);
	int	(*vop_strategy)(struct vnode *, struct buf *);
	int	(*vop_inactive)(struct vnode *);
	int	(*vop_readdir)(struct vnode *, struct uio *);
	int	(*vop_setattr)(struct vnode *, const struct vattr *);
	int	(*vop_remove)(struct vnode *, struct vnode *,
		    const struct componentname *);
	int	(*vop_rmdir)(struct vnode *, struct vnode *,
		    const struct componentname *);
	int	(*vop_rename)(struct vnode *, struct vnode *,
		    const struct componentname *, struct vnode *, struct vnode *,
		    const struct componentname *);
	int	(*vop_reclaim)(struct vnode *);
};

struct vnode {
	enum vtype		v_type;
	int			v_usecount;
	int			v_vflag;
	struct mount		*v_mount;	/* file system we are on */
	struct mount		*v_mountedhere;	/* covering mount, if any */
	const struct vnodeops	*v_op;
	void			*v_data;	/* file system private */
};
typedef struct vnode vnode_t;

#define VV_ROOT		0x0001		/* root of its file system */

#define IO_SYNC		0x0004
#define IO_APPEND	0x0002

int	getnewvnode(struct mount *, const struct vnodeops *, void *,
	    struct vnode **);
void	vref(struct vnode *);
void	vrele(struct vnode *);

int	VOP_LOOKUP(struct vnode *, struct vnode **,
	    const struct componentname *);
int	VOP_CREATE(struct vnode *, struct vnode **,
	    const struct componentname *, const struct vattr *);
int	VOP_MKDIR(struct vnode *, struct vnode **,
	    const struct componentname *, const struct vattr *);
int	VOP_READ(struct vnode *, struct uio *, int);
int	VOP_WRITE(struct vnode *, struct uio *, int);
int	VOP_GETATTR(struct vnode *, struct vattr *);
int	VOP_FSYNC(struct vnode *);
int	VOP_IOCTL(struct vnode *, u_long, void *);
int	VOP_STRATEGY(struct vnode *, struct buf *);
int	VOP_READDIR(struct vnode *, struct uio *);
int	VOP_SETATTR(struct vnode *, const struct vattr *);
int	VOP_REMOVE(struct vnode *, struct vnode *,
	    const struct componentname *);
int	VOP_RMDIR(struct vnode *, struct vnode *,
	    const struct componentname *);
int	VOP_RENAME(struct vnode *, struct vnode *,
	    const struct componentname *, struct vnode *, struct vnode *,
	    const struct componentname *);

extern struct vnode *rootvnode;

#endif /* !_SYS_VNODE_H_ */
