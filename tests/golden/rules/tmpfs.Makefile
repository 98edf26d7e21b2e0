# Copyright (c) 2026 The rumpbuild authors
# SPDX-License-Identifier: BSD-2-Clause

.PATH:	${.CURDIR}/../../../../fs/tmpfs

LIB=	rumpfs_tmpfs
COMMENT=tmpfs (file system in memory)

SRCS=	tmpfs_vfsops.c tmpfs_vnops.c \
	tmpfs_subr.c

CPPFLAGS+=	-DTMPFS_EXAMPLE

.include <bsd.lib.mk>
.include <bsd.klinks.mk>
