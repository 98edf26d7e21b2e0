/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _MSDOSFS_FAT_H_
#define _MSDOSFS_FAT_H_

#define MSDOSFSROOT	0		/* cluster "number" of the root dir */
#define CLUST_FREE	0
#define CLUST_FIRST	2
#define CLUST_RSRVD	0xfff6UL	/* start of reserved values (masked) */
#define CLUST_BAD	0xfff7UL
#define CLUST_EOFS	0xfff8UL	/* start of end-of-chain markers */
#define CLUST_EOFE	0xffffUL

#define FAT12_MAXCLUSTERS	4084	/* more than this is FAT16 */
#define FAT16_MAXCLUSTERS	65524

struct msdosfsmount;
struct denode;

u_long	fat_get(struct msdosfsmount *, u_long);
void	fat_set(struct msdosfsmount *, u_long, u_long);
bool	fat_iseof(struct msdosfsmount *, u_long);
int	fat_flush(struct msdosfsmount *);
int	pcbmap(struct msdosfsmount *, u_long, bool, uint64_t, u_int *,
	    u_int *);
int	extendfile(struct denode *, uint64_t);

#endif /* !_MSDOSFS_FAT_H_ */
