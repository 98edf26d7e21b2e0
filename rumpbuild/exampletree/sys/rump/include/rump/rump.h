/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _RUMP_RUMP_H_
#define _RUMP_RUMP_H_

#include <sys/types.h>
#include <rump/rumpdefs.h>

enum rump_etfs_type {
	RUMP_ETFS_REG,
	RUMP_ETFS_BLK,
	RUMP_ETFS_CHR,
	RUMP_ETFS_DIR,
	RUMP_ETFS_DIR_SUBDIRS
};

#ifdef __cplusplus
extern "C" {
#endif

int	rump_init(void);
int	rump_nativeabi_p(void);
const char *rump_pub_version(void);

/* etfs: make a host file visible in the rump kernel's namespace */
int	rump_pub_etfs_register(const char *, const char *,
	    enum rump_etfs_type);
int	rump_pub_etfs_remove(const char *);

#ifdef __cplusplus
}
#endif

#endif /* _RUMP_RUMP_H_ */
