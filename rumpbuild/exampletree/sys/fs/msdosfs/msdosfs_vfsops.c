/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* msdosfs: FAT12 and FAT16 file systems on a block device. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/buf.h>
#include <sys/disk.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/module.h>
#include <sys/mount.h>
#include <sys/namei.h>
#include <sys/statvfs.h>
#include <sys/vnode.h>

#include <fs/msdosfs/msdosfsmount.h>
#include <fs/msdosfs/denode.h>
#include <fs/msdosfs/fat.h>

MODULE(MODULE_CLASS_VFS, msdos, NULL);

/* Parse the BIOS parameter block in the boot sector. */
static int
msdosfs_readbpb(struct msdosfsmount *pmp, const uint8_t *bs)
{
	uint64_t clusters, datasecs;

	if (bs[510] != 0x55 || bs[511] != 0xaa)
		return EINVAL;
	pmp->pm_BytesPerSec = getushort(&bs[11]);
	pmp->pm_SectPerClust = bs[13];
	pmp->pm_ResSectors = getushort(&bs[14]);
	pmp->pm_FATs = bs[16];
	pmp->pm_RootDirEnts = getushort(&bs[17]);
	pmp->pm_HugeSectors = getushort(&bs[19]);
	if (pmp->pm_HugeSectors == 0)
		pmp->pm_HugeSectors = getulong(&bs[32]);
	pmp->pm_FATsecs = getushort(&bs[22]);

	if (pmp->pm_BytesPerSec < DEV_BSIZE || pmp->pm_BytesPerSec > 4096 ||
	    !powerof2(pmp->pm_BytesPerSec) || pmp->pm_SectPerClust == 0 ||
	    !powerof2(pmp->pm_SectPerClust) || pmp->pm_FATs == 0 ||
	    pmp->pm_ResSectors == 0)
		return EINVAL;
	if (pmp->pm_FATsecs == 0 || pmp->pm_RootDirEnts == 0)
		return EINVAL;		/* FAT32: not supported here */

	pmp->pm_fatblk = pmp->pm_ResSectors;
	pmp->pm_rootdirblk = pmp->pm_fatblk + pmp->pm_FATs * pmp->pm_FATsecs;
	pmp->pm_rootdirsize = howmany(pmp->pm_RootDirEnts *
	    (u_int)sizeof(struct direntry), pmp->pm_BytesPerSec);
	pmp->pm_firstcluster = pmp->pm_rootdirblk + pmp->pm_rootdirsize;
	if (pmp->pm_HugeSectors <= pmp->pm_firstcluster)
		return EINVAL;
	datasecs = pmp->pm_HugeSectors - pmp->pm_firstcluster;
	clusters = datasecs / pmp->pm_SectPerClust;
	if (clusters > FAT16_MAXCLUSTERS)
		return EINVAL;
	pmp->pm_fat12 = clusters <= FAT12_MAXCLUSTERS;
	pmp->pm_fatmask = pmp->pm_fat12 ? 0xfff : 0xffff;
	pmp->pm_maxcluster = (u_long)clusters + 1;
	pmp->pm_bpcluster = pmp->pm_BytesPerSec * pmp->pm_SectPerClust;
	pmp->pm_fatsize = (size_t)pmp->pm_FATsecs * pmp->pm_BytesPerSec;
	if ((pmp->pm_fat12 ? (pmp->pm_maxcluster * 3 + 1) / 2 + 1 :
	    pmp->pm_maxcluster * 2 + 2) > pmp->pm_fatsize)
		return EINVAL;		/* FAT too small for the clusters */
	return 0;
}

static int
msdosfs_mount(struct mount *mp, const char *path, void *data,
    size_t *data_len)
{
	struct msdosfs_args *args = data;
	struct msdosfsmount *pmp;
	struct vnode *devvp;
	uint64_t psize;
	unsigned int secsize;
	u_int i;
	buf_t *bp;
	int error;

	if (args == NULL || *data_len < sizeof(*args) ||
	    args->version != MSDOSFSMNT_VERSION || args->fspec == NULL)
		return EINVAL;
	if ((error = namei_simple_kernel(args->fspec, NSM_FOLLOW_NOEMULROOT,
	    &devvp)) != 0)
		return error;
	if (devvp->v_type != VBLK) {
		vrele(devvp);
		return ENOTTY;
	}
	if ((error = getdisksize(devvp, &psize, &secsize)) != 0) {
		vrele(devvp);
		return error;
	}

	pmp = kmem_zalloc(sizeof(*pmp), KM_SLEEP);
	pmp->pm_mountp = mp;
	pmp->pm_devvp = devvp;
	pmp->pm_uid = args->uid;
	pmp->pm_gid = args->gid;
	pmp->pm_mask = args->mask & 0777;
	LIST_INIT(&pmp->pm_denodes);

	if ((error = bread(devvp, 0, DEV_BSIZE, 0, &bp)) != 0)
		goto fail;
	error = msdosfs_readbpb(pmp, bp->b_data);
	brelse(bp, 0);
	if (error != 0)
		goto fail;
	if (pmp->pm_HugeSectors * pmp->pm_BytesPerSec > psize * secsize) {
		error = EINVAL;		/* file system larger than the disk */
		goto fail;
	}

	pmp->pm_fat = kmem_alloc(pmp->pm_fatsize, KM_SLEEP);
	for (i = 0; i < pmp->pm_FATsecs; i++) {
		error = bread(devvp, de_bn2kb(pmp, pmp->pm_fatblk + i),
		    (int)pmp->pm_BytesPerSec, 0, &bp);
		if (error != 0)
			goto fail;
		memcpy(pmp->pm_fat + i * pmp->pm_BytesPerSec, bp->b_data,
		    pmp->pm_BytesPerSec);
		brelse(bp, 0);
	}
	pmp->pm_nxtfree = CLUST_FIRST;

	pmp->pm_rootdep = kmem_zalloc(sizeof(struct denode), KM_SLEEP);
	pmp->pm_rootdep->de_pmp = pmp;
	pmp->pm_rootdep->de_Attributes = ATTR_DIRECTORY;
	pmp->pm_rootdep->de_StartCluster = MSDOSFSROOT;

	mp->mnt_data = pmp;
	printf("msdosfs: %s: FAT%d, %u byte sectors, %lu clusters of %u "
	    "bytes\n", args->fspec, pmp->pm_fat12 ? 12 : 16,
	    pmp->pm_BytesPerSec, pmp->pm_maxcluster - 1, pmp->pm_bpcluster);
	return 0;

 fail:
	if (pmp->pm_fat != NULL)
		kmem_free(pmp->pm_fat, pmp->pm_fatsize);
	kmem_free(pmp, sizeof(*pmp));
	vrele(devvp);
	return error;
}

static int
msdosfs_sync(struct mount *mp, int waitfor)
{
	struct msdosfsmount *pmp = VFSTOMSDOSFS(mp);
	struct denode *dep;
	int error, allerror = 0;

	LIST_FOREACH(dep, &pmp->pm_denodes, de_entries) {
		if ((error = deupdat(dep)) != 0)
			allerror = error;
	}
	if ((error = fat_flush(pmp)) != 0)
		allerror = error;
	if ((error = VOP_FSYNC(pmp->pm_devvp)) != 0)
		allerror = error;
	return allerror;
}

static int
msdosfs_unmount(struct mount *mp, int mntflags)
{
	struct msdosfsmount *pmp = VFSTOMSDOSFS(mp);
	int error;

	if ((!LIST_EMPTY(&pmp->pm_denodes) ||
	    pmp->pm_rootdep->de_vnode != NULL) && (mntflags & MNT_FORCE) == 0)
		return EBUSY;
	if ((error = msdosfs_sync(mp, 1)) != 0)
		return error;
	vrele(pmp->pm_devvp);
	kmem_free(pmp->pm_fat, pmp->pm_fatsize);
	kmem_free(pmp->pm_rootdep, sizeof(struct denode));
	kmem_free(pmp, sizeof(*pmp));
	mp->mnt_data = NULL;
	return 0;
}

static int
msdosfs_root(struct mount *mp, struct vnode **vpp)
{
	struct msdosfsmount *pmp = VFSTOMSDOSFS(mp);
	struct denode *dep = pmp->pm_rootdep;
	struct vnode *vp;
	int error;

	if (dep->de_vnode != NULL) {
		vref(dep->de_vnode);
		*vpp = dep->de_vnode;
		return 0;
	}
	if ((error = getnewvnode(mp, &msdosfs_vnodeops, dep, &vp)) != 0)
		return error;
	vp->v_type = VDIR;
	vp->v_vflag |= VV_ROOT;
	dep->de_vnode = vp;
	*vpp = vp;
	return 0;
}

/* Sizes in clusters; free ones are counted in the in-core FAT. */
static int
msdosfs_statvfs(struct mount *mp, struct statvfs *sbp)
{
	struct msdosfsmount *pmp = VFSTOMSDOSFS(mp);
	u_long cn, nfree = 0;

	for (cn = CLUST_FIRST; cn <= pmp->pm_maxcluster; cn++)
		if (fat_get(pmp, cn) == CLUST_FREE)
			nfree++;
	sbp->f_bsize = sbp->f_frsize = sbp->f_iosize = pmp->pm_bpcluster;
	sbp->f_blocks = pmp->pm_maxcluster - 1;
	sbp->f_bfree = sbp->f_bavail = nfree;
	sbp->f_files = pmp->pm_RootDirEnts;	/* the fixed root's slots */
	sbp->f_ffree = sbp->f_favail = 0;
	sbp->f_namemax = WIN_MAXLEN;
	return 0;
}

static struct vfsops msdosfs_vfsops = {
	.vfs_name = MOUNT_MSDOS,
	.vfs_min_mount_data = sizeof(struct msdosfs_args),
	.vfs_mount = msdosfs_mount,
	.vfs_unmount = msdosfs_unmount,
	.vfs_root = msdosfs_root,
	.vfs_sync = msdosfs_sync,
	.vfs_statvfs = msdosfs_statvfs,
};

static int
msdos_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		return vfs_attach(&msdosfs_vfsops);
	case MODULE_CMD_FINI:
		return vfs_detach(&msdosfs_vfsops);
	default:
		return ENOTTY;
	}
}
