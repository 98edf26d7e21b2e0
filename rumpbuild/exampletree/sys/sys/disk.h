/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_DISK_H_
#define _SYS_DISK_H_

#include <sys/types.h>

struct vnode;

/* Provided by the rumpdev_disk component. */
int	getdisksize(struct vnode *, uint64_t *, unsigned int *);

#endif /* !_SYS_DISK_H_ */
