/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* Hypercalls for host file access (used by etfs). */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include <rump/rumpuser.h>

#include "rumpuser_int.h"

int
rumpuser_getfileinfo(const char *path, uint64_t *sizep, int *ftp)
{
	struct stat sb;
	off_t size;
	int fd, ft;

	if (stat(path, &sb) == -1)
		return ET(errno);
	size = sb.st_size;
	if (S_ISDIR(sb.st_mode)) {
		ft = RUMPUSER_FT_DIR;
	} else if (S_ISREG(sb.st_mode)) {
		ft = RUMPUSER_FT_REG;
	} else if (S_ISBLK(sb.st_mode)) {
		ft = RUMPUSER_FT_BLK;
		if ((fd = open(path, O_RDONLY)) != -1) {
			size = lseek(fd, 0, SEEK_END);
			close(fd);
		}
	} else if (S_ISCHR(sb.st_mode)) {
		ft = RUMPUSER_FT_CHR;
	} else {
		ft = RUMPUSER_FT_OTHER;
	}
	if (sizep != NULL)
		*sizep = (uint64_t)size;
	if (ftp != NULL)
		*ftp = ft;
	return 0;
}

int
rumpuser_open(const char *path, int ruflags, int *fdp)
{
	int flags = 0, fd;

	switch (ruflags & RUMPUSER_OPEN_ACCMODE) {
	case RUMPUSER_OPEN_RDONLY:
		flags = O_RDONLY;
		break;
	case RUMPUSER_OPEN_WRONLY:
		flags = O_WRONLY;
		break;
	case RUMPUSER_OPEN_RDWR:
		flags = O_RDWR;
		break;
	default:
		return 22;	/* EINVAL */
	}
	if (ruflags & RUMPUSER_OPEN_CREATE)
		flags |= O_CREAT;
	if (ruflags & RUMPUSER_OPEN_EXCL)
		flags |= O_EXCL;
	/* RUMPUSER_OPEN_BIO: block I/O; plain pread/pwrite serve it here */
	if ((fd = open(path, flags | O_CLOEXEC, 0644)) == -1)
		return ET(errno);
	*fdp = fd;
	return 0;
}

int
rumpuser_close(int fd)
{
	if (close(fd) == -1)
		return ET(errno);
	return 0;
}

int
rumpuser_iovread(int fd, struct rumpuser_iovec *ruiov, size_t iovlen,
    int64_t off, size_t *retp)
{
	size_t i, done = 0;
	ssize_t n;

	for (i = 0; i < iovlen; i++) {
		char *base = ruiov[i].iov_base;
		size_t left = ruiov[i].iov_len;

		while (left > 0) {
			n = pread(fd, base, left, (off_t)off + (off_t)done);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				return ET(errno);
			if (n == 0)
				goto out;	/* end of file */
			base += n;
			left -= (size_t)n;
			done += (size_t)n;
		}
	}
 out:
	*retp = done;
	return 0;
}

int
rumpuser_iovwrite(int fd, const struct rumpuser_iovec *ruiov, size_t iovlen,
    int64_t off, size_t *retp)
{
	size_t i, done = 0;
	ssize_t n;

	for (i = 0; i < iovlen; i++) {
		const char *base = ruiov[i].iov_base;
		size_t left = ruiov[i].iov_len;

		while (left > 0) {
			n = pwrite(fd, base, left, (off_t)off + (off_t)done);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				return ET(errno);
			base += n;
			left -= (size_t)n;
			done += (size_t)n;
		}
	}
	*retp = done;
	return 0;
}

int
rumpuser_syncfd(int fd, int flags, uint64_t start, uint64_t len)
{
	(void)start;
	(void)len;
	if ((flags & (RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC)) == 0)
		return 0;
	if (fsync(fd) == -1)
		return ET(errno);
	return 0;
}
