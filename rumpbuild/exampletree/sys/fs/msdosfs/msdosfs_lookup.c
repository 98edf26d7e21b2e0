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

/* Copy the entry at offset off of directory ddep to *dep. */
int
msdosfs_dir_entry(struct denode *ddep, uint64_t off, struct direntry *dep)
{
	u_int pos;
	buf_t *bp;
	int error;

	if ((error = dirent_read(ddep, off, &bp, &pos)) != 0)
		return error;
	memcpy(dep, (char *)bp->b_data + pos, sizeof(*dep));
	brelse(bp, 0);
	return 0;
}

/* Overwrite the entry at offset off of directory ddep. */
int
msdosfs_writede(struct denode *ddep, uint64_t off, const struct direntry *dep)
{
	u_int pos;
	buf_t *bp;
	int error;

	if ((error = dirent_read(ddep, off, &bp, &pos)) != 0)
		return error;
	memcpy((char *)bp->b_data + pos, dep, sizeof(*dep));
	return bwrite(bp);
}

/* Zero the sectors of cluster cn (a new piece of a directory). */
static int
clearcluster(struct msdosfsmount *pmp, u_long cn)
{
	u_int i;
	buf_t *bp;
	int error;

	for (i = 0; i < pmp->pm_SectPerClust; i++) {
		bp = getblk(pmp->pm_devvp, de_bn2kb(pmp, cntobn(pmp, cn) + i),
		    (int)pmp->pm_BytesPerSec, 0, 0);
		memset(bp->b_data, 0, pmp->pm_BytesPerSec);
		if ((error = bwrite(bp)) != 0)
			return error;
	}
	return 0;
}

/*
 * Find a free slot in directory ddep.  A full subdirectory grows by a
 * zeroed cluster; the root directory has a fixed size (ENOSPC).
 */
int
msdosfs_findslot(struct denode *ddep, uint64_t *offp)
{
	struct msdosfsmount *pmp = ddep->de_pmp;
	struct direntry de;
	u_long cn;
	uint64_t off;
	int error;

	for (off = 0;; off += DIRENT_SIZE) {
		error = msdosfs_dir_entry(ddep, off, &de);
		if (error == E2BIG) {
			if (isroot(ddep))
				return ENOSPC;		/* root directory full */
			if ((error = extendfile(ddep, off + DIRENT_SIZE)) != 0)
				return error;
			for (cn = ddep->de_StartCluster;
			    !fat_iseof(pmp, fat_get(pmp, cn));
			    cn = fat_get(pmp, cn))
				continue;		/* the new last cluster */
			if ((error = clearcluster(pmp, cn)) != 0)
				return error;
			*offp = off;
			return 0;
		}
		if (error != 0)
			return error;
		if (de.deName[0] == SLOT_EMPTY || de.deName[0] == SLOT_DELETED) {
			*offp = off;
			return 0;
		}
	}
}

/*
 * Create a new, empty entry with attributes attr in directory ddep and
 * return its denode.
 */
int
msdosfs_createde(struct denode *ddep, const uint8_t *dosname, uint8_t lcase,
    uint8_t attr, struct denode **depp)
{
	struct direntry new;
	struct timespec now;
	uint16_t dd, dt;
	uint64_t off;
	int error;

	memset(&new, 0, sizeof(new));
	memcpy(new.deName, dosname, 11);
	new.deAttributes = attr;
	new.deLowerCase = lcase;
	getnanotime(&now);
	unix2dostime(&now, 0, &dd, &dt);
	putushort(new.deCTime, dt);
	putushort(new.deCDate, dd);
	putushort(new.deADate, dd);
	putushort(new.deMTime, dt);
	putushort(new.deMDate, dd);

	if ((error = msdosfs_findslot(ddep, &off)) != 0)
		return error;
	if ((error = msdosfs_writede(ddep, off, &new)) != 0)
		return error;
	return deget(ddep->de_pmp, de_dirclust(ddep), off, &new, depp);
}

/*
 * Mark dep's entry in directory ddep deleted, with the long name pieces
 * that precede it, and forget where it was: the slot may be reused.
 */
int
msdosfs_removede(struct denode *ddep, struct denode *dep)
{
	struct direntry de;
	uint64_t off = dep->de_diroffset;
	int error;

	for (;;) {
		if ((error = msdosfs_dir_entry(ddep, off, &de)) != 0)
			return error;
		de.deName[0] = SLOT_DELETED;
		if ((error = msdosfs_writede(ddep, off, &de)) != 0)
			return error;
		if (off == 0)
			break;
		off -= DIRENT_SIZE;
		if ((error = msdosfs_dir_entry(ddep, off, &de)) != 0)
			return error;
		if (de.deAttributes != ATTR_WIN95 ||
		    de.deName[0] == SLOT_DELETED)
			break;
	}
	dep->de_flag |= DE_REMOVED;
	dep->de_flag &= ~DE_MODIFIED;
	dep->de_dirclust = ~0UL;
	return 0;
}

/* 0 if directory dep holds nothing but "." and "..", else ENOTEMPTY. */
int
msdosfs_dirempty(struct denode *dep)
{
	struct direntry de;
	uint64_t off;
	int error;

	for (off = 0;; off += DIRENT_SIZE) {
		error = msdosfs_dir_entry(dep, off, &de);
		if (error == E2BIG || (error == 0 && de.deName[0] == SLOT_EMPTY))
			return 0;
		if (error != 0)
			return error;
		if (de.deName[0] == SLOT_DELETED || de.deAttributes == ATTR_WIN95 ||
		    (de.deAttributes & ATTR_VOLUME) || de.deName[0] == '.')
			continue;
		return ENOTEMPTY;
	}
}
