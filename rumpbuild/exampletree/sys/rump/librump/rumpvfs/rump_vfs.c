/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* The VFS faction: sets up the root file system, then VFS components. */
#include <sys/param.h>
#include <sys/systm.h>

#include <rump-sys/kern.h>
#include <rump-sys/vfs.h>

RUMP_COMPONENT(RUMP__FACTION_VFS)
{
	rumpfs_init();
	rump_component_init(RUMP_COMPONENT_VFS);
	if (rump_verbose)
		printf("rumpvfs: root file system ready, %d vfs components\n",
		    rump_component_count(RUMP_COMPONENT_VFS));
}
