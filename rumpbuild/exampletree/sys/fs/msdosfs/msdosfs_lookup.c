/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* Directory search and creation of directory entries (8.3 names). */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/buf.h>
#include <sys/errno.h>

#include <fs/msdosfs/msdosfsmount.h>
#include <fs/msdosfs/denode.h>
#include <fs/msdosfs/fat.h>

#define DIRENT_SIZE	sizeof(struct direntry)

static bool
isroot(struct denode *ddep)
{
	return ddep == ddep->de_pmp->pm_rootdep;
}

/* Read the sector holding the entry at offset off of directory ddep. */
static int
dirent_read(struct denode *ddep, uint64_t off, buf_t **bpp, u_int *posp)
{
	struct msdosfsmount *pmp = ddep->de_pmp;
	u_int sec, avail;
	int error;

	error = pcbmap(pmp, ddep->de_StartCluster, isroot(ddep), off, &sec,
	    &avail);
	if (error != 0)
		return error;
	*posp = (u_int)(off % pmp->pm_BytesPerSec);
	return bread(pmp->pm_devvp, de_bn2kb(pmp, sec),
	    (int)pmp->pm_BytesPerSec, 0, bpp);
}

/*
 * Find the entry with the 8.3 name dosname in directory ddep.  Copies
 * the entry to *dep and its offset to *offp.
 */
int
msdosfs_dir_lookup(struct denode *ddep, const uint8_t *dosname,
    struct direntry *dep, uint64_t *offp)
{
	struct direntry *de;
	uint64_t off;
	u_int pos;
	buf_t *bp;
	int error;

	for (off = 0;; off += DIRENT_SIZE) {
		error = dirent_read(ddep, off, &bp, &pos);
		if (error == E2BIG)
			return ENOENT;		/* end of the directory */
		if (error != 0)
			return error;
		de = (struct direntry *)((char *)bp->b_data + pos);
		if (de->deName[0] == SLOT_EMPTY) {
			brelse(bp, 0);
			return ENOENT;
		}
		if (de->deName[0] != SLOT_DELETED &&
		    de->deAttributes != ATTR_WIN95 &&
		    (de->deAttributes & ATTR_VOLUME) == 0 &&
		    memcmp(de->deName, dosname, 11) == 0) {
			memcpy(dep, de, sizeof(*dep));
			*offp = off;
			brelse(bp, 0);
			return 0;
		}
		brelse(bp, 0);
	}
}

/*
 * Create a new, empty entry in directory ddep (free slots only: the
 * directory is not grown) and return its denode.
 */
int
msdosfs_createde(struct denode *ddep, const uint8_t *dosname, uint8_t lcase,
    struct denode **depp)
{
	struct msdosfsmount *pmp = ddep->de_pmp;
	struct direntry *de, new;
	struct timespec now;
	uint16_t dd, dt;
	uint64_t off;
	u_int pos;
	buf_t *bp;
	int error;

	memset(&new, 0, sizeof(new));
	memcpy(new.deName, dosname, 11);
	new.deAttributes = ATTR_ARCHIVE;
	new.deLowerCase = lcase;
	getnanotime(&now);
	unix2dostime(&now, 0, &dd, &dt);
	putushort(new.deCTime, dt);
	putushort(new.deCDate, dd);
	putushort(new.deADate, dd);
	putushort(new.deMTime, dt);
	putushort(new.deMDate, dd);

	for (off = 0;; off += DIRENT_SIZE) {
		error = dirent_read(ddep, off, &bp, &pos);
		if (error == E2BIG)
			return ENOSPC;		/* directory full */
		if (error != 0)
			return error;
		de = (struct direntry *)((char *)bp->b_data + pos);
		if (de->deName[0] == SLOT_EMPTY ||
		    de->deName[0] == SLOT_DELETED)
			break;
		brelse(bp, 0);
	}
	memcpy(de, &new, sizeof(new));
	if ((error = bwrite(bp)) != 0)
		return error;
	return deget(pmp, isroot(ddep) ? MSDOSFSROOT : ddep->de_StartCluster,
	    off, &new, depp);
}
