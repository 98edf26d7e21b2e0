/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Directory search and creation of directory entries: 8.3 names, and
 * long names as pieces before the entry of their short alias.
 */
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
 * The next file's entry at or after *offp in directory ddep: *offp is set
 * to its offset, *dep to the entry, name to its long name when pieces
 * with the right checksum precede it, else to its 8.3 name.  ENOENT at
 * the end.  name holds 3 * WIN_MAXLEN + 1 bytes.
 */
int
msdosfs_dir_next(struct denode *ddep, uint64_t *offp, struct direntry *dep,
    char *name, size_t *namelenp)
{
	uint16_t ucs[WIN_MAXLEN + WIN_CHARS];
	const struct winentry *we;
	int error, want = 0, have = 0, last = 0, i;
	uint8_t chksum = 0;
	uint64_t off;

	for (off = *offp;; off += DIRENT_SIZE) {
		error = msdosfs_dir_entry(ddep, off, dep);
		if (error == E2BIG)
			return ENOENT;		/* end of the directory */
		if (error != 0)
			return error;
		if (dep->deName[0] == SLOT_EMPTY)
			return ENOENT;
		if (dep->deName[0] == SLOT_DELETED) {
			want = 0;
			continue;
		}
		if (dep->deAttributes == ATTR_WIN95) {
			we = (const struct winentry *)dep;
			if (we->weCnt & WIN_LAST) {
				want = we->weCnt & WIN_CNT;
				have = want;
				chksum = we->weChksum;
				last = 0;
				if (want == 0 || want * WIN_CHARS >
				    WIN_MAXLEN + WIN_CHARS)
					want = 0;
			}
			if (want == 0 || (we->weCnt & WIN_CNT) != have ||
			    we->weChksum != chksum) {
				want = 0;	/* an orphan piece */
				continue;
			}
			win2ucs(we, &ucs[(have - 1) * WIN_CHARS]);
			if (we->weCnt & WIN_LAST) {
				for (last = (want - 1) * WIN_CHARS, i = 0;
				    i < WIN_CHARS && ucs[last] != 0 &&
				    ucs[last] != 0xffff; i++)
					last++;
			}
			have--;
			continue;
		}
		if (dep->deAttributes & ATTR_VOLUME) {
			want = 0;
			continue;
		}
		*namelenp = 0;
		if (want != 0 && have == 0 && chksum == winChksum(dep->deName) &&
		    last > 0 && last <= WIN_MAXLEN)
			*namelenp = ucs2unix(ucs, (size_t)last, name);
		if (*namelenp == 0 || *namelenp > MAXNAMLEN)	/* no usable long name */
			*namelenp = dos2unixfn(dep->deName, dep->deLowerCase, name);
		*offp = off;
		return 0;
	}
}

/* ASCII letters match either case, as on DOS and Windows. */
static bool
name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (toupper((unsigned char)a[i]) != toupper((unsigned char)b[i]))
			return false;
	return true;
}

/*
 * Find the entry named name (its long name or its 8.3 name) in directory
 * ddep.  Copies the entry to *dep and its offset to *offp.
 */
int
msdosfs_dir_lookup(struct denode *ddep, const char *name, size_t namelen,
    struct direntry *dep, uint64_t *offp)
{
	char found[3 * WIN_MAXLEN + 1], shortname[13];
	size_t len;
	uint64_t off;
	int error;

	for (off = 0;; off += DIRENT_SIZE) {
		if ((error = msdosfs_dir_next(ddep, &off, dep, found, &len)) != 0)
			return error;
		if (name_eq(name, namelen, found, len) ||
		    name_eq(name, namelen, shortname,
		    dos2unixfn(dep->deName, 0, shortname))) {
			*offp = off;
			return 0;
		}
	}
}

/* Is the 8.3 name dosname taken in directory ddep? */
static bool
dos_taken(struct denode *ddep, const uint8_t *dosname)
{
	char found[3 * WIN_MAXLEN + 1];
	struct direntry de;
	uint64_t off;
	size_t len;

	for (off = 0; msdosfs_dir_next(ddep, &off, &de, found, &len) == 0;
	    off += DIRENT_SIZE)
		if (memcmp(de.deName, dosname, 11) == 0)
			return true;
	return false;
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
 * Find count free slots in a row in directory ddep.  A full
 * subdirectory grows by zeroed clusters; the root directory has a fixed
 * size (ENOSPC).
 */
int
msdosfs_findslot(struct denode *ddep, u_int count, uint64_t *offp)
{
	struct msdosfsmount *pmp = ddep->de_pmp;
	struct direntry de;
	u_long cn, prev;
	uint64_t off, start = 0;
	u_int run = 0;
	int error;

	for (off = 0;; off += DIRENT_SIZE) {
		error = msdosfs_dir_entry(ddep, off, &de);
		if (error == E2BIG)
			break;
		if (error != 0)
			return error;
		if (de.deName[0] == SLOT_EMPTY || de.deName[0] == SLOT_DELETED) {
			if (run++ == 0)
				start = off;
			if (run == count) {
				*offp = start;
				return 0;
			}
		} else {
			run = 0;
		}
	}
	if (isroot(ddep))
		return ENOSPC;			/* root directory full */
	if (run == 0)
		start = off;
	/* the clusters up to off are there: grow, zeroing the new ones */
	for (prev = ddep->de_StartCluster; prev != 0 &&
	    !fat_iseof(pmp, fat_get(pmp, prev)); prev = fat_get(pmp, prev))
		continue;
	if ((error = extendfile(ddep, start + count * DIRENT_SIZE)) != 0)
		return error;
	for (cn = prev != 0 ? fat_get(pmp, prev) : ddep->de_StartCluster;
	    !fat_iseof(pmp, cn); cn = fat_get(pmp, cn))
		if ((error = clearcluster(pmp, cn)) != 0)
			return error;
	*offp = start;
	return 0;
}

/*
 * Make room in directory ddep for a file named name: its short name to
 * *dosname (the name itself if it is 8.3, else a fresh alias) and *lcasep,
 * the pieces of a long name written, and *offp where the short entry goes.
 */
int
msdosfs_newentry(struct denode *ddep, const char *name, size_t namelen,
    uint8_t *dosname, uint8_t *lcasep, uint64_t *offp)
{
	uint16_t ucs[WIN_MAXLEN];
	struct winentry we;
	char back[13];
	uint64_t off;
	u_int gen, pieces, i;
	uint8_t sum;
	int n, error;
	bool fits;

	fits = unix2dosfn(name, namelen, dosname, lcasep) == 0;
	if (fits && dos2unixfn(dosname, *lcasep, back) == namelen &&
	    memcmp(back, name, namelen) == 0)
		return msdosfs_findslot(ddep, 1, offp);
	if ((n = unix2ucs(name, namelen, ucs)) <= 0)
		return EINVAL;
	*lcasep = 0;
	/* a mixed case 8.3 name is its own short name, else an alias */
	for (gen = 1; !fits; gen++) {
		if (gen > 999999)
			return EEXIST;
		unix2dosalias(name, namelen, gen, dosname);
		fits = !dos_taken(ddep, dosname);
	}
	pieces = howmany((u_int)n, WIN_CHARS);
	if ((error = msdosfs_findslot(ddep, pieces + 1, &off)) != 0)
		return error;
	sum = winChksum(dosname);
	for (i = 0; i < pieces; i++) {
		unix2winpiece(ucs, (size_t)n, pieces - i, sum, &we);
		error = msdosfs_writede(ddep, off + i * DIRENT_SIZE,
		    (const struct direntry *)&we);
		if (error != 0)
			return error;
	}
	*offp = off + pieces * DIRENT_SIZE;
	return 0;
}

/*
 * Create a new, empty entry named name with attributes attr in directory
 * ddep and return its denode.
 */
int
msdosfs_createde(struct denode *ddep, const char *name, size_t namelen,
    uint8_t attr, struct denode **depp)
{
	struct direntry new;
	struct timespec now;
	uint16_t dd, dt;
	uint64_t off;
	int error;

	memset(&new, 0, sizeof(new));
	error = msdosfs_newentry(ddep, name, namelen, new.deName,
	    &new.deLowerCase, &off);
	if (error != 0)
		return error;
	new.deAttributes = attr;
	getnanotime(&now);
	unix2dostime(&now, 0, &dd, &dt);
	putushort(new.deCTime, dt);
	putushort(new.deCDate, dd);
	putushort(new.deADate, dd);
	putushort(new.deMTime, dt);
	putushort(new.deMDate, dd);

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
