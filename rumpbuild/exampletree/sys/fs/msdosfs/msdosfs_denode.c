/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* In-core directory entries ("denodes") and their vnodes. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/buf.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/mount.h>
#include <sys/vnode.h>

#include <fs/msdosfs/msdosfsmount.h>
#include <fs/msdosfs/denode.h>
#include <fs/msdosfs/fat.h>

/*
 * Return the denode, with a referenced vnode, for the entry at offset
 * diroff of the directory starting at cluster dirclust.  A denode that
 * is already active is reused, so a file has a single vnode.
 */
int
deget(struct msdosfsmount *pmp, u_long dirclust, uint64_t diroff,
    const struct direntry *direntp, struct denode **depp)
{
	struct denode *dep;
	struct vnode *vp;
	int error;

	LIST_FOREACH(dep, &pmp->pm_denodes, de_entries) {
		if (dep->de_dirclust == dirclust &&
		    dep->de_diroffset == diroff) {
			vref(dep->de_vnode);
			*depp = dep;
			return 0;
		}
	}

	dep = kmem_zalloc(sizeof(*dep), KM_SLEEP);
	dep->de_pmp = pmp;
	dep->de_dirclust = dirclust;
	dep->de_diroffset = diroff;
	memcpy(dep->de_Name, direntp->deName, 11);
	dep->de_Attributes = direntp->deAttributes;
	dep->de_LowerCase = direntp->deLowerCase;
	dep->de_StartCluster = getushort(direntp->deStartCluster);
	dep->de_FileSize = getulong(direntp->deFileSize);
	dep->de_MTime = getushort(direntp->deMTime);
	dep->de_MDate = getushort(direntp->deMDate);

	error = getnewvnode(pmp->pm_mountp, &msdosfs_vnodeops, dep, &vp);
	if (error != 0) {
		kmem_free(dep, sizeof(*dep));
		return error;
	}
	vp->v_type = (dep->de_Attributes & ATTR_DIRECTORY) ? VDIR : VREG;
	dep->de_vnode = vp;
	LIST_INSERT_HEAD(&pmp->pm_denodes, dep, de_entries);
	*depp = dep;
	return 0;
}

/* Write the denode's directory entry back to disk if it changed. */
int
deupdat(struct denode *dep)
{
	struct msdosfsmount *pmp = dep->de_pmp;
	struct direntry *de;
	struct timespec now;
	u_int sec, avail;
	buf_t *bp;
	int error;

	if ((dep->de_flag & DE_MODIFIED) == 0 || (dep->de_flag & DE_REMOVED))
		return 0;
	if (dep == pmp->pm_rootdep)
		return 0;		/* the root has no entry */

	error = pcbmap(pmp, dep->de_dirclust, dep->de_dirclust == MSDOSFSROOT,
	    dep->de_diroffset, &sec, &avail);
	if (error != 0)
		return error;
	error = bread(pmp->pm_devvp, de_bn2kb(pmp, sec),
	    (int)pmp->pm_BytesPerSec, 0, &bp);
	if (error != 0)
		return error;
	de = (struct direntry *)((char *)bp->b_data +
	    dep->de_diroffset % pmp->pm_BytesPerSec);

	if (dep->de_flag & DE_UPDATE) {
		getnanotime(&now);
		unix2dostime(&now, 0, &dep->de_MDate, &dep->de_MTime);
	}
	de_fillentry(dep, de);
	if ((error = bwrite(bp)) == 0)
		dep->de_flag &= ~(DE_MODIFIED | DE_UPDATE);
	return error;
}

/* Cluster number deget() files entries of directory ddep under. */
u_long
de_dirclust(struct denode *ddep)
{
	return ddep == ddep->de_pmp->pm_rootdep ? MSDOSFSROOT :
	    ddep->de_StartCluster;
}

/* Copy the in-core fields of dep into its on-disk entry *de. */
void
de_fillentry(const struct denode *dep, struct direntry *de)
{
	memcpy(de->deName, dep->de_Name, 11);
	de->deAttributes = dep->de_Attributes;
	if ((dep->de_Attributes & ATTR_DIRECTORY) == 0)
		de->deAttributes |= ATTR_ARCHIVE;
	de->deLowerCase = dep->de_LowerCase;
	putushort(de->deStartCluster, dep->de_StartCluster);
	putulong(de->deFileSize, dep->de_FileSize);
	putushort(de->deMTime, dep->de_MTime);
	putushort(de->deMDate, dep->de_MDate);
}

/* Shorten dep to length bytes, freeing the clusters past the end. */
int
detrunc(struct denode *dep, uint64_t length)
{
	struct msdosfsmount *pmp = dep->de_pmp;
	u_long cn, next, keep, n;

	KASSERT(length <= dep->de_FileSize);
	keep = (u_long)howmany(length, pmp->pm_bpcluster);
	cn = dep->de_StartCluster;
	if (keep == 0) {
		dep->de_StartCluster = 0;
	} else {
		for (n = 1; n < keep && !fat_iseof(pmp, cn); n++)
			cn = fat_get(pmp, cn);
		if (fat_iseof(pmp, cn))
			return EIO;	/* chain shorter than the file */
		next = fat_get(pmp, cn);
		fat_set(pmp, cn, CLUST_EOFE);
		cn = next;
	}
	/* bounded: a damaged FAT must not loop us forever */
	for (n = 0; !fat_iseof(pmp, cn) && cn <= pmp->pm_maxcluster &&
	    n < pmp->pm_maxcluster; n++) {
		next = fat_get(pmp, cn);
		fat_set(pmp, cn, CLUST_FREE);
		cn = next;
	}
	dep->de_FileSize = (uint32_t)length;
	dep->de_flag |= DE_MODIFIED | DE_UPDATE;
	return 0;
}
