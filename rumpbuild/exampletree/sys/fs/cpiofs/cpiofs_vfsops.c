/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * cpiofs: read-only file system on a block device holding a cpio
 * archive in the "newc" (SVR4) format.  The archive is indexed once
 * at mount time; file data is read from the device on demand.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/buf.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/module.h>
#include <sys/mount.h>
#include <sys/namei.h>
#include <sys/vnode.h>

#include <fs/cpiofs/cpiofs.h>

MODULE(MODULE_CLASS_VFS, cpiofs, NULL);

#define ALIGN4(x)	(((x) + 3) & ~(uint64_t)3)
#define CPIOFS_MAXENTS	4096

/* Read len bytes at byte offset off of the device. */
int
cpiofs_devread(struct cpiofs_mount *cm, uint64_t off, void *buf, size_t len)
{
	char *dst = buf;
	buf_t *bp;
	size_t on, n;
	int error;

	if (off + len > cm->cm_devsize || off + len < off)
		return EFTYPE;		/* archive truncated */
	while (len > 0) {
		on = (size_t)(off % DEV_BSIZE);
		n = MIN(DEV_BSIZE - on, len);
		error = bread(cm->cm_devvp, (daddr_t)(off / DEV_BSIZE),
		    DEV_BSIZE, 0, &bp);
		if (error != 0)
			return error;
		memcpy(dst, (char *)bp->b_data + on, n);
		brelse(bp, 0);
		dst += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int
hexfield(const char *p, uint32_t *vp)
{
	uint32_t v = 0;
	int i, c;

	for (i = 0; i < 8; i++) {
		c = p[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return EFTYPE;
		v = (v << 4) | (uint32_t)c;
	}
	*vp = v;
	return 0;
}

static void
cpiofs_freeents(struct cpiofs_mount *cm)
{
	size_t i;

	for (i = 0; i < cm->cm_nents; i++)
		kmem_free(cm->cm_ents[i].ce_name, cm->cm_ents[i].ce_namelen + 1);
	kmem_free(cm->cm_ents, CPIOFS_MAXENTS * sizeof(*cm->cm_ents));
}

/* Walk the archive headers and record every member. */
static int
cpiofs_scan(struct cpiofs_mount *cm)
{
	char hdr[CPIO_HDRSIZE], *name;
	uint32_t mode, size, namesize;
	uint64_t off = 0;
	struct cpio_entry *ce;
	const char *p;
	int error;

	cm->cm_ents = kmem_zalloc(CPIOFS_MAXENTS * sizeof(*cm->cm_ents),
	    KM_SLEEP);
	for (;;) {
		if ((error = cpiofs_devread(cm, off, hdr, sizeof(hdr))) != 0)
			return error;
		if (memcmp(hdr, CPIO_NEWC_MAGIC, 6) != 0 &&
		    memcmp(hdr, CPIO_NEWCRC_MAGIC, 6) != 0)
			return EFTYPE;
		if ((error = hexfield(hdr + 14, &mode)) != 0 ||
		    (error = hexfield(hdr + 54, &size)) != 0 ||
		    (error = hexfield(hdr + 94, &namesize)) != 0)
			return error;
		if (namesize == 0 || namesize > MAXPATHLEN)
			return EFTYPE;
		name = kmem_alloc(namesize, KM_SLEEP);
		error = cpiofs_devread(cm, off + CPIO_HDRSIZE, name, namesize);
		if (error != 0 || name[namesize - 1] != '\0') {
			kmem_free(name, namesize);
			return error ? error : EFTYPE;
		}
		if (strcmp(name, CPIO_TRAILER) == 0) {
			kmem_free(name, namesize);
			return 0;
		}

		/* strip "./" and "/" prefixes; skip the archive's "." */
		for (p = name; p[0] == '/' || (p[0] == '.' && p[1] == '/');)
			p += p[0] == '/' ? 1 : 2;
		if (*p != '\0' && strcmp(p, ".") != 0) {
			if (cm->cm_nents == CPIOFS_MAXENTS) {
				kmem_free(name, namesize);
				return EFBIG;
			}
			ce = &cm->cm_ents[cm->cm_nents++];
			ce->ce_name = kmem_strdup(p, KM_SLEEP);
			ce->ce_namelen = strlen(p);
			ce->ce_mode = mode;
			ce->ce_size = size;
			ce->ce_dataoff = ALIGN4(off + CPIO_HDRSIZE + namesize);
		}
		kmem_free(name, namesize);
		off = ALIGN4(ALIGN4(off + CPIO_HDRSIZE + namesize) + size);
	}
}

static int
cpiofs_mount(struct mount *mp, const char *path, void *data,
    size_t *data_len)
{
	struct cpiofs_args *args = data;
	struct cpiofs_mount *cm;
	struct vnode *devvp;
	struct vattr va;
	int error;

	if (args == NULL || *data_len < sizeof(*args) || args->fspec == NULL)
		return EINVAL;
	if ((mp->mnt_flag & MNT_RDONLY) == 0)
		mp->mnt_flag |= MNT_RDONLY;	/* read-only, always */
	if ((error = namei_simple_kernel(args->fspec, NSM_FOLLOW_NOEMULROOT,
	    &devvp)) != 0)
		return error;
	if (devvp->v_type != VBLK) {
		vrele(devvp);
		return ENOTTY;
	}
	if ((error = VOP_GETATTR(devvp, &va)) != 0) {
		vrele(devvp);
		return error;
	}

	cm = kmem_zalloc(sizeof(*cm), KM_SLEEP);
	cm->cm_devvp = devvp;
	cm->cm_devsize = (uint64_t)va.va_size;
	cm->cm_root.ce_name = __UNCONST("");
	cm->cm_root.ce_mode = CPIO_IFDIR | 0555;
	if ((error = cpiofs_scan(cm)) != 0) {
		cpiofs_freeents(cm);
		kmem_free(cm, sizeof(*cm));
		vrele(devvp);
		return error;
	}
	mp->mnt_data = cm;
	printf("cpiofs: %s: %zu archive members\n", args->fspec, cm->cm_nents);
	return 0;
}

static int
cpiofs_unmount(struct mount *mp, int mntflags)
{
	struct cpiofs_mount *cm = VFSTOCPIOFS(mp);
	size_t i;

	if (cm->cm_root.ce_vnode != NULL)
		return EBUSY;
	for (i = 0; i < cm->cm_nents; i++) {
		if (cm->cm_ents[i].ce_vnode != NULL)
			return EBUSY;
	}
	vrele(cm->cm_devvp);
	cpiofs_freeents(cm);
	kmem_free(cm, sizeof(*cm));
	mp->mnt_data = NULL;
	return 0;
}

static int
cpiofs_root(struct mount *mp, struct vnode **vpp)
{
	return cpiofs_vget(mp, &VFSTOCPIOFS(mp)->cm_root, vpp);
}

static int
cpiofs_sync(struct mount *mp, int waitfor)
{
	return 0;
}

static struct vfsops cpiofs_vfsops = {
	.vfs_name = MOUNT_CPIOFS,
	.vfs_min_mount_data = sizeof(struct cpiofs_args),
	.vfs_mount = cpiofs_mount,
	.vfs_unmount = cpiofs_unmount,
	.vfs_root = cpiofs_root,
	.vfs_sync = cpiofs_sync,
};

static int
cpiofs_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		return vfs_attach(&cpiofs_vfsops);
	case MODULE_CMD_FINI:
		return vfs_detach(&cpiofs_vfsops);
	default:
		return ENOTTY;
	}
}
