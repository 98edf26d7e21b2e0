/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _MSDOSFS_DENODE_H_
#define _MSDOSFS_DENODE_H_

#include <sys/types.h>
#include <sys/queue.h>

/* On-disk directory entry, 32 bytes. */
struct direntry {
	uint8_t		deName[11];	/* 8.3, space padded */
	uint8_t		deAttributes;
	uint8_t		deLowerCase;	/* NT: base/ext in lower case */
	uint8_t		deCHundredth;
	uint8_t		deCTime[2];
	uint8_t		deCDate[2];
	uint8_t		deADate[2];
	uint8_t		deHighClust[2];	/* FAT32 only */
	uint8_t		deMTime[2];
	uint8_t		deMDate[2];
	uint8_t		deStartCluster[2];
	uint8_t		deFileSize[4];
};

/* A piece of a long (Windows 95) name: 13 UCS-2 characters. */
struct winentry {
	uint8_t		weCnt;		/* piece number; WIN_LAST on the last */
	uint8_t		wePart1[10];
	uint8_t		weAttributes;	/* ATTR_WIN95 */
	uint8_t		weReserved1;
	uint8_t		weChksum;	/* winChksum() of the short name */
	uint8_t		wePart2[12];
	uint8_t		weReserved2[2];
	uint8_t		wePart3[4];
};

#define WIN_LAST	0x40
#define WIN_CNT		0x3f
#define WIN_CHARS	13		/* characters in one piece */
#define WIN_MAXLEN	255		/* characters in a long name */

#define SLOT_EMPTY	0x00		/* this and all later slots unused */
#define SLOT_DELETED	0xe5
#define ATTR_READONLY	0x01
#define ATTR_HIDDEN	0x02
#define ATTR_SYSTEM	0x04
#define ATTR_VOLUME	0x08
#define ATTR_DIRECTORY	0x10
#define ATTR_ARCHIVE	0x20
#define ATTR_WIN95	0x0f		/* long name piece */
#define LCASE_BASE	0x08
#define LCASE_EXT	0x10

#define getushort(p)	((uint16_t)((p)[0] | ((p)[1] << 8)))
#define getulong(p)	((uint32_t)((p)[0] | ((p)[1] << 8) |		\
			    ((p)[2] << 16) | ((uint32_t)(p)[3] << 24)))
#define putushort(p, v)	do {						\
	(p)[0] = (uint8_t)(v); (p)[1] = (uint8_t)((v) >> 8);		\
} while (0)
#define putulong(p, v)	do {						\
	(p)[0] = (uint8_t)(v); (p)[1] = (uint8_t)((v) >> 8);		\
	(p)[2] = (uint8_t)((v) >> 16); (p)[3] = (uint8_t)((v) >> 24);	\
} while (0)

struct msdosfsmount;
struct vnode;
struct timespec;

/* In-core directory entry of an active file. */
struct denode {
	LIST_ENTRY(denode)	de_entries;
	struct msdosfsmount	*de_pmp;
	struct vnode		*de_vnode;
	u_long			de_dirclust;	/* directory holding the entry */
	uint64_t		de_diroffset;	/* entry's offset in it */
	uint8_t			de_Name[11];
	uint8_t			de_Attributes;
	uint8_t			de_LowerCase;
	u_long			de_StartCluster;
	uint32_t		de_FileSize;
	uint16_t		de_MTime, de_MDate;
	int			de_flag;
};

#define DE_MODIFIED	0x0001		/* entry must be written back */
#define DE_UPDATE	0x0002		/* ... with the time of now as mtime */
#define DE_REMOVED	0x0004		/* entry is gone: never write it */

/* Inode numbers: the root is 1, others by where their entry is. */
#define MSDOSFS_ROOTINO	1
#define DETOINO(dirclust, diroff) \
	(((uint64_t)(dirclust) << 32) + (diroff) / sizeof(struct direntry) + 2)

#define VTODE(vp)	((struct denode *)(vp)->v_data)

extern const struct vnodeops msdosfs_vnodeops;

int	deget(struct msdosfsmount *, u_long, uint64_t, const struct direntry *,
	    struct denode **);
int	deupdat(struct denode *);
int	msdosfs_dir_next(struct denode *, uint64_t *, struct direntry *,
	    char *, size_t *);
int	msdosfs_dir_lookup(struct denode *, const char *, size_t,
	    struct direntry *, uint64_t *);
int	msdosfs_newentry(struct denode *, const char *, size_t, uint8_t *,
	    uint8_t *, uint64_t *);
int	msdosfs_createde(struct denode *, const char *, size_t, uint8_t,
	    struct denode **);
int	msdosfs_dir_entry(struct denode *, uint64_t, struct direntry *);
int	msdosfs_findslot(struct denode *, u_int, uint64_t *);
int	msdosfs_writede(struct denode *, uint64_t, const struct direntry *);
int	msdosfs_removede(struct denode *, struct denode *);
int	msdosfs_dirempty(struct denode *);
int	detrunc(struct denode *, uint64_t);
void	de_fillentry(const struct denode *, struct direntry *);
u_long	de_dirclust(struct denode *);

int	unix2dosfn(const char *, size_t, uint8_t *, uint8_t *);
void	unix2dostime(const struct timespec *, int, uint16_t *, uint16_t *);
size_t	dos2unixfn(const uint8_t *, uint8_t, char *);
void	unix2dosalias(const char *, size_t, u_int, uint8_t *);
uint8_t	winChksum(const uint8_t *);
int	unix2ucs(const char *, size_t, uint16_t *);
size_t	ucs2unix(const uint16_t *, size_t, char *);
void	unix2winpiece(const uint16_t *, size_t, u_int, uint8_t,
	    struct winentry *);
void	win2ucs(const struct winentry *, uint16_t *);
void	dos2unixtime(uint16_t, uint16_t, int, struct timespec *);

#endif /* !_MSDOSFS_DENODE_H_ */
