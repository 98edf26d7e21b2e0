/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _MSDOSFS_MSDOSFSMOUNT_H_
#define _MSDOSFS_MSDOSFSMOUNT_H_

#ifdef _KERNEL
#include <sys/types.h>
#include <sys/queue.h>
#else
#include <stdint.h>
#endif

/* Mount arguments; the block device's name (an etfs key) comes first. */
#define MSDOSFSMNT_VERSION	3

struct msdosfs_args {
	char		*fspec;		/* block special device */
	uint32_t	uid;		/* owner of all files */
	uint32_t	gid;
	uint32_t	mask;		/* file permission mask */
	int		flags;		/* MSDOSFSMNT_* */
	int		version;	/* MSDOSFSMNT_VERSION */
	uint32_t	dirmask;	/* directory permission mask */
	int		gmtoff;		/* seconds east of UTC */
};

#define MSDOSFSMNT_SHORTNAME	0x01
#define MSDOSFSMNT_LONGNAME	0x02

#ifdef _KERNEL
struct denode;
struct vnode;
struct mount;

struct msdosfsmount {
	struct mount	*pm_mountp;
	struct vnode	*pm_devvp;	/* the block device */
	u_int		pm_BytesPerSec;
	u_int		pm_SectPerClust;
	u_int		pm_ResSectors;
	u_int		pm_FATs;
	u_int		pm_RootDirEnts;
	u_int		pm_FATsecs;	/* sectors per FAT */
	uint64_t	pm_HugeSectors;	/* sectors in the file system */
	u_int		pm_fatblk;	/* first sector of the first FAT */
	u_int		pm_rootdirblk;	/* first sector of the root dir */
	u_int		pm_rootdirsize;	/* in sectors */
	u_int		pm_firstcluster; /* sector of cluster 2 */
	u_long		pm_maxcluster;	/* highest valid cluster number */
	u_long		pm_fatmask;	/* 0xfff or 0xffff */
	int		pm_fat12;
	u_int		pm_bpcluster;	/* bytes per cluster */
	u_char		*pm_fat;	/* in-core copy of the FAT */
	size_t		pm_fatsize;
	int		pm_fatdirty;
	u_long		pm_nxtfree;	/* where to start looking */
	uint32_t	pm_uid, pm_gid, pm_mask;
	struct denode	*pm_rootdep;
	LIST_HEAD(, denode) pm_denodes;	/* active denodes */
};

#define VFSTOMSDOSFS(mp)	((struct msdosfsmount *)(mp)->mnt_data)

/* sector number in the file system -> DEV_BSIZE block number */
#define de_bn2kb(pmp, sec) \
	((daddr_t)(sec) * ((pmp)->pm_BytesPerSec / DEV_BSIZE))
#define cntobn(pmp, cn) \
	((pmp)->pm_firstcluster + ((cn) - 2) * (pmp)->pm_SectPerClust)
#endif /* _KERNEL */

#endif /* !_MSDOSFS_MSDOSFSMOUNT_H_ */
