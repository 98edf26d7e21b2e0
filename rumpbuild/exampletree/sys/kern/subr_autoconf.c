/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* A tiny device registry: enough to show which drivers attached. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/device.h>

#define MAXDEV	16

static struct {
	char	name[16];
	int	unit;
} alldevs[MAXDEV];
static int ndevs;

void
config_init(void)
{
	ndevs = 0;
}

int
config_pseudo_attach(const char *name, int unit)
{
	if (ndevs == MAXDEV)
		return ENOMEM;
	strlcpy(alldevs[ndevs].name, name, sizeof(alldevs[ndevs].name));
	alldevs[ndevs].unit = unit;
	ndevs++;
	printf("%s%d at root\n", name, unit);
	return 0;
}

int
config_ndevices(void)
{
	return ndevs;
}
