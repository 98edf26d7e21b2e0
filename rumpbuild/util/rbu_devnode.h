/*
 * A block device node for an image, on a tmpfs of its own: shared by the
 * smoke test (rumptest.c -D) and rump_<fs> (RBU_DEVICE_DIR), for file
 * systems that must not read their device through rumpfs's etfs node
 * (filesystems.toml `device_dir`: NetBSD 7's nilfs reads its superblock in
 * the device vnode's file-system blocks, 512 bytes on rumpfs, and copies it
 * from past the end of what it read; tmpfs's page-sized blocks cover it).
 *
 * Host code, rump_sys_* calls only.  Each function returns 0, or -1 with
 * errno set and *why naming the step that failed.
 *
 * Copyright (c) 2026 The rumpbuild authors.  BSD-2-Clause.
 */
#ifndef RBU_DEVNODE_H
#define RBU_DEVNODE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

/* the tree's tmpfs arguments (mountargs.c.j2 with func=rumpbuild_tmpfs_mountargs), where linked in */
int rumpbuild_tmpfs_mountargs(const char *, void *, unsigned long *) __attribute__((weak));

/* Mount a tmpfs at *dir*, made first if need be. */
static inline int
rbu_mount_tmpfs(const char *dir, const char **why)
{
	unsigned char args[1024];
	unsigned long alen = sizeof(args);

	if (!rumpbuild_tmpfs_mountargs || rumpbuild_tmpfs_mountargs("", args, &alen) != 0) {
		*why = "no tmpfs mount arguments linked in";
		errno = ENOSYS;
		return -1;
	}
	if (rump_sys_mkdir(dir, 0777) == -1 && errno != EEXIST) {
		*why = "mkdir";
		return -1;
	}
	if (rump_sys_mount("tmpfs", dir, 0, args, alen) == -1) {
		*why = "mounting tmpfs";
		return -1;
	}
	return 0;
}

/*
 * Make *path* a block device node for the same device as *key*.  The stat
 * buffer has NetBSD's struct stat layout (st_dev, st_mode, st_ino, st_nlink,
 * st_uid, st_gid, st_rdev), with the host compiler's alignment, which is the
 * same arch's.
 */
static inline int
rbu_same_device(const char *key, const char *path, const char **why)
{
	struct {
		uint64_t dev;
		uint32_t mode;
		uint64_t ino;
		uint32_t nlink, uid, gid;
		uint64_t rdev;
		char rest[256];
	} st;

	if (rump_sys_stat(key, (void *)&st) == -1) {
		*why = "stat of the image's key";
		return -1;
	}
	*why = "mknod";
#ifdef RUMP_SYS_RENAME_MKNOD
	return rump_sys_mknod(path, 0060000 | 0600, (dev_t)st.rdev);
#else
	(void)path;  /* a tree whose rump kernel has no mknod (the example tree) */
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * Mount a tmpfs at *dir* and make the node "disk" in it the block device of *key*;
 * its path goes to *node* (size *len*).
 */
static inline int
rbu_device_node(const char *key, const char *dir, char *node, size_t len, const char **why)
{
	if (rbu_mount_tmpfs(dir, why) != 0)
		return -1;
	snprintf(node, len, "%s/disk", dir);
	return rbu_same_device(key, node, why);
}

#endif /* RBU_DEVNODE_H */
