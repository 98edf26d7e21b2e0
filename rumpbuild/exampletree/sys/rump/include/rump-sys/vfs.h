/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _RUMP_SYS_VFS_H_
#define _RUMP_SYS_VFS_H_

/* rumpvfs internals */
void	rumpfs_init(void);

struct vnodeops;
int	rump_vfs_makedevnode(const char *, const struct vnodeops *, void *);

#endif /* _RUMP_SYS_VFS_H_ */
