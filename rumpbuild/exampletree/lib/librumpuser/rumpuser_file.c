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
#include <string.h>
#include <unistd.h>

#include <rump/rumpuser.h>

#include "rumpuser_int.h"

/*
 * "disk.img%DISKLABEL:a%" names partition a of the NetBSD disklabel in
 * disk.img (label in sector 1, as on x86).  Files opened that way read and
 * write relative to the partition; part_off[] holds each descriptor's start.
 */
#define LABEL_MAGIC	0x82564557U
#define LABEL_SECTOR	1
#define MAXFD		1024

static int64_t part_off[MAXFD];

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Split path into the host file and partition; 0 if there is no suffix. */
static int
partition(const char *path, char *host, size_t hostlen, int64_t *offp, int64_t *sizep)
{
	const char *tag = strstr(path, "%DISKLABEL:");
	unsigned char lab[512];
	size_t n;
	int fd, idx;
	uint32_t secsize, nparts;

	if (tag == NULL)
		return 0;
	n = (size_t)(tag - path);
	if (n >= hostlen || tag[11] < 'a' || tag[11] > 'p' || tag[12] != '%' || tag[13] != '\0')
		return -1;
	memcpy(host, path, n);
	host[n] = '\0';
	idx = tag[11] - 'a';
	if ((fd = open(host, O_RDONLY)) == -1)
		return -1;
	if (pread(fd, lab, sizeof(lab), LABEL_SECTOR * 512) != (ssize_t)sizeof(lab)) {
		close(fd);
		return -1;
	}
	close(fd);
	secsize = le32(lab + 40);
	nparts = (uint32_t)lab[138] | (uint32_t)lab[139] << 8;
	if (le32(lab) != LABEL_MAGIC || le32(lab + 132) != LABEL_MAGIC || (uint32_t)idx >= nparts ||
	    secsize == 0)
		return -1;
	*sizep = (int64_t)le32(lab + 148 + 16 * idx) * secsize;
	*offp = (int64_t)le32(lab + 148 + 16 * idx + 4) * secsize;
	return 1;
}

int
rumpuser_getfileinfo(const char *path, uint64_t *sizep, int *ftp)
{
	struct stat sb;
	off_t size;
	int fd, ft;
	char host[4096];
	int64_t poff, psize;

	switch (partition(path, host, sizeof(host), &poff, &psize)) {
	case -1:
		return 22;	/* EINVAL: no such partition */
	case 1:
		if (sizep != NULL)
			*sizep = (uint64_t)psize;
		if (ftp != NULL)
			*ftp = RUMPUSER_FT_BLK;
		return 0;
	}
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
	char host[4096];
	int64_t poff = 0, psize;
	int part;

	if ((part = partition(path, host, sizeof(host), &poff, &psize)) == -1)
		return 22;	/* EINVAL */
	if (part == 1)
		path = host;

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
	if (fd >= MAXFD) {
		close(fd);
		return 24;	/* EMFILE */
	}
	part_off[fd] = poff;
	*fdp = fd;
	return 0;
}

int
rumpuser_close(int fd)
{
	if (fd >= 0 && fd < MAXFD)
		part_off[fd] = 0;
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
			n = pread(fd, base, left, (off_t)(off + part_off[fd]) + (off_t)done);
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
			n = pwrite(fd, base, left, (off_t)(off + part_off[fd]) + (off_t)done);
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
