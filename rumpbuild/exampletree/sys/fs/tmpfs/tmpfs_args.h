/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _FS_TMPFS_TMPFS_ARGS_H_
#define _FS_TMPFS_TMPFS_ARGS_H_

#ifdef _KERNEL
#include <sys/types.h>
#else
#include <stdint.h>
#endif

/*
 * Mount arguments for tmpfs.  Field names as in NetBSD; the types are
 * fixed-width so that host programs and the kernel agree on the layout.
 */
#define TMPFS_ARGS_VERSION	1

struct tmpfs_args {
	int		ta_version;
	uint64_t	ta_nodes_max;	/* 0: no limit */
	int64_t		ta_size_max;	/* bytes; 0: no limit */
	uint32_t	ta_root_uid;
	uint32_t	ta_root_gid;
	uint32_t	ta_root_mode;
};

#endif /* _FS_TMPFS_TMPFS_ARGS_H_ */
