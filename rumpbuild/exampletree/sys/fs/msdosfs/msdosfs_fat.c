/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * The file allocation table.  The whole FAT is kept in memory while
 * mounted and written back to every FAT copy by fat_flush().
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/buf.h>
#include <sys/errno.h>

#include <fs/msdosfs/msdosfsmount.h>
#include <fs/msdosfs/denode.h>
#include <fs/msdosfs/fat.h>

u_long
fat_get(struct msdosfsmount *pmp, u_long cn)
{
	u_long v;

	KASSERT(cn <= pmp->pm_maxcluster);
	if (pmp->pm_fat12) {
		v = getushort(&pmp->pm_fat[cn + cn / 2]);
		return (cn & 1) ? v >> 4 : v & 0xfff;
	}
	return getushort(&pmp->pm_fat[cn * 2]);
}

void
fat_set(struct msdosfsmount *pmp, u_long cn, u_long v)
{
	u_char *p;

	KASSERT(cn >= CLUST_FIRST && cn <= pmp->pm_maxcluster);
	v &= pmp->pm_fatmask;
	if (pmp->pm_fat12) {
		p = &pmp->pm_fat[cn + cn / 2];
		if (cn & 1) {
			p[0] = (u_char)((p[0] & 0x0f) | ((v << 4) & 0xf0));
			p[1] = (u_char)(v >> 4);
		} else {
			p[0] = (u_char)v;
			p[1] = (u_char)((p[1] & 0xf0) | ((v >> 8) & 0x0f));
		}
	} else {
		putushort(&pmp->pm_fat[cn * 2], v);
	}
	pmp->pm_fatdirty = 1;
}

bool
fat_iseof(struct msdosfsmount *pmp, u_long v)
{
	return v >= (CLUST_EOFS & pmp->pm_fatmask) || v < CLUST_FIRST;
}

int
fat_flush(struct msdosfsmount *pmp)
{
	u_int fat, sec, bps = pmp->pm_BytesPerSec;
	buf_t *bp;
	int error;

	if (!pmp->pm_fatdirty)
		return 0;
	for (fat = 0; fat < pmp->pm_FATs; fat++) {
		for (sec = 0; sec < pmp->pm_FATsecs; sec++) {
			bp = getblk(pmp->pm_devvp, de_bn2kb(pmp,
			    pmp->pm_fatblk + fat * pmp->pm_FATsecs + sec),
			    (int)bps, 0, 0);
			memcpy(bp->b_data, pmp->pm_fat + sec * bps, bps);
			if ((error = bwrite(bp)) != 0)
				return error;
		}
	}
	pmp->pm_fatdirty = 0;
	return 0;
}

/*
 * Map byte offset off of the file or directory starting at cluster
 * start (or of the fixed root directory) to a sector.  *availp is set
 * to the number of bytes left in that sector's cluster.  Returns
 * E2BIG when off lies beyond the allocated clusters.
 */
int
pcbmap(struct msdosfsmount *pmp, u_long start, bool isroot, uint64_t off,
    u_int *secp, u_int *availp)
{
	uint64_t idx;
	u_long cn;

	if (isroot) {
		if (off >= (uint64_t)pmp->pm_rootdirsize * pmp->pm_BytesPerSec)
			return E2BIG;
		*secp = pmp->pm_rootdirblk + (u_int)(off / pmp->pm_BytesPerSec);
		*availp = pmp->pm_BytesPerSec -
		    (u_int)(off % pmp->pm_BytesPerSec);
		return 0;
	}
	cn = start;
	for (idx = off / pmp->pm_bpcluster; idx > 0; idx--) {
		if (fat_iseof(pmp, cn))
			return E2BIG;
		cn = fat_get(pmp, cn);
	}
	if (fat_iseof(pmp, cn) || cn > pmp->pm_maxcluster)
		return E2BIG;
	off %= pmp->pm_bpcluster;
	*secp = cntobn(pmp, cn) + (u_int)(off / pmp->pm_BytesPerSec);
	*availp = pmp->pm_bpcluster - (u_int)off;
	return 0;
}

static int
clusteralloc(struct msdosfsmount *pmp, u_long *cnp)
{
	u_long cn, n, span = pmp->pm_maxcluster - CLUST_FIRST + 1;

	for (n = 0; n < span; n++) {
		cn = CLUST_FIRST + (pmp->pm_nxtfree - CLUST_FIRST + n) % span;
		if (fat_get(pmp, cn) == CLUST_FREE) {
			fat_set(pmp, cn, CLUST_EOFE);
			pmp->pm_nxtfree = cn + 1 > pmp->pm_maxcluster ?
			    CLUST_FIRST : cn + 1;
			*cnp = cn;
			return 0;
		}
	}
	return ENOSPC;
}

/* Grow the cluster chain of dep so that it holds at least size bytes. */
int
extendfile(struct denode *dep, uint64_t size)
{
	struct msdosfsmount *pmp = dep->de_pmp;
	u_long last = 0, cn, have = 0, need;
	int error;

	need = (u_long)howmany(size, pmp->pm_bpcluster);
	if (dep->de_StartCluster != 0) {
		for (cn = dep->de_StartCluster; !fat_iseof(pmp, cn);
		    cn = fat_get(pmp, cn)) {
			last = cn;
			have++;
		}
	}
	for (; have < need; have++) {
		if ((error = clusteralloc(pmp, &cn)) != 0)
			return error;
		if (last == 0) {
			dep->de_StartCluster = cn;
			dep->de_flag |= DE_MODIFIED;
		} else {
			fat_set(pmp, last, cn);
		}
		last = cn;
	}
	return 0;
}
