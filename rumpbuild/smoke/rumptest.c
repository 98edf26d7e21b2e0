/*
 * rumpbuild's smoke test: boot a rump kernel, mount a file system, read a
 * known file, write and read back a new one, unmount.  One line per step:
 *	STEP <name> PASS|FAIL|SKIP <detail>
 * The mount arguments come from rumpbuild_mountargs(), compiled as rump
 * kernel code against the tree's own header, so their layout is the tree's.
 *
 * usage: rumptest -t TYPE -m MOUNTPOINT [-k KEY -i HOSTIMAGE] [-r FILE -e TEXT [-b]]
 *                 [-w FILE -p SEED -n BYTES] [-o] [-T DIR]... [-s DIR]
 *                 [-d NAME,NAME...] [-O DEVICE] [-c DIR] [-a DIR] [-D DIR] [-A SECTOR]
 *
 * Copyright (c) 2026 The rumpbuild authors.  BSD-2-Clause.
 */

#include <sys/types.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

/* tmpfs's and device nodes (-T, -D), shared with rump_<fs>; the tmpfs arguments are linked in
   only for file systems that mount tmpfs's of their own */
#include "../util/rbu_devnode.h"
/* -A: the image's sector size from where an anchor sits (udf), shared with rump_<fs> */
#include "../util/rbu_sector.h"

int rumpbuild_mountargs(const char *, void *, unsigned long *);
int rump_pub_etfs_register(const char *, const char *, enum rump_etfs_type);
/* linked in only with `rumpbuild test --state FILE` (templates/state_host.c.j2) */
int rumpbuild_state_up(const char **) __attribute__((weak));
int rumpbuild_state_down(void) __attribute__((weak));

static int failures;

static void
step(const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#include <stdarg.h>

static void
step(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	printf("STEP %s %s ", name, ok > 0 ? "PASS" : ok == 0 ? "FAIL" : "SKIP");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok == 0)
		failures++;
}

/* The pattern rumpbuild later looks for in the host image. */
static void
pattern(char *buf, size_t len, const char *seed)
{
	size_t i = 0;
	unsigned n = 0;

	while (i < len) {
		char line[96];
		int l = snprintf(line, sizeof(line), "rumpbuild %s line %05u\n", seed, n++);
		int k;

		for (k = 0; k < l && i < len; k++)
			buf[i++] = line[k];
	}
}

/* Mount a tmpfs at *dir* (a lower layer of a layered file system, or for a device node). */
static int
mount_tmpfs(const char *dir)
{
	const char *why = "";
	int rv = rbu_mount_tmpfs(dir, &why);

	step("lower", rv == 0, "tmpfs on %s: %s%s%s", dir, rv == 0 ? "mounted" : why, rv == 0 ? "" : ": ",
	    rv == 0 ? "" : strerror(errno));
	return rv;
}

/* Write *len* bytes of *data* to *path*; 0 when all were written. */
static int
put_file(const char *path, const char *data, size_t len)
{
	int fd = rump_sys_open(path, RUMP_O_WRONLY | RUMP_O_CREAT | RUMP_O_TRUNC, 0644);
	ssize_t n = fd == -1 ? -1 : rump_sys_write(fd, data, len);

	if (fd != -1)
		rump_sys_close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/*
 * Read the directory *dir* with getdents(2) and check that every name of the
 * comma-separated *want* is there.  The records have NetBSD's struct dirent
 * layout (d_fileno 8, d_reclen 2, d_namlen 2, d_type 1, d_name), the same
 * on every NetBSD arch, not the host's.
 */
static void
check_listing(const char *dir, const char *want)
{
	char buf[8192], seen[1024] = "", missing[512] = "", w[512], *name, *save;
	int fd = rump_sys_open(dir, RUMP_O_RDONLY), n;
	size_t used = 0;

	if (fd == -1) {
		step("readdir", 0, "%s: %s", dir, strerror(errno));
		return;
	}
	while ((n = rump_sys_getdents(fd, buf, sizeof(buf))) > 0) {
		int off = 0;

		while (off + 13 <= n) {
			uint16_t reclen, namlen;

			memcpy(&reclen, buf + off + 8, 2);
			memcpy(&namlen, buf + off + 10, 2);
			if (reclen == 0 || off + reclen > n)
				break;
			if (used + namlen + 2 < sizeof(seen)) {
				used += snprintf(seen + used, sizeof(seen) - used, "%s%.*s",
				    used ? " " : "", (int)namlen, buf + off + 13);
			}
			off += reclen;
		}
	}
	rump_sys_close(fd);
	if (n < 0) {
		step("readdir", 0, "%s: getdents: %s", dir, strerror(errno));
		return;
	}
	snprintf(w, sizeof(w), "%s", want);
	for (name = strtok_r(w, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		char padded[600], needle[600];

		snprintf(padded, sizeof(padded), " %s ", seen);
		snprintf(needle, sizeof(needle), " %s ", name);
		if (!strstr(padded, needle))
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), " %s", name);
	}
	if (missing[0])
		step("readdir", 0, "%s lacks%s; it lists: %s", dir, missing, seen);
	else
		step("readdir", 1, "%s lists: %s", dir, seen);
}

/* After the unmount: is the file *name* in *dir* with *len* bytes of *data* (want 1) or absent (want 0)? */
static void
check_layer(const char *dir, const char *name, const char *data, size_t len, int want)
{
	char path[512], *back = malloc(len + 1);
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = rump_sys_open(path, RUMP_O_RDONLY);
	if (!want) {
		step("notlower", fd == -1 && errno == ENOENT, "%s: %s", path,
		    fd == -1 ? "absent, as it belongs to the other layer" : "present in the wrong layer");
	} else {
		n = fd == -1 ? -1 : rump_sys_read(fd, back, len + 1);
		step("inlower", n == (ssize_t)len && memcmp(back, data, len) == 0, "%s: %s", path,
		    fd == -1 ? strerror(errno) : n == (ssize_t)len && memcmp(back, data, len) == 0 ?
		    "holds the bytes written through the layer" : "differs from what was written");
	}
	if (fd != -1)
		rump_sys_close(fd);
	free(back);
}

int
main(int argc, char **argv)
{
	const char *type = NULL, *mnt = "/mnt", *key = NULL, *image = NULL;
	const char *rfile = NULL, *expect = NULL, *wfile = NULL, *seed = "seed";
	const char *lowers[4], *seeddir = NULL, *listing = NULL, *landsin = NULL, *notin = NULL;
	const char *opendev = NULL, *devdir = NULL;
	char devpath[512];
	size_t nbytes = 6000;
	int readonly = 0, prefix = 0, nlowers = 0, wrote = 0, devfd = -1, ch, fd, rv, i;
	unsigned anchor = 0;
	unsigned char args[1024];
	unsigned long alen = sizeof(args);
	char path[512], *buf, *back;
	ssize_t n;

	while ((ch = getopt(argc, argv, "t:m:k:i:r:e:w:p:n:obT:s:d:O:c:a:D:A:")) != -1) {
		switch (ch) {
		case 't': type = optarg; break;
		case 'm': mnt = optarg; break;
		case 'k': key = optarg; break;
		case 'i': image = optarg; break;
		case 'r': rfile = optarg; break;
		case 'e': expect = optarg; break;
		case 'w': wfile = optarg; break;
		case 'p': seed = optarg; break;
		case 'n': nbytes = (size_t)strtoul(optarg, NULL, 0); break;
		case 'o': readonly = 1; break;
		case 'b': prefix = 1; break;
		case 'T':
			if (nlowers < 4)
				lowers[nlowers++] = optarg;
			break;
		case 's': seeddir = optarg; break;
		case 'd': listing = optarg; break;
		case 'O': opendev = optarg; break;
		case 'D': devdir = optarg; break;
		case 'A': anchor = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'c': landsin = optarg; break;
		case 'a': notin = optarg; break;
		default:
			fprintf(stderr, "usage: see rumptest.c\n");
			return 2;
		}
	}
	if (type == NULL) {
		fprintf(stderr, "rumptest: -t TYPE is required\n");
		return 2;
	}

	if (image && anchor && rbu_set_sector_shift(image, 0, anchor))
		step("sectors", 1, "%s has %d-byte sectors: RUMP_BLKSECTSHIFT=%s", image,
		    1 << atoi(getenv("RUMP_BLKSECTSHIFT")), getenv("RUMP_BLKSECTSHIFT"));
	rv = rump_init();
	step("rump_init", rv == 0, "rump_init() = %d", rv);
	if (rv != 0)
		return 1;
	if (rumpbuild_state_up) {
		const char *dev = NULL;

		if (rumpbuild_state_up(&dev) != 0) {
			rumpbuild_state_down();
			return 1;
		}
		key = dev ? dev : key;
	}
	if (key && image) {
		rv = rump_pub_etfs_register(key, image, RUMP_ETFS_BLK);
		step("etfs", rv == 0, "%s -> %s (error %d)", key, image, rv);
		if (devdir) {
			const char *why = "";

			if (mount_tmpfs(devdir) != 0)
				return 1;
			snprintf(devpath, sizeof(devpath), "%s/disk", devdir);
			rv = rbu_same_device(key, devpath, &why);
			step("devnode", rv == 0, "%s: %s%s%s", devpath, rv == 0 ? "block device of the image" : why,
			    rv == 0 ? "" : ": ", rv == 0 ? "" : strerror(errno));
			key = devpath;
		}
	}
	rv = rump_sys_mkdir(mnt, 0777);
	if (rv == -1 && errno != EEXIST)
		step("mkdir", 0, "%s: errno %d", mnt, errno);
	for (i = 0; i < nlowers; i++)
		if (mount_tmpfs(lowers[i]) != 0)
			return 1;
	if (seeddir && rfile && expect) {
		const char *base = strrchr(rfile, '/');

		snprintf(path, sizeof(path), "%s/%s", seeddir, base ? base + 1 : rfile);
		rv = put_file(path, expect, strlen(expect));
		step("seed", rv == 0, "%s into the lower layer: %s", path, rv == 0 ? "written" : strerror(errno));
	}
	if (rumpbuild_mountargs(key ? key : "", args, &alen) != 0) {
		step("mount", 0, "mount arguments do not fit");
		return 1;
	}
	/* no argument struct (kernfs): no data at all, as mount_kernfs passes */
	rv = rump_sys_mount(type, mnt, readonly ? RUMP_MNT_RDONLY : 0, alen ? args : NULL, alen);
	step("mount", rv == 0, "%s on %s: %s", type, mnt, rv == 0 ? "mounted" : strerror(errno));
	if (rv != 0) {
		if (rumpbuild_state_down)
			rumpbuild_state_down();
		return 1;
	}

	if (opendev) {
		devfd = rump_sys_open(opendev, RUMP_O_RDWR);
		step("open", devfd != -1, "%s: %s", opendev, devfd != -1 ? "open" : strerror(errno));
	}
	if (listing)
		check_listing(mnt, listing);

	if (rfile) {
		size_t want = expect ? strlen(expect) : 0;
		char rbuf[4097] = "";
		int shown;

		snprintf(path, sizeof(path), "%s/%s", mnt, rfile);
		fd = rump_sys_open(path, RUMP_O_RDONLY);
		n = fd == -1 ? -1 : rump_sys_read(fd, rbuf, sizeof(rbuf) - 1);
		if (fd != -1)
			rump_sys_close(fd);
		/* -b: the kernel fills the file (kernfs version), only its start is known */
		rv = n >= 0 && (!expect || ((prefix ? (size_t)n >= want : (size_t)n == want) &&
		    memcmp(rbuf, expect, want) == 0));
		shown = n > 0 && (prefix || !rv) ? (int)strcspn(rbuf, "\n") : 0;  /* its first line */
		step("read", rv, "%s: %zd bytes%s%.*s", rfile, n, n < 0 ? " (open or read failed)" :
		    !rv ? ", content differs: " : prefix ? ", starts as expected: " : ", content as expected",
		    shown, rbuf);
	}

	if (wfile) {
		buf = malloc(nbytes);
		back = malloc(nbytes);
		pattern(buf, nbytes, seed);
		snprintf(path, sizeof(path), "%s/%s", mnt, wfile);
		fd = rump_sys_open(path, RUMP_O_WRONLY | RUMP_O_CREAT | RUMP_O_TRUNC, 0644);
		if (readonly) {
			/* EROFS; ENOENT from a file system with no create at all (NetBSD's ntfs) */
			step("write", fd == -1 && (errno == EROFS || errno == ENOENT) ? 1 : 0,
			    "read-only file system refuses %s: %s", wfile, fd == -1 ? strerror(errno) : "opened!");
			if (fd != -1)
				rump_sys_close(fd);
		} else {
			n = fd == -1 ? -1 : rump_sys_write(fd, buf, nbytes);
			if (fd != -1)
				rump_sys_close(fd);
			step("write", n == (ssize_t)nbytes, "%s: %zd of %zu bytes", wfile, n, nbytes);
			wrote = n == (ssize_t)nbytes;
			fd = rump_sys_open(path, RUMP_O_RDONLY);
			n = fd == -1 ? -1 : rump_sys_read(fd, back, nbytes);
			if (fd != -1)
				rump_sys_close(fd);
			step("readback", n == (ssize_t)nbytes && memcmp(buf, back, nbytes) == 0,
			    "%s: %zd bytes, %s", wfile, n,
			    n == (ssize_t)nbytes && memcmp(buf, back, nbytes) == 0 ? "equal" : "different");
		}
	}

	if (devfd != -1)
		rump_sys_close(devfd);
	rv = rump_sys_unmount(mnt, 0);
	step("unmount", rv == 0, "%s: %s", mnt, rv == 0 ? "unmounted" : strerror(errno));
	if (wrote && landsin)
		check_layer(landsin, wfile, buf, nbytes, 1);
	if (wrote && notin)
		check_layer(notin, wfile, buf, nbytes, 0);
	for (i = nlowers - 1; i >= 0; i--) {
		rv = rump_sys_unmount(lowers[i], 0);
		step("unmount", rv == 0, "lower %s: %s", lowers[i], rv == 0 ? "unmounted" : strerror(errno));
	}
	if (rumpbuild_state_down && rumpbuild_state_down() != 0)
		failures++;
	printf("DONE %d failures\n", failures);
	return failures ? 1 : 0;
}
