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
	if ((uap->flags & O_TRUNC) && vp->v_type == VREG) {
		if ((error = VOP_GETATTR(vp, &va)) == 0 && va.va_size != 0)
			error = EOPNOTSUPP;	/* no truncation support */
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

static int
dofileio(int fd, void *buf, size_t nbyte, enum uio_rw rw, register_t *retval)
{
	struct uio uio;
	struct vattr va;
	file_t *fp;
	int error;

	if ((fp = fd_getfile(fd)) == NULL)
		return EBADF;
	if ((fp->f_flag & (rw == UIO_READ ? FREAD : FWRITE)) == 0)
		return EBADF;
	if (rw == UIO_WRITE && (fp->f_flag & O_APPEND)) {
		if ((error = VOP_GETATTR(fp->f_vnode, &va)) != 0)
			return error;
		fp->f_offset = va.va_size;
	}
	uio.uio_buf = buf;
	uio.uio_resid = nbyte;
	uio.uio_offset = fp->f_offset;
	uio.uio_rw = rw;
	if (rw == UIO_READ)
		error = VOP_READ(fp->f_vnode, &uio, 0);
	else
		error = VOP_WRITE(fp->f_vnode, &uio, 0);
	fp->f_offset = uio.uio_offset;
	*retval = (register_t)(nbyte - uio.uio_resid);
	return error;
}

int
sys_read(struct lwp *l, const struct sys_read_args *uap, register_t *retval)
{
	return dofileio(uap->fd, uap->buf, uap->nbyte, UIO_READ, retval);
}

int
sys_write(struct lwp *l, const struct sys_write_args *uap, register_t *retval)
{
	return dofileio(uap->fd, __UNCONST(uap->buf), uap->nbyte, UIO_WRITE,
	    retval);
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
