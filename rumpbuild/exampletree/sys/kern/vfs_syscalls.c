/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* File system related system calls. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/namei.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/dirent.h>
#include <sys/time.h>
#include <sys/syscallargs.h>
#include <sys/uio.h>
#include <sys/vnode.h>

int
sys_open(struct lwp *l, const struct sys_open_args *uap, register_t *retval)
{
	struct nameidata nd = { .ni_dirp = uap->path, .ni_op = LOOKUP };
	struct vattr va;
	struct vnode *vp;
	file_t *fp;
	int error, fd, fflag = FFLAGS(uap->flags);

	if ((uap->flags & O_ACCMODE) == O_ACCMODE)
		return EINVAL;
	if (uap->flags & O_CREAT)
		nd.ni_op = CREATE;
	if ((error = namei(&nd)) != 0)
		return error;

	vp = nd.ni_vp;
	if (nd.ni_op == CREATE) {
		if (vp == NULL) {
			va.va_type = VREG;
			va.va_mode = uap->mode;
			va.va_size = 0;
			error = VOP_CREATE(nd.ni_dvp, &vp, &nd.ni_cnd, &va);
		} else if (uap->flags & O_EXCL) {
			error = EEXIST;
		}
		vrele(nd.ni_dvp);
		if (error != 0) {
			if (vp != NULL)
				vrele(vp);
			return error;
		}
	}
	if (vp->v_type == VDIR && (fflag & FWRITE)) {
		vrele(vp);
		return EISDIR;
	}
	if ((fflag & FWRITE) && vp->v_mount != NULL &&
	    (vp->v_mount->mnt_flag & MNT_RDONLY)) {
		vrele(vp);
		return EROFS;
	}
	if ((uap->flags & O_TRUNC) && (fflag & FWRITE) && vp->v_type == VREG) {
		if ((error = VOP_GETATTR(vp, &va)) == 0 && va.va_size != 0) {
			vattr_null(&va);
			va.va_size = 0;
			error = VOP_SETATTR(vp, &va);
		}
		if (error != 0) {
			vrele(vp);
			return error;
		}
	}
	if ((error = fd_allocfile(&fp, &fd)) != 0) {
		vrele(vp);
		return error;
	}
	fp->f_vnode = vp;
	fp->f_flag = fflag & (FREAD | FWRITE | O_APPEND);
	fp->f_offset = 0;
	*retval = fd;
	return 0;
}

int
sys_close(struct lwp *l, const struct sys_close_args *uap, register_t *retval)
{
	return fd_close(uap->fd);
}

/*
 * Read or write at *offp: the descriptor's offset (read, write) or the
 * caller's (pread, pwrite: offp is NULL, off is used).
 */
static int
dofileio(int fd, void *buf, size_t nbyte, enum uio_rw rw, const off_t *offp,
    register_t *retval)
{
	struct uio uio;
	struct vattr va;
	file_t *fp;
	int error;

	if ((fp = fd_getfile(fd)) == NULL)
		return EBADF;
	if ((fp->f_flag & (rw == UIO_READ ? FREAD : FWRITE)) == 0)
		return EBADF;
	if (offp != NULL && *offp < 0)
		return EINVAL;
	if (offp == NULL && rw == UIO_WRITE && (fp->f_flag & O_APPEND)) {
		if ((error = VOP_GETATTR(fp->f_vnode, &va)) != 0)
			return error;
		fp->f_offset = va.va_size;
	}
	uio.uio_buf = buf;
	uio.uio_resid = nbyte;
	uio.uio_offset = offp != NULL ? *offp : fp->f_offset;
	uio.uio_rw = rw;
	if (rw == UIO_READ)
		error = VOP_READ(fp->f_vnode, &uio, 0);
	else
		error = VOP_WRITE(fp->f_vnode, &uio, 0);
	if (offp == NULL)
		fp->f_offset = uio.uio_offset;
	*retval = (register_t)(nbyte - uio.uio_resid);
	return error;
}

int
sys_read(struct lwp *l, const struct sys_read_args *uap, register_t *retval)
{
	return dofileio(uap->fd, uap->buf, uap->nbyte, UIO_READ, NULL, retval);
}

int
sys_write(struct lwp *l, const struct sys_write_args *uap, register_t *retval)
{
	return dofileio(uap->fd, __UNCONST(uap->buf), uap->nbyte, UIO_WRITE,
	    NULL, retval);
}

int
sys_pread(struct lwp *l, const struct sys_pread_args *uap, register_t *retval)
{
	return dofileio(uap->fd, uap->buf, uap->nbyte, UIO_READ, &uap->offset,
	    retval);
}

int
sys_pwrite(struct lwp *l, const struct sys_pwrite_args *uap,
    register_t *retval)
{
	return dofileio(uap->fd, __UNCONST(uap->buf), uap->nbyte, UIO_WRITE,
	    &uap->offset, retval);
}

int
sys_lseek(struct lwp *l, const struct sys_lseek_args *uap, register_t *retval)
{
	struct vattr va;
	file_t *fp;
	off_t base;
	int error;

	if ((fp = fd_getfile(uap->fd)) == NULL)
		return EBADF;
	switch (uap->whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = fp->f_offset;
		break;
	case SEEK_END:
		if ((error = VOP_GETATTR(fp->f_vnode, &va)) != 0)
			return error;
		base = va.va_size;
		break;
	default:
		return EINVAL;
	}
	if (base + uap->offset < 0)
		return EINVAL;
	fp->f_offset = base + uap->offset;
	memcpy(retval, &fp->f_offset, sizeof(off_t));
	return 0;
}

int
sys_fsync(struct lwp *l, const struct sys_fsync_args *uap, register_t *retval)
{
	file_t *fp;

	if ((fp = fd_getfile(uap->fd)) == NULL)
		return EBADF;
	return VOP_FSYNC(fp->f_vnode);
}

int
sys_mkdir(struct lwp *l, const struct sys_mkdir_args *uap, register_t *retval)
{
	struct nameidata nd = { .ni_dirp = uap->path, .ni_op = CREATE };
	struct vattr va;
	struct vnode *vp;
	int error;

	if ((error = namei(&nd)) != 0)
		return error;
	if (nd.ni_vp != NULL) {
		vrele(nd.ni_vp);
		vrele(nd.ni_dvp);
		return EEXIST;
	}
	va.va_type = VDIR;
	va.va_mode = uap->mode;
	va.va_size = 0;
	error = VOP_MKDIR(nd.ni_dvp, &vp, &nd.ni_cnd, &va);
	vrele(nd.ni_dvp);
	if (error == 0)
		vrele(vp);
	return error;
}

int
sys___mount50(struct lwp *l, const struct sys___mount50_args *uap,
    register_t *retval)
{
	return do_sys_mount(uap->type, uap->path, uap->flags, uap->data,
	    uap->data_len);
}

int
sys_unmount(struct lwp *l, const struct sys_unmount_args *uap,
    register_t *retval)
{
	return do_sys_unmount(uap->path, uap->flags);
}

/* The vnode of path (not followed: there are no symbolic links here). */
static int
lookup_vnode(const char *path, struct vnode **vpp)
{
	return namei_simple_kernel(path, NSM_FOLLOW_NOEMULROOT, vpp);
}

static int
setattr_path(const char *path, const struct vattr *vap)
{
	struct vnode *vp;
	int error;

	if ((error = lookup_vnode(path, &vp)) != 0)
		return error;
	if (vp->v_mount != NULL && (vp->v_mount->mnt_flag & MNT_RDONLY))
		error = EROFS;
	else
		error = VOP_SETATTR(vp, vap);
	vrele(vp);
	return error;
}

static int
vn_stat(struct vnode *vp, struct stat *sb)
{
	static const mode_t ifmt[] = {
		[VREG] = S_IFREG, [VDIR] = S_IFDIR, [VBLK] = S_IFBLK,
		[VCHR] = S_IFCHR,
	};
	struct vattr va;
	int error;

	memset(&va, 0, sizeof(va));	/* file systems fill what they know */
	if ((error = VOP_GETATTR(vp, &va)) != 0)
		return error;
	memset(sb, 0, sizeof(*sb));
	sb->st_mode = ifmt[va.va_type] | (va.va_mode & 07777);
	sb->st_ino = va.va_fileid;
	sb->st_nlink = va.va_nlink != 0 ? va.va_nlink : 1;
	sb->st_uid = va.va_uid;
	sb->st_gid = va.va_gid;
	sb->st_size = va.va_size;
	sb->st_atimespec = sb->st_mtimespec = va.va_mtime;
	sb->st_ctimespec = sb->st_birthtimespec = va.va_mtime;
	sb->st_blksize = va.va_blocksize != 0 ? va.va_blocksize : DEV_BSIZE;
	sb->st_blocks = (int64_t)howmany(va.va_bytes, 512);
	return 0;
}

int
sys___stat50(struct lwp *l, const struct sys___stat50_args *uap,
    register_t *retval)
{
	struct vnode *vp;
	int error;

	if ((error = lookup_vnode(uap->path, &vp)) != 0)
		return error;
	error = vn_stat(vp, uap->ub);
	vrele(vp);
	return error;
}

int
sys___lstat50(struct lwp *l, const struct sys___lstat50_args *uap,
    register_t *retval)
{
	return sys___stat50(l, (const struct sys___stat50_args *)uap, retval);
}

int
sys___getdents30(struct lwp *l, const struct sys___getdents30_args *uap,
    register_t *retval)
{
	struct uio uio;
	file_t *fp;
	int error;

	if ((fp = fd_getfile(uap->fd)) == NULL || (fp->f_flag & FREAD) == 0)
		return EBADF;
	uio.uio_buf = uap->buf;
	uio.uio_resid = uap->count;
	uio.uio_offset = fp->f_offset;
	uio.uio_rw = UIO_READ;
	error = VOP_READDIR(fp->f_vnode, &uio);
	fp->f_offset = uio.uio_offset;
	*retval = (register_t)(uap->count - uio.uio_resid);
	return error;
}

int
sys_statvfs1(struct lwp *l, const struct sys_statvfs1_args *uap,
    register_t *retval)
{
	struct statvfs *sb = uap->buf;
	struct mount *mp;
	struct vnode *vp;
	int error;

	if ((error = lookup_vnode(uap->path, &vp)) != 0)
		return error;
	mp = vp->v_mount;
	vrele(vp);
	if (mp == NULL)
		return EOPNOTSUPP;
	memset(sb, 0, sizeof(*sb));
	sb->f_namemax = MAXNAMLEN;
	if ((error = VFS_STATVFS(mp, sb)) != 0)
		return error;
	if (mp->mnt_flag & MNT_RDONLY)
		sb->f_flag |= ST_RDONLY;
	if (mp->mnt_op != NULL)
		strlcpy(sb->f_fstypename, mp->mnt_op->vfs_name,
		    sizeof(sb->f_fstypename));
	strlcpy(sb->f_mntonname, mp->mnt_onname, sizeof(sb->f_mntonname));
	return 0;
}

/* Look up path's parent and the entry itself for unlink, rmdir, rename. */
static int
lookup_delete(const char *path, struct nameidata *ndp)
{
	int error;

	memset(ndp, 0, sizeof(*ndp));
	ndp->ni_dirp = path;
	ndp->ni_op = DELETE;
	if ((error = namei(ndp)) != 0)
		return error;
	if ((ndp->ni_vp->v_vflag & VV_ROOT) ||
	    ndp->ni_vp->v_mount != ndp->ni_dvp->v_mount) {
		vrele(ndp->ni_vp);
		vrele(ndp->ni_dvp);
		return EBUSY;		/* a mount point */
	}
	return 0;
}

static int
do_remove(const char *path, bool dir)
{
	struct nameidata nd;
	int error;

	if ((error = lookup_delete(path, &nd)) != 0)
		return error;
	if (dir && nd.ni_vp->v_type != VDIR)
		error = ENOTDIR;
	else if (!dir && nd.ni_vp->v_type == VDIR)
		error = EPERM;
	else if (nd.ni_vp->v_mount != NULL &&
	    (nd.ni_vp->v_mount->mnt_flag & MNT_RDONLY))
		error = EROFS;
	else if (dir)
		error = VOP_RMDIR(nd.ni_dvp, nd.ni_vp, &nd.ni_cnd);
	else
		error = VOP_REMOVE(nd.ni_dvp, nd.ni_vp, &nd.ni_cnd);
	vrele(nd.ni_vp);
	vrele(nd.ni_dvp);
	return error;
}

int
sys_unlink(struct lwp *l, const struct sys_unlink_args *uap,
    register_t *retval)
{
	return do_remove(uap->path, false);
}

int
sys_rmdir(struct lwp *l, const struct sys_rmdir_args *uap,
    register_t *retval)
{
	return do_remove(uap->path, true);
}

int
sys_rename(struct lwp *l, const struct sys_rename_args *uap,
    register_t *retval)
{
	struct nameidata fnd, tnd = { .ni_dirp = uap->to, .ni_op = CREATE };
	struct vnode *fvp, *tvp;
	size_t flen = strlen(uap->from);
	int error;

	/* paths are absolute and have no "..": a prefix is an ancestor */
	if (strncmp(uap->to, uap->from, flen) == 0 && uap->to[flen] == '/')
		return EINVAL;
	if ((error = lookup_delete(uap->from, &fnd)) != 0)
		return error;
	if ((error = namei(&tnd)) != 0) {
		vrele(fnd.ni_vp);
		vrele(fnd.ni_dvp);
		return error;
	}
	fvp = fnd.ni_vp;
	tvp = tnd.ni_vp;
	if (fvp->v_mount != tnd.ni_dvp->v_mount ||
	    (tvp != NULL && tvp->v_mount != fvp->v_mount))
		error = EXDEV;
	else if (tvp != NULL && (tvp->v_vflag & VV_ROOT))
		error = EBUSY;
	else if (tvp != NULL && tvp->v_type == VDIR && fvp->v_type != VDIR)
		error = EISDIR;
	else if (tvp != NULL && tvp->v_type != VDIR && fvp->v_type == VDIR)
		error = ENOTDIR;
	else if (fvp->v_mount != NULL && (fvp->v_mount->mnt_flag & MNT_RDONLY))
		error = EROFS;
	else if (fvp != tvp)
		error = VOP_RENAME(fnd.ni_dvp, fvp, &fnd.ni_cnd, tnd.ni_dvp,
		    tvp, &tnd.ni_cnd);
	if (tvp != NULL)
		vrele(tvp);
	vrele(tnd.ni_dvp);
	vrele(fvp);
	vrele(fnd.ni_dvp);
	return error;
}

static int
vn_truncate(struct vnode *vp, off_t length)
{
	struct vattr va;

	if (length < 0)
		return EINVAL;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_mount != NULL && (vp->v_mount->mnt_flag & MNT_RDONLY))
		return EROFS;
	vattr_null(&va);
	va.va_size = length;
	return VOP_SETATTR(vp, &va);
}

int
sys_truncate(struct lwp *l, const struct sys_truncate_args *uap,
    register_t *retval)
{
	struct vnode *vp;
	int error;

	if ((error = lookup_vnode(uap->path, &vp)) != 0)
		return error;
	error = vn_truncate(vp, uap->length);
	vrele(vp);
	return error;
}

int
sys_ftruncate(struct lwp *l, const struct sys_ftruncate_args *uap,
    register_t *retval)
{
	file_t *fp;

	if ((fp = fd_getfile(uap->fd)) == NULL)
		return EBADF;
	if ((fp->f_flag & FWRITE) == 0)
		return EINVAL;
	return vn_truncate(fp->f_vnode, uap->length);
}

/* Only the modification time is kept; the access time is ignored. */
int
sys_utimensat(struct lwp *l, const struct sys_utimensat_args *uap,
    register_t *retval)
{
	struct vattr va;

	if (uap->fd != AT_FDCWD)
		return EOPNOTSUPP;
	vattr_null(&va);
	if (uap->tptr == NULL || uap->tptr[1].tv_nsec == UTIME_NOW)
		getnanotime(&va.va_mtime);
	else if (uap->tptr[1].tv_nsec != UTIME_OMIT)
		va.va_mtime = uap->tptr[1];
	if (va.va_mtime.tv_sec == VNOVAL)
		return 0;
	return setattr_path(uap->path, &va);
}

int
sys_sync(struct lwp *l, const void *uap, register_t *retval)
{
	vfs_sync_all();
	return 0;
}

int
sys_chmod(struct lwp *l, const struct sys_chmod_args *uap, register_t *retval)
{
	struct vattr va;

	vattr_null(&va);
	va.va_mode = uap->mode & 07777;
	return setattr_path(uap->path, &va);
}

int
sys_lchown(struct lwp *l, const struct sys_lchown_args *uap,
    register_t *retval)
{
	struct vattr va;

	vattr_null(&va);
	va.va_uid = uap->uid;
	va.va_gid = uap->gid;
	return setattr_path(uap->path, &va);
}
