/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _FS_CPIOFS_CPIOFS_H_
#define _FS_CPIOFS_CPIOFS_H_

#ifdef _KERNEL
#include <sys/types.h>
#else
#include <stdint.h>
#endif

/* Mount arguments: the block device holding a "newc" cpio archive. */
struct cpiofs_args {
	char	*fspec;
};

#ifdef _KERNEL
#define CPIO_NEWC_MAGIC		"070701"
#define CPIO_NEWCRC_MAGIC	"070702"
#define CPIO_HDRSIZE		110
#define CPIO_TRAILER		"TRAILER!!!"

#define CPIO_IFMT	0170000
#define CPIO_IFDIR	0040000
#define CPIO_IFREG	0100000

struct vnode;

struct cpio_entry {
	char		*ce_name;	/* path inside the archive, no "./" */
	size_t		ce_namelen;
	uint32_t	ce_mode;
	uint64_t	ce_size;
	uint64_t	ce_dataoff;	/* byte offset of the file data */
	struct vnode	*ce_vnode;
};

struct cpiofs_mount {
	struct vnode		*cm_devvp;
	uint64_t		cm_devsize;
	struct cpio_entry	*cm_ents;
	size_t			cm_nents;
	struct cpio_entry	cm_root;
};

#define VFSTOCPIOFS(mp)	((struct cpiofs_mount *)(mp)->mnt_data)

extern const struct vnodeops cpiofs_vnodeops;

int	cpiofs_devread(struct cpiofs_mount *, uint64_t, void *, size_t);
int	cpiofs_vget(struct mount *, struct cpio_entry *, struct vnode **);
#endif /* _KERNEL */

#endif /* !_FS_CPIOFS_CPIOFS_H_ */
