/*
 * rump_zfs: the zfs face of rump_<fs> (rumpbuild/util/rump_util.c, built
 * with RBU_ZFS=1).  rump_util.c keeps the file commands and the FUSE
 * mount; this file gives them a mounted dataset and adds the pool and
 * dataset commands:
 *
 *   rump_zfs IMAGE... POOL[/DATASET] COMMAND ARGS...   (ls, get, put, ... on the dataset)
 *   rump_zfs IMAGE... POOL[/DATASET] MOUNTPOINT        (FUSE)
 *   rump_zfs zpool create [-f] [-s SIZE] POOL [mirror] IMAGE...
 *   rump_zfs IMAGE... zpool import|status|scrub|export [POOL]
 *   rump_zfs IMAGE... zfs create|list|destroy|snapshot NAME
 *
 * The images are the pool's vdevs: registered as regular files (file
 * vdevs, names.py's device_keys), the pool is imported at start, from the
 * labels read here on the host, and exported at the end, so the images
 * always hold an exported pool between two runs.  Everything zfs-specific
 * goes through the kernel-side helper (templates/zfshelper.c.j2).
 *
 * Copyright (c) 2026 The rumpbuild authors.  BSD-2-Clause.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "zfs_util.h"

#include "zfshelper.h"

#define MAXIMG		16
#define LABEL_OFFSET	(16 * 1024)		/* vdev_label_t.vl_vdev_phys (helper.py LABEL_NVLIST_OFFSET) */
#define LABEL_SIZE	(112 * 1024 - 40)	/* vdev_phys_t.vp_nvlist */
#define MIN_VDEV	(64ULL << 20)		/* SPA_MINDEVSIZE */
#define DEFAULT_SIZE	"256M"

static const char *prog = "rump_zfs";
static FILE *errf;
static const char *images[MAXIMG];
static int nimg;
static char pool[256];		/* the imported pool ("" when none) */
static char dataset[256];	/* the dataset rump_util.c mounts */
static char msg[512];
static volatile sig_atomic_t stop_sig;	/* SIGINT/SIGTERM during a zpool/zfs command: export, then exit */

static void
on_signal(int sig)
{
	stop_sig = sig;
}

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	fprintf(errf, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(errf, fmt, ap);
	va_end(ap);
	fputc('\n', errf);
	fflush(errf);
}

int
rbu_zfs_is_admin(const char *word)
{
	return strcmp(word, "zpool") == 0 || strcmp(word, "zfs") == 0;
}

/* IMAGE... : existing files, at most MAXIMG; 0 or -1 with a message. */
static int
set_images(char **imgs, int n, FILE *err)
{
	struct stat st;
	int i;

	errf = err;
	if (n > MAXIMG) {
		say("%d images: a pool here has %d vdevs at most", n, MAXIMG);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (stat(imgs[i], &st) == -1) {
			say("%s: %s (the images come first, then POOL[/DATASET]; `zpool create` makes new ones)",
			    imgs[i], strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
			say("%s is not an image file", imgs[i]);
			return -1;
		}
		images[i] = imgs[i];
	}
	nimg = n;
	return 0;
}

int
rbu_zfs_operands(char **imgs, int n, const char *ds, const char *mnt, FILE *err)
{
	struct stat st;

	errf = err;
	if (mnt != NULL && (stat(mnt, &st) == -1 || !S_ISDIR(st.st_mode))) {
		say("%s is no command (ls, cat, get, put, mkdir, rm, mv, stat, df, zpool, zfs) and no folder to "
		    "mount on", mnt);
		return -1;
	}
	if (n == 0) {
		say("no image before %s: write IMAGE... POOL[/DATASET] (all the pool's images)", ds);
		return -1;
	}
	if (stat(ds, &st) == 0 && S_ISREG(st.st_mode)) {
		say("%s is a file: after the images comes the pool or dataset to use, POOL[/DATASET]", ds);
		return -1;
	}
	if (strlen(ds) >= sizeof(dataset) || ds[0] == '/' || strchr(ds, '@') != NULL) {
		say("'%s' is not a dataset name: write POOL or POOL/DATASET", ds);
		return -1;
	}
	snprintf(dataset, sizeof(dataset), "%s", ds);
	return set_images(imgs, n, err);
}

/*
 * One process at a time on an image: two rump kernels importing the same
 * pool would both write it.  fusermount3 -u returns before the FUSE daemon
 * has exported its pool, so a command right after it waits here (60 s at
 * most).  The lock goes with the process.
 */
static int
lock_image(const char *path)
{
	int fd = open(path, O_RDONLY), i;

	if (fd == -1) {
		say("%s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; flock(fd, LOCK_EX | LOCK_NB) == -1; i++) {
		if (errno != EWOULDBLOCK || i == 600) {
			say("%s is in use by another process (a rump_zfs FUSE mount? unmount it first): %s", path,
			    errno == EWOULDBLOCK ? "still busy after 60 s" : strerror(errno));
			close(fd);
			return -1;
		}
		if (i == 10)
			say("%s is in use by another process (a FUSE mount exporting its pool?): waiting", path);
		usleep(100 * 1000);
	}
	return 0;	/* fd stays open: the lock holds until exit */
}

/* Register the images where the pool's labels say its vdevs are (names.py device_keys). */
static int
register_images(void)
{
	char key[64];
	int i, rv;

	for (i = 0; i < nimg; i++)
		if (lock_image(images[i]) != 0)
			return -1;
	for (i = 0; i < nimg; i++) {
		snprintf(key, sizeof(key), "/rumpbuild-zfs%d", i);
		if ((rv = rump_pub_etfs_register(key, images[i], RUMP_ETFS_REG)) != 0) {
			say("%s: the rump kernel cannot open it (error %d)", images[i], rv);
			return -1;
		}
	}
	return 0;
}

static int
boot(void)
{
	int rv;

	if ((rv = rump_init()) != 0) {
		say("rump_init failed: error %d", rv);
		return -1;
	}
	return register_images();
}

/* zpool import: the labels are read here and handed to the helper; want "" takes the pool found. */
static int
import(const char *want)
{
	const void *labels[MAXIMG];
	const char *keys[MAXIMG];
	static char keybuf[MAXIMG][32];
	size_t lens[MAXIMG];
	int i, rv;

	for (i = 0; i < nimg; i++) {
		int fd = open(images[i], O_RDONLY);
		char *b = calloc(1, LABEL_SIZE);
		ssize_t n = fd == -1 || b == NULL ? -1 : pread(fd, b, LABEL_SIZE, LABEL_OFFSET);

		if (fd != -1)
			close(fd);
		labels[i] = b;
		lens[i] = n > 0 ? (size_t)n : 0;
		snprintf(keybuf[i], sizeof(keybuf[i]), "/rumpbuild-zfs%d", i);
		keys[i] = keybuf[i];
	}
	rv = rumpbuild_zfs_pool_import(want, labels, lens, keys, nimg, pool, sizeof(pool), msg, sizeof(msg));
	for (i = 0; i < nimg; i++)
		free((void *)labels[i]);
	if (rv != 0) {
		say("importing the pool on %s%s: %s%s", images[0], nimg > 1 ? " ..." : "", msg,
		    strstr(msg, "no zfs label") ? " (give every image of the pool; `zpool create` makes one)" :
		    strstr(msg, "hold pool") ? "" : " (a vdev missing, damaged or truncated?)");
		pool[0] = '\0';
		return -1;
	}
	return 0;
}

static int
export(void)
{
	if (pool[0] == '\0')
		return 0;
	if (rumpbuild_zfs_pool_export(pool, msg, sizeof(msg)) != 0) {
		say("exporting pool %s: %s (the next run imports it anyway)", pool, msg);
		return -1;
	}
	pool[0] = '\0';
	return 0;
}

/* ---- the mount step of rump_util.c ------------------------------------ */

/*
 * The 2016 zfs deadlocks in unmount when a file still has intent-log records:
 * vflush -> vclean -> VOP_FSYNC -> zil_commit -> zfs_get_data -> zfs_zget ->
 * vcache_get waits for the very vnode being cleaned (seen after `cp -a` into
 * a FUSE mount).  Without the intent log (zil_disable, read at mount time)
 * writes reach the pool with each txg, and the export at the end writes
 * everything; an fsync then waits for nothing, as on the async mounts of the
 * other rump_<fs>.
 */
extern int rumpns_zil_disable;
/*
 * And without it, what SIGKILL or a host crash can lose is what the open
 * transaction group holds: this zfs closes one every 30 s; 5 s (later zfs's
 * default) bounds the loss to that.
 */
extern int rumpns_zfs_txg_timeout;
#define TXG_SECONDS	5

int
rbu_zfs_import(void)
{
	char want[256], *slash;

	rumpns_zil_disable = 1;
	rumpns_zfs_txg_timeout = TXG_SECONDS;
	if (register_images() != 0)
		return -1;
	snprintf(want, sizeof(want), "%s", dataset);
	if ((slash = strchr(want, '/')) != NULL)
		*slash = '\0';
	return import(want);
}

int
rbu_zfs_export(void)
{
	return export();
}

/* rump_util.c's mount-argument call: struct mounta naming the dataset. */
int
rumpbuild_mountargs(const char *dev, void *args, unsigned long *len)
{
	(void)dev;
	return rumpbuild_zfs_mountargs(dataset, args, len);
}

/* ---- zpool / zfs ------------------------------------------------------- */

static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	int shift = 0;

	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (end == s || *end != '\0' || n == 0)
		return -1;
	*out = (uint64_t)n << shift;
	return 0;
}

/* An image that already holds a zfs label (its nvlist area is not all zero). */
static int
has_label(const char *path)
{
	unsigned char b[512];
	int fd = open(path, O_RDONLY), i;
	ssize_t n;

	if (fd == -1)
		return 0;
	n = pread(fd, b, sizeof(b), LABEL_OFFSET);
	close(fd);
	for (i = 0; i < n; i++)
		if (b[i])
			return 1;
	return 0;
}

static int
zpool_create(int argc, char **argv, FILE *out)
{
	const char *size_arg = NULL, *name;
	uint64_t size;
	int i = 1, force = 0, mirror, made[MAXIMG] = { 0 }, rv = 1, j;
	const char *keys[MAXIMG];
	char keybuf[MAXIMG][32];

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-f") == 0)
			force = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			size_arg = argv[++i];
		else {
			say("zpool create: unknown option %s (-f, -s SIZE)", argv[i]);
			return 2;
		}
	}
	if (argc - i < 2) {
		say("usage: zpool create [-f] [-s SIZE] POOL [mirror] IMAGE...");
		return 2;
	}
	name = argv[i++];
	mirror = strcmp(argv[i], "mirror") == 0;
	i += mirror;
	if (argc - i < (mirror ? 2 : 1)) {
		say(mirror ? "a mirror needs two or more images: zpool create POOL mirror a.img b.img" :
		    "usage: zpool create [-f] [-s SIZE] POOL [mirror] IMAGE...");
		return 2;
	}
	if (argc - i > MAXIMG) {
		say("%d images: a pool here has %d vdevs at most", argc - i, MAXIMG);
		return 2;
	}
	if (strchr(name, '/') != NULL || strchr(name, '@') != NULL || strcmp(name, "mirror") == 0) {
		say("'%s' is not a pool name: a letter, then letters, digits and _ . : -", name);
		return 2;
	}
	if (parse_size(size_arg ? size_arg : DEFAULT_SIZE, &size) != 0 || size < MIN_VDEV) {
		say("-s %s: not a size of 64M or more (write 256M, 10G, ...)", size_arg);
		return 2;
	}
	for (j = 0; i + j < argc; j++) {
		const char *img = argv[i + j];
		struct stat st;

		if (stat(img, &st) == 0) {
			if (!force && has_label(img)) {
				say("%s already holds a zfs label (a pool's vdev): -f overwrites it", img);
				goto out;
			}
			if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < MIN_VDEV) {
				say("%s has %lld bytes; zfs needs 64 MB per vdev (remove it and give -s SIZE)", img,
				    (long long)st.st_size);
				goto out;
			}
		} else {
			/* a new image: sparse, so it takes only what the pool writes */
			int fd = open(img, O_WRONLY | O_CREAT | O_EXCL, 0644);

			if (fd == -1 || ftruncate(fd, (off_t)size) == -1) {
				say("creating %s: %s", img, strerror(errno));
				if (fd != -1)
					close(fd);
				goto out;
			}
			close(fd);
			made[j] = 1;
		}
		snprintf(keybuf[j], sizeof(keybuf[j]), "/rumpbuild-zfs%d", j);
		keys[j] = keybuf[j];
		images[j] = img;
	}
	nimg = j;
	if (boot() != 0)
		goto out;
	if (rumpbuild_zfs_pool_create(name, keys, nimg, mirror, msg, sizeof(msg)) != 0) {
		say("creating pool %s: %s", name, msg);
		goto out;
	}
	snprintf(pool, sizeof(pool), "%s", name);
	if (export() != 0)
		goto out;
	fprintf(out, "created pool %s on %d image%s%s\n", name, nimg, nimg > 1 ? "s" : "",
	    mirror ? " (mirror)" : "");
	rv = 0;
out:
	if (rv != 0)	/* images made here go again: a failed create leaves nothing behind */
		for (j = 0; j < MAXIMG; j++)
			if (made[j])
				unlink(argv[i + j]);
	return rv;
}

/* vdev_state_t, as zpool status names them */
static const char *const states[] = { "UNKNOWN", "CLOSED", "OFFLINE", "REMOVED", "UNAVAIL", "FAULTED",
    "DEGRADED", "ONLINE" };

static int
pool_stats(uint64_t *v)
{
	if (rumpbuild_zfs_pool_stats(pool, v, 11, msg, sizeof(msg)) != 0) {
		say("pool %s: %s", pool, msg);
		return -1;
	}
	return 0;
}

static int
zpool_cmd(int argc, char **argv, FILE *out)
{
	const char *cmd = argv[0];
	uint64_t v[11];
	int rv = 0;

	if (argc > 2) {
		say("usage: zpool %s [POOL]", cmd);
		return 2;
	}
	if (strcmp(cmd, "import") != 0 && strcmp(cmd, "status") != 0 && strcmp(cmd, "scrub") != 0 &&
	    strcmp(cmd, "export") != 0) {
		say("unknown zpool command '%s' (create, import, status, scrub, export)", cmd);
		return 2;
	}
	if (nimg == 0) {
		say("zpool %s: give the pool's images first: %s IMAGE... zpool %s [POOL]", cmd, prog, cmd);
		return 2;
	}
	if (boot() != 0 || import(argc > 1 ? argv[1] : "") != 0)
		return 1;
	if (strcmp(cmd, "scrub") == 0) {
		if (rumpbuild_zfs_pool_scrub(pool, msg, sizeof(msg)) != 0) {
			say("scrubbing pool %s: %s", pool, msg);
			rv = 1;
		} else {
			do {
				usleep(100 * 1000);
				if (pool_stats(v) != 0) {
					rv = 1;
					break;
				}
			} while (!v[2] && !stop_sig);
			if (stop_sig) {
				say("scrub of pool %s stopped by signal %d after %" PRIu64 " bytes; exporting the pool",
				    pool, (int)stop_sig, v[3]);
				rv = 128 + stop_sig;
			} else if (rv == 0) {
				fprintf(out, "pool %s: scrub examined %" PRIu64 " bytes, repaired %" PRIu64 " bytes, %"
				    PRIu64 " errors\n", pool, v[3], v[4], v[5]);
				rv = v[5] != 0;
			}
		}
	} else if (strcmp(cmd, "export") == 0) {
		fprintf(out, "pool %s exported\n", pool);
	} else if (pool_stats(v) == 0) {
		fprintf(out, "pool %s: %s, %" PRIu64 " of %" PRIu64 " bytes allocated\n", pool,
		    v[0] < 8 ? states[v[0]] : "?", v[9], v[10]);
		if (strcmp(cmd, "status") == 0) {
			fprintf(out, "  %d image%s:", nimg, nimg > 1 ? "s" : "");
			for (int i = 0; i < nimg; i++)
				fprintf(out, " %s", images[i]);
			fprintf(out, "\n  errors: %" PRIu64 " read, %" PRIu64 " write, %" PRIu64 " checksum\n", v[6],
			    v[7], v[8]);
			if (v[1])
				fprintf(out, "  last scrub: examined %" PRIu64 " bytes, repaired %" PRIu64 " bytes, %"
				    PRIu64 " errors%s\n", v[3], v[4], v[5], v[2] ? "" : " (not finished)");
		}
	} else
		rv = 1;
	if (export() != 0)
		rv = 1;
	return rv;
}

/* zfs list: NAME USED AVAIL for DATASET and everything under it (snapshots: NAME only). */
static int
list_tree(const char *name, FILE *out)
{
	char names[8192], *p, *nl;
	uint64_t avail, used;

	if (strchr(name, '@') != NULL) {
		fprintf(out, "%s\n", name);
		return 0;
	}
	if (rumpbuild_zfs_dataset_space(name, &avail, &used, msg, sizeof(msg)) != 0) {
		say("zfs list %s: %s", name, msg);
		return -1;
	}
	fprintf(out, "%-40s %12" PRIu64 " %12" PRIu64 "\n", name, used, avail);
	if (rumpbuild_zfs_dataset_list(name, 1, names, sizeof(names), msg, sizeof(msg)) != 0) {
		say("zfs list %s: %s", name, msg);
		return -1;
	}
	for (p = names; *p; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (list_tree(p, out) != 0)
			return -1;
	}
	return 0;
}

static int
zfs_cmd(int argc, char **argv, FILE *out)
{
	const char *cmd = argv[0], *name = argc > 1 ? argv[1] : NULL;
	char fs[256], want[256], *at;
	int rv = 0;

	if (strcmp(cmd, "create") != 0 && strcmp(cmd, "list") != 0 && strcmp(cmd, "destroy") != 0 &&
	    strcmp(cmd, "snapshot") != 0) {
		say("unknown zfs command '%s' (create, list, destroy, snapshot)", cmd);
		return 2;
	}
	if (argc > 2 || (name == NULL && strcmp(cmd, "list") != 0)) {
		say("usage: zfs %s %s", cmd, strcmp(cmd, "snapshot") == 0 ? "DATASET@NAME" :
		    strcmp(cmd, "destroy") == 0 ? "DATASET|DATASET@NAME" : strcmp(cmd, "list") == 0 ? "[DATASET]" :
		    "POOL/DATASET");
		return 2;
	}
	if (nimg == 0) {
		say("zfs %s: give the pool's images first: %s IMAGE... zfs %s ...", cmd, prog, cmd);
		return 2;
	}
	if (name != NULL && strlen(name) >= sizeof(fs)) {
		say("'%s': a name has %zu characters at most", name, sizeof(fs) - 1);
		return 2;
	}
	if (strcmp(cmd, "snapshot") == 0 && ((at = strchr(name, '@')) == NULL || at[1] == '\0' || at == name)) {
		say("'%s' names no snapshot: write DATASET@NAME", name);
		return 2;
	}
	if ((strcmp(cmd, "create") == 0 || strcmp(cmd, "destroy") == 0) && strchr(name, '/') == NULL &&
	    strchr(name, '@') == NULL) {
		say("'%s' is a pool's root dataset: %s takes POOL/DATASET%s", name, cmd,
		    cmd[0] == 'd' ? " or DATASET@SNAP (a pool goes with its images)" : "");
		return 2;
	}
	snprintf(want, sizeof(want), "%s", name ? name : "");
	want[strcspn(want, "/@")] = '\0';
	if (boot() != 0 || import(want) != 0)
		return 1;
	if (strcmp(cmd, "create") == 0) {
		if (rumpbuild_zfs_dataset_create(name, msg, sizeof(msg)) != 0) {
			say("zfs create %s: %s", name, msg);
			rv = 1;
		}
	} else if (strcmp(cmd, "list") == 0) {
		fprintf(out, "%-40s %12s %12s\n", "NAME", "USED", "AVAIL");
		rv = list_tree(name ? name : pool, out) != 0;
	} else if (strcmp(cmd, "snapshot") == 0) {
		snprintf(fs, sizeof(fs), "%s", name);
		at = strchr(fs, '@');
		*at = '\0';
		if (rumpbuild_zfs_snapshot(fs, at + 1, msg, sizeof(msg)) != 0) {
			say("zfs snapshot %s: %s", name, msg);
			rv = 1;
		}
	} else {
		char names[8192];

		/* as zfs destroy without -r: refuse a dataset that has children or snapshots */
		if (strchr(name, '@') == NULL) {
			if (rumpbuild_zfs_dataset_list(name, 1, names, sizeof(names), msg, sizeof(msg)) != 0) {
				say("zfs destroy %s: %s", name, msg);
				rv = 1;
			} else if (names[0] != '\0') {
				*strchr(names, '\n') = '\0';
				say("zfs destroy %s: it has children or snapshots (%s ...): destroy them first", name,
				    names);
				rv = 1;
			}
		}
		if (rv == 0 && rumpbuild_zfs_destroy(name, msg, sizeof(msg)) != 0) {
			say("zfs destroy %s: %s", name, msg);
			rv = 1;
		}
	}
	if (export() != 0)
		rv = 1;
	return rv;
}

int
rbu_zfs_admin(char **imgs, int n, int argc, char **argv, FILE *out, FILE *err)
{
	int zpool = strcmp(argv[0], "zpool") == 0;
	struct sigaction sa;

	errf = err;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (argc < 2) {
		say("usage: %s", zpool ? "zpool create|import|status|scrub|export ..." :
		    "zfs create|list|destroy|snapshot ...");
		return 2;
	}
	if (zpool && strcmp(argv[1], "create") == 0) {
		if (n != 0) {
			say("zpool create takes its images after the pool name: zpool create POOL [mirror] IMAGE...");
			return 2;
		}
		return zpool_create(argc - 1, argv + 1, out);
	}
	if (set_images(imgs, n, err) != 0)
		return 1;
	return zpool ? zpool_cmd(argc - 1, argv + 1, out) : zfs_cmd(argc - 1, argv + 1, out);
}

void
rbu_zfs_usage(FILE *f)
{
	fprintf(f,
	    "\n"
	    "zfs: the images are the pool's vdevs (all of them, any order); the pool is\n"
	    "imported at start and exported at the end (also after a FUSE unmount,\n"
	    "SIGTERM or SIGINT), so between two runs the images hold an exported pool.\n"
	    "POOL[/DATASET] names the dataset the commands and the FUSE mount use.\n"
	    "  %s zpool create [-f] [-s SIZE] POOL [mirror] IMAGE...\n"
	    "                          new images are made sparse, SIZE (default " DEFAULT_SIZE ") each\n"
	    "  %s IMAGE... zpool import|status|export [POOL]\n"
	    "  %s IMAGE... zpool scrub [POOL]   (exit 1 when the scrub found errors)\n"
	    "  %s IMAGE... zfs create POOL/DATASET\n"
	    "  %s IMAGE... zfs list [DATASET]\n"
	    "  %s IMAGE... zfs snapshot DATASET@NAME\n"
	    "  %s IMAGE... zfs destroy DATASET|DATASET@NAME   (no -r)\n"
	    "-o ro mounts the dataset read-only; the import still writes the pool's labels,\n"
	    "as zpool import does (this zfs has no read-only import).\n",
	    prog, prog, prog, prog, prog, prog, prog);
}
