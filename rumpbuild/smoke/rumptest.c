/*
 * rumpbuild's smoke test: boot a rump kernel, mount a file system, read a
 * known file, write and read back a new one, unmount.  One line per step:
 *	STEP <name> PASS|FAIL|SKIP <detail>
 * The mount arguments come from rumpbuild_mountargs(), compiled as rump
 * kernel code against the tree's own header, so their layout is the tree's.
 *
 * usage: rumptest -t TYPE -m MOUNTPOINT [-k KEY -i HOSTIMAGE] [-r FILE -e TEXT]
 *                 [-w FILE -p SEED -n BYTES] [-o]
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

int
main(int argc, char **argv)
{
	const char *type = NULL, *mnt = "/mnt", *key = NULL, *image = NULL;
	const char *rfile = NULL, *expect = NULL, *wfile = NULL, *seed = "seed";
	size_t nbytes = 6000;
	int readonly = 0, ch, fd, rv;
	unsigned char args[1024];
	unsigned long alen = sizeof(args);
	char path[512], *buf, *back;
	ssize_t n;

	while ((ch = getopt(argc, argv, "t:m:k:i:r:e:w:p:n:o")) != -1) {
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
		default:
			fprintf(stderr, "usage: see rumptest.c\n");
			return 2;
		}
	}
	if (type == NULL) {
		fprintf(stderr, "rumptest: -t TYPE is required\n");
		return 2;
	}

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
	}
	rv = rump_sys_mkdir(mnt, 0777);
	if (rv == -1 && errno != EEXIST)
		step("mkdir", 0, "%s: errno %d", mnt, errno);
	if (rumpbuild_mountargs(key ? key : "", args, &alen) != 0) {
		step("mount", 0, "mount arguments do not fit");
		return 1;
	}
	rv = rump_sys_mount(type, mnt, readonly ? RUMP_MNT_RDONLY : 0, args, alen);
	step("mount", rv == 0, "%s on %s: %s", type, mnt, rv == 0 ? "mounted" : strerror(errno));
	if (rv != 0) {
		if (rumpbuild_state_down)
			rumpbuild_state_down();
		return 1;
	}

	if (rfile) {
		size_t want = expect ? strlen(expect) : 0;
		char rbuf[4096];

		snprintf(path, sizeof(path), "%s/%s", mnt, rfile);
		fd = rump_sys_open(path, RUMP_O_RDONLY);
		n = fd == -1 ? -1 : rump_sys_read(fd, rbuf, sizeof(rbuf));
		if (fd != -1)
			rump_sys_close(fd);
		step("read", n >= 0 && (!expect || ((size_t)n == want && memcmp(rbuf, expect, want) == 0)),
		    "%s: %zd bytes%s", rfile, n, n < 0 ? " (open or read failed)" :
		    (expect && ((size_t)n != want || memcmp(rbuf, expect, want) != 0)) ? ", content differs" :
		    ", content as expected");
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
			fd = rump_sys_open(path, RUMP_O_RDONLY);
			n = fd == -1 ? -1 : rump_sys_read(fd, back, nbytes);
			if (fd != -1)
				rump_sys_close(fd);
			step("readback", n == (ssize_t)nbytes && memcmp(buf, back, nbytes) == 0,
			    "%s: %zd bytes, %s", wfile, n,
			    n == (ssize_t)nbytes && memcmp(buf, back, nbytes) == 0 ? "equal" : "different");
		}
	}

	rv = rump_sys_unmount(mnt, 0);
	step("unmount", rv == 0, "%s: %s", mnt, rv == 0 ? "unmounted" : strerror(errno));
	if (rumpbuild_state_down && rumpbuild_state_down() != 0)
		failures++;
	printf("DONE %d failures\n", failures);
	return failures ? 1 : 0;
}
