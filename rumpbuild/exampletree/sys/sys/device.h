/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_DEVICE_H_
#define _SYS_DEVICE_H_

/* A very small device registry (rumpdev). */
int	config_pseudo_attach(const char *, int);
int	config_ndevices(void);
void	config_init(void);

#endif /* !_SYS_DEVICE_H_ */
