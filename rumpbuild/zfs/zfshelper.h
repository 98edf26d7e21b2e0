/*
 * The zfs helper's C entry points (templates/zfshelper.c.j2, compiled as
 * rump kernel code) as the host programs call them: zfstool.c and
 * zfs_util.c (rump_zfs).  Include after <rump/rump.h>.
 */
#ifndef RUMPBUILD_ZFSHELPER_H
#define RUMPBUILD_ZFSHELPER_H

#include <stddef.h>
#include <stdint.h>

int rump_pub_etfs_register(const char *, const char *, enum rump_etfs_type);

int rumpbuild_zfs_pool_create(const char *, const char *const *, int, int, char *, size_t);
int rumpbuild_zfs_pool_import(const char *, const void *const *, const size_t *, const char *const *, int,
    char *, size_t, char *, size_t);
int rumpbuild_zfs_pool_export(const char *, char *, size_t);
int rumpbuild_zfs_pool_scrub(const char *, char *, size_t);
int rumpbuild_zfs_pool_stats(const char *, uint64_t *, int, char *, size_t);
int rumpbuild_zfs_dataset_create(const char *, char *, size_t);
int rumpbuild_zfs_dataset_list(const char *, int, char *, size_t, char *, size_t);
int rumpbuild_zfs_snapshot(const char *, const char *, char *, size_t);
int rumpbuild_zfs_destroy(const char *, char *, size_t);
int rumpbuild_zfs_dataset_space(const char *, uint64_t *, uint64_t *, char *, size_t);
int rumpbuild_zfs_mountargs(const char *, void *, unsigned long *);

#endif
