/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_NAMEI_H_
#define _SYS_NAMEI_H_

#include <sys/types.h>
#include <sys/vnode.h>

enum nameiop { LOOKUP, CREATE, DELETE };

struct nameidata {
	const char		*ni_dirp;	/* absolute path */
	enum nameiop		ni_op;
	struct vnode		*ni_dvp;	/* CREATE, DELETE: parent, referenced */
	struct vnode		*ni_vp;		/* result, referenced or NULL */
	struct componentname	ni_cnd;		/* CREATE, DELETE: last component */
};

#define NSM_FOLLOW_NOEMULROOT	0

int	namei(struct nameidata *);
int	namei_simple_kernel(const char *, int, struct vnode **);

#endif /* !_SYS_NAMEI_H_ */
