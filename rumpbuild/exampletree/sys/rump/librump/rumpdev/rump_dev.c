/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* The device faction: initialises autoconf, then the DEV components. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>

#include <rump-sys/kern.h>

RUMP_COMPONENT(RUMP__FACTION_DEV)
{
	config_init();
	rump_component_init(RUMP_COMPONENT_DEV);
}
