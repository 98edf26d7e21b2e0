# Copyright (c) 2026 The rumpbuild authors
# SPDX-License-Identifier: BSD-2-Clause

.PATH:	${.CURDIR}/../../../../fs/msdosfs

LIB=	rumpfs_msdos
COMMENT=FAT12/FAT16 file system

SRCS=	msdosfs_vfsops.c msdosfs_vnops.c msdosfs_denode.c	\
	msdosfs_lookup.c
SRCS+=	msdosfs_fat.c msdosfs_conv.c

CPPFLAGS+=	-DMSDOSFS_NO_LONGNAMES

# the FAT code is not speed critical; keep it easy to debug
COPTS.msdosfs_fat.c+=	-O1

.include <bsd.lib.mk>
.include <bsd.klinks.mk>
