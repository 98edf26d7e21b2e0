/*
 * rump_zfs: what rump_util.c (built with RBU_ZFS=1) calls in zfs_util.c.
 *
 * Copyright (c) 2026 The rumpbuild authors.  BSD-2-Clause.
 */
#ifndef RBU_ZFS_UTIL_H
#define RBU_ZFS_UTIL_H

#include <stdio.h>

int	rbu_zfs_is_admin(const char *);			/* "zpool" or "zfs" */
int	rbu_zfs_operands(char **, int, const char *, const char *, FILE *);	/* IMAGE..., POOL[/DATASET],
									   MOUNTPOINT or NULL: 0 or -1 */
int	rbu_zfs_admin(char **, int, int, char **, FILE *, FILE *);	/* zpool/zfs: the exit status */
int	rbu_zfs_import(void);		/* after rump_init: register the images, import the pool */
int	rbu_zfs_export(void);		/* after the unmount */
void	rbu_zfs_usage(FILE *);

#endif /* RBU_ZFS_UTIL_H */
