/*
 * The sector size of an image, for file systems that count in the medium's
 * sectors (filesystems.toml `sector_anchor`: udf).  Shared by the smoke test
 * (rumptest.c -A) and rump_<fs> (RBU_SECTOR_ANCHOR).
 *
 * The rump kernel's block devices have 512-byte sectors unless
 * RUMP_BLKSECTSHIFT says otherwise when rump_init() runs (rumpblk.c), and
 * NetBSD's udf looks for its anchor at sector 256 of that size: an image
 * of a 2048-byte-sector medium (genisoimage -udf, mkudffs --media-type=cdr)
 * then fails to mount with EINVAL.  UDF's anchor volume descriptor pointer
 * is at sector 256 whatever the size, and its tag records that location, so
 * the size is the one at which a valid tag sits there.
 *
 * Host code, before rump_init().  Copyright (c) 2026 The rumpbuild authors.  BSD-2-Clause.
 */
#ifndef RBU_SECTOR_H
#define RBU_SECTOR_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * The shift (9 for 512 bytes ... 12 for 4096) at which the file *path*,
 * from byte *off* on, holds an ECMA-167 descriptor tag of id 2 (anchor)
 * recording sector *anchor* with a correct checksum; 0 if none does.
 */
static inline int
rbu_anchor_shift(const char *path, uint64_t off, unsigned anchor)
{
	static const int shifts[] = { 9, 11, 10, 12 };	/* the common sizes first */
	unsigned char t[16];
	unsigned i, k, sum;
	int fd, found = 0;

	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	for (i = 0; i < sizeof(shifts) / sizeof(shifts[0]) && !found; i++) {
		if (pread(fd, t, sizeof(t), (off_t)(off + ((uint64_t)anchor << shifts[i]))) != (ssize_t)sizeof(t))
			continue;
		for (sum = 0, k = 0; k < sizeof(t); k++)
			sum += k == 4 ? 0 : t[k];
		if ((t[0] | t[1] << 8) == 2 && (sum & 0xff) == t[4]
		    && ((uint32_t)t[12] | (uint32_t)t[13] << 8 | (uint32_t)t[14] << 16 | (uint32_t)t[15] << 24) == anchor)
			found = shifts[i];
	}
	close(fd);
	return found;
}

/*
 * Set RUMP_BLKSECTSHIFT for the image's sector size before rump_init(),
 * unless the user set it; returns the shift set, or 0.
 */
static inline int
rbu_set_sector_shift(const char *path, uint64_t off, unsigned anchor)
{
	char buf[16];
	int shift;

	if (anchor == 0 || getenv("RUMP_BLKSECTSHIFT") != NULL)
		return 0;
	if ((shift = rbu_anchor_shift(path, off, anchor)) <= 9)	/* 512 is the kernel's default */
		return 0;
	snprintf(buf, sizeof(buf), "%d", shift);
	setenv("RUMP_BLKSECTSHIFT", buf, 1);
	return shift;
}

#endif /* RBU_SECTOR_H */
