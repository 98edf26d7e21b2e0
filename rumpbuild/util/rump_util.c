/*
 * rump_<fs>: a NetBSD file system, running in a rump kernel inside this
 * process, put to work on a host image.  Two faces:
 *
 *   rump_<fs> [-o ro] IMAGE[%DISKLABEL:p%|%MBR:n%] COMMAND ARGS...   (scriptable)
 *   rump_<fs> [-o ro,OPT...] [-f] IMAGE[%...%] MOUNTPOINT           (FUSE, if built with it)
 *
 * rumpbuild compiles this file with -D settings for one file system
 * (RBU_FS, RBU_MOUNT_TYPE, RBU_READONLY, RBU_NEEDS_IMAGE, RBU_FUSE,
 * RBU_VERSION) and for the calls its tree's rump kernel has (RBU_HAVE_*),
 * and links it with the kernel-side helper (util_kernel.c.j2: stat,
 * getdents, statvfs, utimensat in fixed-width structures, rbu_abi.h) and
 * the mount-argument helper (mountargs.c.j2).
 *
 * Partitions are found here, on the host, and handed to the rump kernel
 * as a byte range (rump_pub_etfs_register_withsize), so trees whose
 * librumpuser does not parse the suffix (NetBSD 7's) work too.
 *
 * Built with a state file (RBU_STATE, RBU_STATE_FILE; `rumpbuild util NAME
 * --state FILE`), the program takes no IMAGE: after rump_init() the state's
 * half (templates/state_host.c.j2) configures its cgd/RAID devices and names
 * the device to mount; after the unmount it unconfigures them.  Both faces
 * go through mount_fs() and unmount_fs(), so both get it, in that order.
 *
 * Copyright (c) 2026 The rumpbuild authors.  BSD-2-Clause.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#if __has_include(<rump/rumperrno2host.h>)
#include <rump/rumperrno2host.h>
#define HOST_ERRNO(e) rump_errno2host(e)
#else
/* NetBSD and the host agree on 1..34; the few larger values this program meets, by name */
static int
netbsd_errno2host(int e)
{
	switch (e) {
	case 35: return EAGAIN;
	case 45: return EOPNOTSUPP;
	case 62: return ELOOP;
	case 63: return ENAMETOOLONG;
	case 66: return ENOTEMPTY;
	case 69: return EDQUOT;
	case 78: return ENOSYS;
	default: return e <= 34 ? e : EIO;
	}
}
#define HOST_ERRNO(e) netbsd_errno2host(e)
#endif
#if RBU_HAVE_ETFS_WITHSIZE && !__has_include(<rump/rumpkern_if_pub.h>)
int rump_pub_etfs_register_withsize(const char *, const char *, enum rump_etfs_type, uint64_t, uint64_t);
#endif

#include "rbu_abi.h"
#include "rbu_devnode.h"
#include "rbu_sector.h"

#if RBU_FUSE
#define FUSE_USE_VERSION 31
#include <fuse.h>
#endif

#ifndef RBU_NOFUSE_WHY
#define RBU_NOFUSE_WHY "built without libfuse3"
#endif
#ifndef RBU_FS
#error compile with -DRBU_FS='"name"' (rumpbuild util does)
#endif
#ifndef RBU_STATE
#define RBU_STATE 0
#define RBU_STATE_FILE ""
#endif
#ifndef RBU_OWN_BIO
#define RBU_OWN_BIO 0		/* rbu_bio.c linked in: its rumpuser_bio serves the image */
#endif
#if RBU_OWN_BIO
extern int rbu_bio_defer_sync;
int	rbu_bio_flush(void);
#endif
#ifndef RBU_STUBS
/*
 * Linked with stubs (`rumpbuild util NAME --stubs`): kernel functions no
 * rump library defines panic when called, and the kernel's panic aborts
 * the process; say so in one line instead (RBU_STUBS_WHY: the facts' why)
 */
#define RBU_STUBS	0
#define RBU_STUBS_WHY	""
#endif
#ifndef RBU_DEVICE_DIR
/*
 * filesystems.toml's device_dir (nilfs): mount the image through a block
 * device node on a tmpfs at this folder, not through its etfs key
 * (rbu_devnode.h says why); "" mounts the key itself
 */
#define RBU_DEVICE_DIR	""
#endif
#ifndef RBU_SECTOR_ANCHOR
/* filesystems.toml's sector_anchor (udf): find the image's sector size there (rbu_sector.h); 0: 512 bytes */
#define RBU_SECTOR_ANCHOR	0
#endif
#ifndef RBU_HAVE_LWPROC
#define RBU_HAVE_LWPROC 0	/* rump_pub_lwproc_newlwp: a multithreaded rump kernel (NetBSD's) */
#endif
/*
 * The rump kernel's memory limit unless RUMP_MEMLIMIT is set: without one
 * the 2016 kernel keeps every page of a file it ever read or wrote, each
 * freshly allocated from the host (page faults, page clearing); with 32 MiB
 * its page daemon recycles them.  A 256 MB FUSE write took 0.53-0.61 s of
 * CPU instead of 0.84-0.86 s, a read 0.41-0.51 s instead of 0.67-0.71 s;
 * 16 MiB throttled writes on the page daemon (2 s), 64 MiB saved less.
 */
#define MEMLIMIT_DEFAULT	"32m"
/*
 * FUSE requests served by several threads (-m) unless -s: proven on every
 * file system with a rump_<fs> (tests/test_util_mt.py), and an untar of
 * small files no longer waits for one thread to wake per request
 * (bench_util: 0.70-0.91x fuse2fs with -m, 1.12-1.39x with -s, idle host).
 */
#define MT_DEFAULT	1
/* the IMAGE operand: a state file names its images itself */
#define IMAGE_OPERAND	(RBU_NEEDS_IMAGE && !RBU_STATE)
#ifndef RBU_ZFS
#define RBU_ZFS 0
#endif
#if RBU_ZFS
/* rump_zfs: images are a pool's vdevs, the mount step imports it (rumpbuild/zfs/zfs_util.c) */
/* (threads keep the kernel's temporary lwps: RBU_HAVE_LWPROC=0, util/build.py says why) */
#include "zfs_util.h"
#define OPERANDS	"IMAGE... POOL[/DATASET] "
#else
#define OPERANDS	(RBU_STATE ? "[--init-from PLAIN.img] " : IMAGE_OPERAND ? "IMAGE " : "")
#endif

#if RBU_STATE
/* templates/state_host.c.j2, generated from RBU_STATE_FILE */
int	rumpbuild_state_prepare(const char *);
int	rumpbuild_state_up(const char **);
int	rumpbuild_state_down(void);
extern const char *rumpbuild_state_prog;
extern FILE *rumpbuild_state_log;
extern int rumpbuild_state_verbose;
#endif

#define PROG		"rump_" RBU_FS
#define IMGKEY		"/dev/rumpbuild-img"
#define MNT		"/mnt"
/*
 * put/get: 1 MiB a call, as FUSE writes; rump_zfs 64 KiB: the 2016 zfs
 * faults in uiomove on 1 MiB writes and returns ENOSPC on 128 KiB ones
 */
#define IOSIZE		(RBU_ZFS ? 64 * 1024 : 1024 * 1024)
#define SECSIZE		512
#define DISKMAGIC	0x82564557U
#define MAXPART		16

static int status;		/* exit status: 1 once any operand failed */
/*
 * Extra RUMP_MNT_* flags.  async by default: NetBSD's ffs and ext2fs write
 * metadata synchronously otherwise, and librumpuser fsyncs the image file
 * after each such write (an untar of 5000 files: 33.5 s instead of 1.9 s).
 * The program always unmounts before it exits (also on SIGTERM/SIGINT),
 * which writes everything; -o sync restores NetBSD's default for crash
 * safety against SIGKILL or a host crash.
 */
#ifdef RUMP_MNT_ASYNC
static int mntflags = RUMP_MNT_ASYNC;
#else
static int mntflags;
#endif
static volatile sig_atomic_t stop_sig;	/* SIGINT/SIGTERM/SIGHUP during a command */
static FILE *out, *err;		/* our stdout/stderr: fds 1 and 2 carry the kernel console */
static int outfd = STDOUT_FILENO;
static const char *image_name;	/* as the user wrote it, for messages */
static const char *init_from;	/* --init-from PLAIN.img (state builds): written through the devices */

/* ---- messages ---------------------------------------------------------- */

static void
warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
warnx_(const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
	fflush(err);
	status = 1;
}

/* The host errno of the last failed rump call (the rump kernel sets NetBSD values). */
static int
rerr(void)
{
	return HOST_ERRNO(errno);
}

static const char *
rstr(void)
{
	return strerror(rerr());
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [-v] [-o ro] %sCOMMAND [ARGS...]\n"
#if RBU_FUSE
	    "       %s [-v] [-o ro,OPTION...] [-f] [-s|-m] [-d] %sMOUNTPOINT\n"
#endif
	    "\n"
	    "The NetBSD %s file system, running in a rump kernel in this process.\n"
#if RBU_STATE
	    "Built with the state file " RBU_STATE_FILE ": its cgd/RAID devices are\n"
	    "configured before the mount and unconfigured after the unmount; it names the\n"
	    "images and the device to mount.  Keys are read at run time from the key files\n"
	    "(or RUMPBUILD_STATE_KEY<n>, hex, for the n-th step).  --init-from PLAIN.img first\n"
	    "writes that plain image through the devices (missing images are made, sparse).\n"
#else
#if !RBU_ZFS
	    "IMAGE may name a partition: disk.img%%DISKLABEL:a%% (NetBSD disklabel, a..p)\n"
	    "or disk.img%%MBR:1%% (MBR primary partition, 1..4).\n"
#endif
#endif
	    "\n"
	    "The file system is mounted async (written at unmount, fsync or sync, and always\n"
	    "before the program exits); -o sync writes metadata through at once, as NetBSD does.\n"
	    "\n"
	    "commands (exit status 1 when any operand fails, with one line naming it):\n"
	    "  ls [-l] [PATH...]       list a directory (default /)\n"
	    "  cat PATH...             write files to standard output\n"
	    "  get [-r] SRC DST        copy from the image to the host\n"
	    "  put [-r] SRC DST        copy from the host into the image\n"
	    "  mkdir [-p] PATH...      make directories\n"
	    "  rm [-r] [-f] PATH...    remove files (and directories with -r)\n"
	    "  mv SRC DST              rename\n"
	    "  stat PATH...            show a file's status\n"
	    "  df                      show the file system's size and use\n"
	    "\n"
#if RBU_FUSE
	    "FUSE mount: serves the file system at MOUNTPOINT until `fusermount3 -u\n"
	    "MOUNTPOINT`, SIGTERM or SIGINT; then syncs and unmounts it (nothing written\n"
	    "is lost).  -f stays in the foreground, -d also prints each FUSE request.\n"
	    "-m (the default) serves several requests at once (FUSE worker threads;\n"
	    "requests that move file data take turns); -s serves one at a time.\n"
	    "-o takes ro, sync, noatime and FUSE mount options (allow_other, ...).\n"
#else
	    "This build has no FUSE face (IMAGE MOUNTPOINT): " RBU_NOFUSE_WHY ".\n"
	    "The commands above work everywhere.\n"
#endif
	    "%s"
	    "RUMP_MEMLIMIT caps a NetBSD rump kernel's memory (default 32m), RUMP_NCPU sets\n"
	    "its virtual CPUs (default 1).\n"
	    "-v shows the rump kernel's console; -V, --version the version; -h, --help this text\n",
	    PROG, RBU_ZFS ? OPERANDS : RBU_STATE ? "[--init-from PLAIN.img] " :
	    IMAGE_OPERAND ? "IMAGE[%DISKLABEL:p%|%MBR:n%] " : "",
#if RBU_FUSE
	    PROG, OPERANDS,
#endif
	    RBU_FS,
	    RBU_READONLY ? "This file system is read-only: it is always mounted read-only.\n" : "");
#if RBU_ZFS
	rbu_zfs_usage(f);
#endif
}

/* ---- the image and its partitions ------------------------------------- */

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

/*
 * Find the NetBSD disklabel at sector 0 or 1 of the disk (or of a NetBSD
 * MBR partition, as x86 disks have it), any 4-byte offset, either byte
 * order, as the kernel's label search does.  Returns 0 and the byte range
 * of partition letter, else -1 with a message.
 */
static int
disklabel_part(int fd, const char *host, char letter, uint64_t *offp, uint64_t *sizep)
{
	unsigned char sec[SECSIZE * 2];
	uint64_t bases[5] = { 0 };
	int nbases = 1, b, i;

	if (pread(fd, sec, SECSIZE, 0) == SECSIZE && sec[510] == 0x55 && sec[511] == 0xaa)
		for (i = 0; i < 4; i++)
			if (sec[446 + 16 * i + 4] == 0xa9)	/* NetBSD's MBR partition type */
				bases[nbases++] = (uint64_t)le32(sec + 446 + 16 * i + 8) * SECSIZE;
	for (b = 0; b < nbases; b++) {
		ssize_t n = pread(fd, sec, sizeof(sec), (off_t)bases[b]);
		int off;

		for (off = 0; n > 0 && off + 148 <= n; off += 4) {
			uint32_t (*rd)(const unsigned char *) = le32(sec + off) == DISKMAGIC ? le32 :
			    be32(sec + off) == DISKMAGIC ? be32 : NULL;
			const unsigned char *l = sec + off;
			unsigned npart, idx = (unsigned)(letter - 'a');
			uint32_t secsize;

			if (rd == NULL || rd(l + 132) != DISKMAGIC)
				continue;
			secsize = rd(l + 40);
			npart = rd == le32 ? (unsigned)(l[138] | l[139] << 8) : (unsigned)(l[139] | l[138] << 8);
			if (secsize == 0)
				secsize = SECSIZE;
			if (idx >= npart || idx >= MAXPART || 148 + 16 * (idx + 1) > (unsigned)(n - off)
			    || rd(l + 148 + 16 * idx) == 0) {
				warnx_("%s: the disklabel has no partition %c (it has %u: try %%DISKLABEL:a%%..."
				    "%%DISKLABEL:%c%%, `disklabel` shows them)", host, letter, npart,
				    'a' + (npart ? (int)npart - 1 : 0));
				return -1;
			}
			*sizep = (uint64_t)rd(l + 148 + 16 * idx) * secsize;
			*offp = (uint64_t)rd(l + 148 + 16 * idx + 4) * secsize;
			return 0;
		}
	}
	warnx_("%s: no NetBSD disklabel found (sector 0 or 1, or in a NetBSD MBR partition); "
	    "drop the %%DISKLABEL:%c%% suffix to use the whole image", host, letter);
	return -1;
}

static int
mbr_part(int fd, const char *host, int num, uint64_t *offp, uint64_t *sizep)
{
	unsigned char sec[SECSIZE];
	const unsigned char *e;

	/* a FAT boot sector has the signature too, but no partition entries */
	if (pread(fd, sec, SECSIZE, 0) != SECSIZE || sec[510] != 0x55 || sec[511] != 0xaa
	    || (sec[446 + 4] | sec[462 + 4] | sec[478 + 4] | sec[494 + 4]) == 0) {
		warnx_("%s: no MBR partition table (sector 0 has no signature or no partitions); "
		    "drop the %%MBR:%d%% suffix to use the whole image", host, num);
		return -1;
	}
	e = sec + 446 + 16 * (num - 1);
	if (e[4] == 0 || le32(e + 12) == 0) {
		warnx_("%s: MBR partition %d is empty (`fdisk -l %s` lists the partitions)", host, num, host);
		return -1;
	}
	*offp = (uint64_t)le32(e + 8) * SECSIZE;
	*sizep = (uint64_t)le32(e + 12) * SECSIZE;
	return 0;
}

/*
 * Split IMAGE[%DISKLABEL:p%|%MBR:n%], check the host file and find the
 * partition.  *partp is 0 (whole image), 'l' (disklabel) or 'm' (MBR).
 */
static int
parse_image(const char *spec, int ro, char *host, size_t hostlen, int *partp, uint64_t *offp, uint64_t *sizep)
{
	const char *pct = strchr(spec, '%');
	size_t n = pct ? (size_t)(pct - spec) : strlen(spec);
	int fd, rv = 0;
	char letter = 0;
	int num = 0;

	*partp = 0;
	if (n >= hostlen) {
		warnx_("%s: path too long", spec);
		return -1;
	}
	memcpy(host, spec, n);
	host[n] = '\0';
	if (pct) {
		char c, end;

		if (sscanf(pct, "%%DISKLABEL:%c%c", &c, &end) == 2 && end == '%' && pct[13] == '\0'
		    && c >= 'a' && c < 'a' + MAXPART) {
			letter = c;
			*partp = 'l';
		} else if (sscanf(pct, "%%MBR:%d%c", &num, &end) == 2 && end == '%' && num >= 1 && num <= 4
		    && pct[strlen(pct) - 1] == '%' && strchr(pct + 1, '%') == pct + strlen(pct) - 1) {
			*partp = 'm';
		} else {
			warnx_("%s: unknown partition suffix '%s' (use %%DISKLABEL:a%% ... %%DISKLABEL:p%% "
			    "or %%MBR:1%% ... %%MBR:4%%)", spec, pct);
			return -1;
		}
	}
	if ((fd = open(host, ro ? O_RDONLY : O_RDWR)) == -1) {
		int e = errno;

		warnx_("%s: %s%s", host, strerror(e),
		    e == EACCES || e == EROFS ? " (try -o ro)" : e == ENOENT ? " (check the path; the host's "
		    "mkfs tools make images)" : "");
		return -1;
	}
	if (*partp == 'l')
		rv = disklabel_part(fd, host, letter, offp, sizep);
	else if (*partp == 'm')
		rv = mbr_part(fd, host, num, offp, sizep);
	if (rv == 0 && *partp) {
		struct stat st;

		if (fstat(fd, &st) == 0 && *offp + *sizep > (uint64_t)st.st_size) {
			warnx_("%s: partition %s ends at byte %" PRIu64 ", past the end of the image (%jd bytes)",
			    host, pct, *offp + *sizep, (intmax_t)st.st_size);
			rv = -1;
		}
	}
	close(fd);
	return rv;
}

/* ---- host threads in the rump kernel ------------------------------------ */

/*
 * A host thread that calls into NetBSD's rump kernel without an lwp of its
 * own gets a temporary one for each call, made and freed under lwp0's lock
 * (rump_schedule(): "anyone who cares about performance will start a real
 * thread").  So each thread that calls in binds once to an lwp of its own
 * in the kernel's process, where the temporary ones ran too (same
 * descriptors); a FUSE worker's lwp is released when the worker ends.  The
 * example tree's kernel is single-threaded: there FUSE workers take turns
 * (giant).
 */
static pthread_mutex_t giant = PTHREAD_MUTEX_INITIALIZER;
static int mt_mode;			/* FUSE served by several threads (-m) */

#if RBU_HAVE_LWPROC
static pid_t rump_pid;			/* the rump kernel's process the program works in */
static pthread_key_t lwp_key;		/* its destructor releases a worker's lwp */
static __thread int thread_bound;

static void
release_lwp(void *arg)
{
	(void)arg;
	rump_pub_lwproc_releaselwp();
}
#endif

static void
bind_thread(void)
{
#if RBU_HAVE_LWPROC
	if (thread_bound || rump_pid <= 0)
		return;
	if (rump_pub_lwproc_newlwp(rump_pid) == 0) {	/* else this thread keeps temporary lwps */
		thread_bound = 1;
		pthread_setspecific(lwp_key, &thread_bound);
	}
#endif
}

/*
 * Before rump_init: the key whose destructor releases a worker's lwp.  Made
 * first, it has a lower index than librumpuser's own curlwp key, so the C
 * library runs its destructor while librumpuser still knows the thread's lwp.
 */
static void
make_lwp_key(void)
{
#if RBU_HAVE_LWPROC
	if (pthread_key_create(&lwp_key, release_lwp) != 0)
		rump_pid = -1;	/* no binding: temporary lwps, as before */
#endif
}

/* After rump_init: the calling (main) thread binds; later threads bind on their first request. */
static void
bind_main(void)
{
#if RBU_HAVE_LWPROC
	if (rump_pid == 0)
		rump_pid = rump_sys_getpid();
	bind_thread();
#endif
}

/* Around every FUSE request. */
static void
rump_enter(void)
{
	if (RBU_HAVE_LWPROC)
		bind_thread();
	else if (mt_mode)
		pthread_mutex_lock(&giant);
}

static void
rump_leave(void)
{
	if (!RBU_HAVE_LWPROC && mt_mode)
		pthread_mutex_unlock(&giant);
}

/* Boot the rump kernel and mount the file system at MNT; 0 or -1 with a message. */
static int
mount_fs(const char *spec, int ro)
{
	unsigned char args[4096];	/* zfs's struct mounta holds a path-sized name */
	unsigned long alen = sizeof(args);
	char host[PATH_MAX];
	uint64_t off = 0, size = 0;
	int part = 0, rv;
	const char *dev = IMGKEY;

	if (IMAGE_OPERAND && parse_image(spec, ro, host, sizeof(host), &part, &off, &size) != 0)
		return -1;
#if RBU_STATE
	if (rumpbuild_state_prepare(init_from) != 0)
		return -1;
#endif
#if RBU_OWN_BIO && defined(RUMP_MNT_ASYNC)
	/* async: the image is fdatasync'ed at fsync and unmount, not after each metadata write */
	rbu_bio_defer_sync = (mntflags & RUMP_MNT_ASYNC) != 0;
#endif
	/*
	 * Not for rump_zfs: its ARC sizes itself from the kernel's memory, and
	 * under 32 MiB a 300 MB put stalled (no progress in 10 minutes).
	 */
	if (!RBU_ZFS)
		setenv("RUMP_MEMLIMIT", MEMLIMIT_DEFAULT, 0);	/* the user's value wins */
	/*
	 * One virtual CPU unless RUMP_NCPU says otherwise: the serving thread
	 * and the kernel's own threads (page daemon, syncer) then take turns
	 * instead of contending on its locks (a 256 MB FUSE write: 0.56-0.66 s
	 * of CPU instead of 0.78-1.01 s; with -m 0.54-0.59 s instead of
	 * 0.58-0.78 s).  Host I/O releases it (rbu_bio.c).
	 */
	setenv("RUMP_NCPU", "1", 0);
#ifdef __GLIBC__
	/*
	 * The kernel allocates page-sized pages and I/O windows from malloc
	 * and frees them again; keep freed memory in the process rather than
	 * giving it back and faulting fresh zeroed pages in on the next
	 * allocation (page faults were 8 % of a FUSE read's profile).
	 */
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
	mallopt(M_TOP_PAD, 8 * 1024 * 1024);
#endif
	/* a 2048-byte-sector medium's udf (with -v the kernel's rumpblk says which size) */
	if (IMAGE_OPERAND && RBU_SECTOR_ANCHOR)
		rbu_set_sector_shift(host, off, RBU_SECTOR_ANCHOR);
	make_lwp_key();
	if ((rv = rump_init()) != 0) {
		warnx_("rump_init failed: %s", strerror(HOST_ERRNO(rv)));
		return -1;
	}
	bind_main();
#if RBU_STATE
	/* configure the devices (and --init-from: write the plain image through them) */
	if (rumpbuild_state_up(&dev) != 0 || dev == NULL) {
		if (dev == NULL)	/* else the failed step said why, in one line */
			warnx_("%s has no [mount] table: nothing to mount", RBU_STATE_FILE);
		rumpbuild_state_down();
		return -1;
	}
	if (init_from != NULL && !rumpbuild_state_verbose)	/* -v: the init line above said it */
		fprintf(err, "%s: wrote %s through %s\n", PROG, init_from, dev);
#endif
#if RBU_ZFS
	if (rbu_zfs_import() != 0) {	/* it said why */
		status = 1;
		return -1;
	}
#endif
	if (IMAGE_OPERAND) {
		if (part) {
#if RBU_HAVE_ETFS_WITHSIZE
			rv = rump_pub_etfs_register_withsize(IMGKEY, host, RUMP_ETFS_BLK, off, size);
#else
			/* this tree's rump kernel has no byte ranges; its librumpuser parses the label */
			if (part == 'm') {
				warnx_("%s: this rump kernel has no rump_pub_etfs_register_withsize, so MBR "
				    "partitions cannot be served (extract the partition with dd)", spec);
				return -1;
			}
			rv = rump_pub_etfs_register(IMGKEY, spec, RUMP_ETFS_BLK);
#endif
		} else
			rv = rump_pub_etfs_register(IMGKEY, host, RUMP_ETFS_BLK);
		if (rv != 0) {
			warnx_("%s: the rump kernel cannot open it: %s", spec, strerror(HOST_ERRNO(rv)));
			return -1;
		}
		if (RBU_DEVICE_DIR[0]) {
			/* the tmpfs stays until the process ends: it holds only the node, no data */
			static char node[PATH_MAX];
			const char *why = "";

			if (rbu_device_node(IMGKEY, RBU_DEVICE_DIR, node, sizeof(node), &why) != 0) {
				warnx_("%s: cannot make its block device on a tmpfs at %s in the rump kernel: "
				    "%s: %s", spec, RBU_DEVICE_DIR, why, rstr());
				return -1;
			}
			dev = node;
		}
	}
	if (rump_sys_mkdir(MNT, 0755) == -1 && rerr() != EEXIST) {
		warnx_("mkdir %s in the rump kernel: %s", MNT, rstr());
		return -1;
	}
	if (rumpbuild_mountargs(dev, args, &alen) != 0) {
		warnx_("the %s mount arguments do not fit in %zu bytes", RBU_FS, sizeof(args));
#if RBU_ZFS
		rbu_zfs_export();
#endif
		return -1;
	}
	/* no argument struct (kernfs, fdesc): no data at all, as mount_kernfs passes */
	if (rump_sys_mount(RBU_MOUNT_TYPE, MNT, (ro ? RUMP_MNT_RDONLY : 0) | mntflags, alen ? args : NULL,
	    alen) == -1) {
		int e = rerr();

#if RBU_STATE
		warnx_("%s: cannot mount %s as %s%s: %s (through cgd a wrong key, cipher or IV method reads as "
		    "garbage: check the key file; a new disk needs --init-from PLAIN.img)", RBU_STATE_FILE, dev,
		    RBU_FS, ro ? " (read-only)" : "", strerror(e));
		rumpbuild_state_down();
#elif RBU_ZFS
		warnx_("cannot mount dataset %s%s: %s (`zfs list` shows the pool's datasets)", spec,
		    ro ? " (read-only)" : "", strerror(e));
		rbu_zfs_export();
#else
		warnx_("%s: cannot mount it as %s%s: %s%s", spec, RBU_FS, ro ? " (read-only)" : "", strerror(e),
		    e == EROFS || e == EACCES ? " (try -o ro)" :
		    " (is it a " RBU_FS " file system? a partition needs IMAGE%DISKLABEL:a%)");
#endif
		return -1;
	}
	return 0;
}

/* What the kernel wrote with a deferred sync (rbu_bio.c) reaches the disk; 0 or -1 with a message. */
static int
flush_images(void)
{
#if RBU_OWN_BIO
	int e = rbu_bio_flush();

	if (e != 0) {
		warnx_("%s: syncing the image: %s", image_name, strerror(e));
		return -1;
	}
#endif
	return 0;
}

static int
unmount_fs(void)
{
#if RBU_HAVE_SYNC
	rump_sys_sync();
#endif
	if (rump_sys_unmount(MNT, 0) == -1) {
		warnx_("unmounting %s: %s (data may not be on the image)", image_name, rstr());
		flush_images();
		return -1;
	}
#if RBU_STATE
	/*
	 * Sync the images while their descriptors are open; the teardown's own
	 * writes are synced as they happen.  After the unmount, so every block
	 * went through the devices: unconfigure them.
	 */
	if (flush_images() != 0)
		return -1;
#if RBU_OWN_BIO
	rbu_bio_defer_sync = 0;
#endif
	if (rumpbuild_state_down() != 0) {
		warnx_("%s: unconfiguring the state failed (the lines above say which step)", RBU_STATE_FILE);
		return -1;
	}
#endif
#if RBU_ZFS
	/* after the unmount: the images hold an exported pool again */
	if (rbu_zfs_export() != 0) {
		status = 1;
		return -1;
	}
#endif
	return flush_images();
}

/* ---- paths ------------------------------------------------------------- */

/* The rump kernel path of PATH inside the file system. */
static const char *
rpath(const char *path, char *buf, size_t len)
{
	while (path[0] == '.' && (path[1] == '/' || path[1] == '\0'))
		path += path[1] ? 2 : 1;
	if ((size_t)snprintf(buf, len, "%s%s%s", MNT, path[0] == '/' ? "" : "/", path) >= len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return buf;
}

static const char *
base_name(const char *p)
{
	size_t n = strlen(p);
	const char *s;

	while (n > 1 && p[n - 1] == '/')
		n--;
	for (s = p + n; s > p && s[-1] != '/'; s--)
		;
	return s;
}

/* a/b + name, dropping trailing slashes of a and the trailing slashes name may have */
static int
join(char *buf, size_t len, const char *dir, const char *name)
{
	size_t n = strlen(dir), m = strcspn(name, "/");

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n + 1 + m + 1 > len)
		return -1;
	memcpy(buf, dir, n);
	buf[n] = '/';
	memcpy(buf + n + 1, name, m);
	buf[n + 1 + m] = '\0';
	return 0;
}

static int
rstat(const char *rp, int follow, struct rbu_stat *st)
{
	return rumpbuild_util_stat(rp, follow, st);
}

/*
 * On an async mount, start writing a file's dirty pages every FLUSH_BEHIND
 * bytes (rumpbuild_util_flush: what a synchronous mount does by itself)
 * and free them; sequential reads call it too, so the pages they read are
 * freed instead of waiting for the page daemon (not on zfs, whose flush
 * keeps its pages).  *mark is where the last flush ended.
 */
#define FLUSH_BEHIND	(1024 * 1024)

static pthread_mutex_t mark_lock = PTHREAD_MUTEX_INITIALIZER;	/* FUSE workers share the marks */

static void
flush_behind(int fd, int64_t *mark, int64_t end)
{
	int64_t from = -1;

#ifdef RUMP_MNT_ASYNC
	if (!(mntflags & RUMP_MNT_ASYNC))
		return;
#endif
	pthread_mutex_lock(&mark_lock);
	if (end < *mark)
		*mark = 0;	/* rewritten from further back: start over */
	if (end - *mark >= FLUSH_BEHIND) {
		from = *mark;
		*mark = end;
	}
	pthread_mutex_unlock(&mark_lock);
	if (from >= 0)
		(void)rumpbuild_util_flush(fd, from, end);
}

/* ---- directory reading ------------------------------------------------- */

struct names {
	char **v;
	size_t n, cap;
};

static int
cmpname(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of rump directory rp but . and .., sorted; -1 with errno. */
static int
read_names(const char *rp, struct names *nm)
{
	static char buf[16384] __attribute__((aligned(8)));	/* rbu_dirent holds a uint64_t */
	int fd, n, e;

	memset(nm, 0, sizeof(*nm));
	if ((fd = rump_sys_open(rp, RUMP_O_RDONLY)) == -1)
		return -1;
	while ((n = rumpbuild_util_getdents(fd, buf, sizeof(buf))) > 0) {
		int off;

		for (off = 0; off < n;) {
			struct rbu_dirent *d = (struct rbu_dirent *)(buf + off);

			off += d->reclen;
			if (d->name[0] == '\0' || strchr(d->name, '/') != NULL || strcmp(d->name, ".") == 0
			    || strcmp(d->name, "..") == 0)
				continue;	/* a name that would make a path loop back */
			if (nm->n == nm->cap) {
				nm->cap = nm->cap ? nm->cap * 2 : 64;
				nm->v = realloc(nm->v, nm->cap * sizeof(*nm->v));
				if (nm->v == NULL) {
					fprintf(err, "%s: out of memory\n", PROG);
					exit(2);
				}
			}
			nm->v[nm->n++] = strdup(d->name);
		}
	}
	e = errno;
	rump_sys_close(fd);
	if (n == -1) {
		errno = e;
		return -1;
	}
	qsort(nm->v, nm->n, sizeof(*nm->v), cmpname);
	return 0;
}

static void
free_names(struct names *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

/* ---- ls / stat / df ---------------------------------------------------- */

static void
modestr(uint32_t m, char *s)
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	s[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' :
	    S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
	for (i = 0; i < 9; i++)
		s[1 + i] = (m & (0400 >> i)) ? rwx[i] : '-';
	s[10] = '\0';
}

static void
timestr(int64_t t, char *s, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(s, len, "%Y-%m-%d %H:%M", gmtime_r(&tt, &tm));
}

static void
ls_line(const char *rp, const char *name, int lflag)
{
	struct rbu_stat st;
	char mode[11], when[32], target[PATH_MAX] = "";

	if (!lflag) {
		fprintf(out, "%s\n", name);
		return;
	}
	if (rstat(rp, 0, &st) == -1) {
		warnx_("ls: cannot access '%s': %s", name, rstr());
		return;
	}
	modestr(st.mode, mode);
	timestr(st.mtime, when, sizeof(when));
#if RBU_HAVE_READLINK
	if (S_ISLNK(st.mode)) {
		ssize_t n = rump_sys_readlink(rp, target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = '\0';
	}
#endif
	fprintf(out, "%s %2u %5u %5u %10" PRIu64 " %s %s%s%s\n", mode, st.nlink, st.uid, st.gid, st.size, when, name,
	    target[0] ? " -> " : "", target);
}

static void
cmd_ls(int argc, char **argv)
{
	int lflag = 0, i, ch;
	const char *def[] = { "/" };

	optind = 1;
	while ((ch = getopt(argc, argv, "l")) != -1) {
		if (ch != 'l') {
			fprintf(err, "usage: %s %sls [-l] [PATH...]\n", PROG, OPERANDS);
			exit(2);
		}
		lflag = 1;
	}
	argc -= optind;
	argv += optind;
	for (i = 0; i < (argc ? argc : 1); i++) {
		const char *p = argc ? argv[i] : def[0];
		char rp[PATH_MAX], ep[PATH_MAX];
		struct rbu_stat st;
		struct names nm;
		size_t k;

		if (rpath(p, rp, sizeof(rp)) == NULL || rstat(rp, 1, &st) == -1) {
			warnx_("ls: cannot access '%s': %s", p, rstr());
			continue;
		}
		if (!S_ISDIR(st.mode)) {
			ls_line(rp, p, lflag);
			continue;
		}
		if (read_names(rp, &nm) == -1) {
			warnx_("ls: cannot open directory '%s': %s", p, rstr());
			continue;
		}
		if (argc > 1)
			fprintf(out, "%s%s:\n", i ? "\n" : "", p);
		for (k = 0; k < nm.n; k++) {
			if (join(ep, sizeof(ep), rp, nm.v[k]) == 0)
				ls_line(ep, nm.v[k], lflag);
		}
		free_names(&nm);
	}
}

static const char *
typestr(uint32_t m)
{
	return S_ISDIR(m) ? "directory" : S_ISREG(m) ? "regular file" : S_ISLNK(m) ? "symbolic link" :
	    S_ISCHR(m) ? "character special file" : S_ISBLK(m) ? "block special file" :
	    S_ISFIFO(m) ? "fifo" : S_ISSOCK(m) ? "socket" : "unknown";
}

static void
cmd_stat(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(err, "usage: %s %sstat PATH...\n", PROG, OPERANDS);
		exit(2);
	}
	for (i = 1; i < argc; i++) {
		char rp[PATH_MAX], mode[11], a[32], m[32], c[32];
		struct rbu_stat st;

		if (rpath(argv[i], rp, sizeof(rp)) == NULL || rstat(rp, 0, &st) == -1) {
			warnx_("stat: cannot statx '%s': %s", argv[i], rstr());
			continue;
		}
		modestr(st.mode, mode);
		timestr(st.atime, a, sizeof(a));
		timestr(st.mtime, m, sizeof(m));
		timestr(st.ctime, c, sizeof(c));
		fprintf(out, "  File: %s\n  Size: %-15" PRIu64 " Blocks: %-10" PRIu64 " IO Block: %-6u %s\n"
		    "Inode: %-15" PRIu64 " Links: %u\n"
		    "Access: (%04o/%s)  Uid: (%5u)   Gid: (%5u)\n"
		    "Access: %s:%02u.%09d UTC\nModify: %s:%02u.%09d UTC\nChange: %s:%02u.%09d UTC\n",
		    argv[i], st.size, st.blocks, st.blksize, typestr(st.mode), st.ino, st.nlink,
		    st.mode & 07777, mode, st.uid, st.gid,
		    a, (unsigned)(st.atime % 60), st.atime_ns, m, (unsigned)(st.mtime % 60), st.mtime_ns,
		    c, (unsigned)(st.ctime % 60), st.ctime_ns);
	}
}

static void
cmd_df(void)
{
	struct rbu_statvfs sv;
	uint64_t unit, total, avail, used;

	if (rumpbuild_util_statvfs(MNT, &sv) == -1) {
		warnx_("df: %s: %s", image_name, rstr());
		return;
	}
	unit = sv.frsize ? sv.frsize : sv.bsize;
	total = sv.blocks * unit / 1024;
	avail = sv.bavail * unit / 1024;
	used = (sv.blocks - sv.bfree) * unit / 1024;
	fprintf(out, "Filesystem     1K-blocks      Used Available Use%% Mounted on\n");
	fprintf(out, "%-14s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %3u%% %s%s\n", image_name, total, used, avail,
	    used + avail ? (unsigned)((used * 100 + used + avail - 1) / (used + avail)) : 0u, "/",
	    sv.rdonly ? " (read-only)" : "");
}

/* ---- cat / get / put --------------------------------------------------- */

static char iobuf[IOSIZE];

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy rump file rp to host fd; -1 with a message naming what. */
static int
copy_out(const char *rp, int hfd, const char *cmd, const char *what, const char *dst)
{
	int fd = rump_sys_open(rp, RUMP_O_RDONLY);
	ssize_t n = 0;
#if !RBU_ZFS
	int64_t done = 0, mark = 0;
#endif

	if (fd == -1) {
		warnx_("%s: %s: %s", cmd, what, rstr());
		return -1;
	}
	while (!stop_sig && (n = rump_sys_read(fd, iobuf, sizeof(iobuf))) > 0) {
		if (write_all(hfd, iobuf, (size_t)n) == -1) {
			warnx_("%s: %s: %s", cmd, dst, strerror(errno));
			rump_sys_close(fd);
			return -1;
		}
#if !RBU_ZFS
		done += n;
		flush_behind(fd, &mark, done);	/* frees the pages read, as those written */
#endif
	}
	if (n == -1)
		warnx_("%s: %s: %s", cmd, what, rstr());
	rump_sys_close(fd);
	return n == -1 ? -1 : 0;
}

static void
cmd_cat(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		char rp[PATH_MAX];

		if (rpath(argv[i], rp, sizeof(rp)) == NULL) {
			warnx_("cat: %s: %s", argv[i], strerror(ENAMETOOLONG));
			continue;
		}
		copy_out(rp, outfd, "cat", argv[i], "standard output");
	}
}

static void
set_host_times(const char *hp, const struct rbu_stat *st)
{
	struct timespec ts[2] = { { (time_t)st->atime, st->atime_ns }, { (time_t)st->mtime, st->mtime_ns } };

	utimensat(AT_FDCWD, hp, ts, AT_SYMLINK_NOFOLLOW);
}

/* get: rump path rp (user's name src) to host path hp. */
static void
get_one(const char *rp, const char *src, const char *hp, int rflag)
{
	struct rbu_stat st;

	if (stop_sig)
		return;

	if (rstat(rp, 0, &st) == -1) {
		if (rerr() != EOPNOTSUPP) {
			warnx_("get: cannot stat '%s': %s", src, rstr());
			return;
		}
		memset(&st, 0, sizeof(st));	/* a rump kernel without stat: copy it as a file */
		st.mode = S_IFREG | 0644;
		st.atime_ns = st.mtime_ns = UTIME_OMIT;
	}
	if (S_ISDIR(st.mode)) {
		struct names nm;
		size_t k;

		if (!rflag) {
			warnx_("get: -r not specified; omitting directory '%s'", src);
			return;
		}
		if (mkdir(hp, st.mode & 07777) == -1 && errno != EEXIST) {
			warnx_("get: cannot create directory '%s': %s", hp, strerror(errno));
			return;
		}
		if (read_names(rp, &nm) == -1) {
			warnx_("get: cannot read directory '%s': %s", src, rstr());
			return;
		}
		for (k = 0; k < nm.n; k++) {
			char r2[PATH_MAX], s2[PATH_MAX], h2[PATH_MAX];

			if (join(r2, sizeof(r2), rp, nm.v[k]) || join(s2, sizeof(s2), src, nm.v[k])
			    || join(h2, sizeof(h2), hp, nm.v[k])) {
				warnx_("get: %s/%s: %s", src, nm.v[k], strerror(ENAMETOOLONG));
				continue;
			}
			get_one(r2, s2, h2, rflag);
		}
		free_names(&nm);
		set_host_times(hp, &st);
		return;
	}
#if RBU_HAVE_READLINK
	if (S_ISLNK(st.mode)) {
		char target[PATH_MAX];
		ssize_t n = rump_sys_readlink(rp, target, sizeof(target) - 1);

		if (n == -1) {
			warnx_("get: cannot read link '%s': %s", src, rstr());
			return;
		}
		target[n] = '\0';
		unlink(hp);
		if (symlink(target, hp) == -1)
			warnx_("get: cannot create symbolic link '%s': %s", hp, strerror(errno));
		return;
	}
#endif
	if (!S_ISREG(st.mode)) {
		warnx_("get: '%s' is a %s; only files, directories and symbolic links are copied", src,
		    typestr(st.mode));
		return;
	}
	{
		int hfd = open(hp, O_WRONLY | O_CREAT | O_TRUNC, st.mode & 0777);

		if (hfd == -1) {
			warnx_("get: cannot create regular file '%s': %s", hp, strerror(errno));
			return;
		}
		if (copy_out(rp, hfd, "get", src, hp) == 0 && close(hfd) == 0)
			set_host_times(hp, &st);
		else
			close(hfd);
	}
}

static void
set_rump_times(const char *rp, const struct stat *hs)
{
	/* best effort, as cp -p on FAT: it keeps 2-second mtimes and only the date of access */
	(void)rumpbuild_util_utimens(rp, hs->st_atim.tv_sec, (int32_t)hs->st_atim.tv_nsec, hs->st_mtim.tv_sec,
	    (int32_t)hs->st_mtim.tv_nsec);
}

/* put: host path hp to rump path rp (user's name dst). */
static void
put_one(const char *hp, const char *rp, const char *dst, int rflag)
{
	struct stat hs;

	if (stop_sig)
		return;

	if (lstat(hp, &hs) == -1) {
		warnx_("put: cannot stat '%s': %s", hp, strerror(errno));
		return;
	}
	if (S_ISDIR(hs.st_mode)) {
		DIR *d;
		struct dirent *de;
		char **names = NULL;
		size_t n = 0, cap = 0, k;

		if (!rflag) {
			warnx_("put: -r not specified; omitting directory '%s'", hp);
			return;
		}
		if (rump_sys_mkdir(rp, hs.st_mode & 07777) == -1 && rerr() != EEXIST) {
			warnx_("put: cannot create directory '%s': %s", dst, rstr());
			return;
		}
		if ((d = opendir(hp)) == NULL) {
			warnx_("put: cannot read directory '%s': %s", hp, strerror(errno));
			return;
		}
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (n == cap && (names = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names))) == NULL)
				exit(2);
			names[n++] = strdup(de->d_name);
		}
		closedir(d);
		qsort(names, n, sizeof(*names), cmpname);
		for (k = 0; k < n; k++) {
			char h2[PATH_MAX], r2[PATH_MAX], d2[PATH_MAX];

			if (join(h2, sizeof(h2), hp, names[k]) == 0 && join(r2, sizeof(r2), rp, names[k]) == 0
			    && join(d2, sizeof(d2), dst, names[k]) == 0)
				put_one(h2, r2, d2, rflag);
			else
				warnx_("put: %s/%s: %s", hp, names[k], strerror(ENAMETOOLONG));
			free(names[k]);
		}
		free(names);
		set_rump_times(rp, &hs);
		return;
	}
	if (S_ISLNK(hs.st_mode)) {
#if RBU_HAVE_SYMLINK
		char target[PATH_MAX];
		ssize_t n = readlink(hp, target, sizeof(target) - 1);

		if (n == -1) {
			warnx_("put: cannot read link '%s': %s", hp, strerror(errno));
			return;
		}
		target[n] = '\0';
#if RBU_HAVE_UNLINK
		rump_sys_unlink(rp);
#endif
		if (rump_sys_symlink(target, rp) == -1)
			warnx_("put: cannot create symbolic link '%s': %s", dst, rstr());
#else
		warnx_("put: '%s' is a symbolic link, and this rump kernel has no symlink()", hp);
#endif
		return;
	}
	if (!S_ISREG(hs.st_mode)) {
		warnx_("put: '%s' is not a regular file, directory or symbolic link; skipped", hp);
		return;
	}
	{
		int hfd = open(hp, O_RDONLY), fd;
		ssize_t n = 0;

		if (hfd == -1) {
			warnx_("put: cannot open '%s' for reading: %s", hp, strerror(errno));
			return;
		}
		fd = rump_sys_open(rp, RUMP_O_WRONLY | RUMP_O_CREAT | RUMP_O_TRUNC, hs.st_mode & 0777);
		if (fd == -1) {
			warnx_("put: cannot create regular file '%s': %s", dst, rstr());
			close(hfd);
			return;
		}
		int64_t done = 0, mark = 0;

		while (!stop_sig && (n = read(hfd, iobuf, sizeof(iobuf))) > 0) {
			ssize_t w = rump_sys_write(fd, iobuf, (size_t)n);

			if (w != n) {
				warnx_("put: error writing '%s': %s", dst, w == -1 ? rstr() : strerror(ENOSPC));
				break;
			}
			done += w;
			flush_behind(fd, &mark, done);
		}
		if (n == -1)
			warnx_("put: error reading '%s': %s", hp, strerror(errno));
		if (rump_sys_close(fd) == -1)
			warnx_("put: error writing '%s': %s", dst, rstr());
		close(hfd);
		set_rump_times(rp, &hs);
	}
}

/* cp's rule: copying into an existing directory puts SRC's last name inside it. */
static void
cmd_get_put(int argc, char **argv, int put)
{
	int rflag = 0, ch;
	char rp[PATH_MAX], full[PATH_MAX], dname[PATH_MAX];
	const char *src, *dst;

	optind = 1;
	while ((ch = getopt(argc, argv, "rR")) != -1) {
		if (ch != 'r' && ch != 'R') {
			fprintf(err, "usage: %s %s%s [-r] SRC DST\n", PROG, OPERANDS, argv[0]);
			exit(2);
		}
		rflag = 1;
	}
	if (argc - optind != 2) {
		fprintf(err, "usage: %s %s%s [-r] SRC DST\n", PROG, OPERANDS, put ? "put" : "get");
		exit(2);
	}
	src = argv[optind];
	dst = argv[optind + 1];
	if (put) {
		struct rbu_stat st;

		if (rpath(dst, rp, sizeof(rp)) == NULL) {
			warnx_("put: %s: %s", dst, strerror(ENAMETOOLONG));
			return;
		}
		if (rstat(rp, 1, &st) == 0 && S_ISDIR(st.mode)) {
			if (join(full, sizeof(full), rp, base_name(src)) || join(dname, sizeof(dname), dst,
			    base_name(src))) {
				warnx_("put: %s: %s", dst, strerror(ENAMETOOLONG));
				return;
			}
			put_one(src, full, dname, rflag);
		} else
			put_one(src, rp, dst, rflag);
	} else {
		struct stat hs;

		if (rpath(src, rp, sizeof(rp)) == NULL) {
			warnx_("get: %s: %s", src, strerror(ENAMETOOLONG));
			return;
		}
		if (stat(dst, &hs) == 0 && S_ISDIR(hs.st_mode)) {
			if (join(full, sizeof(full), dst, base_name(src))) {
				warnx_("get: %s: %s", dst, strerror(ENAMETOOLONG));
				return;
			}
			get_one(rp, src, full, rflag);
		} else
			get_one(rp, src, dst, rflag);
	}
}

/* ---- mkdir / rm / mv --------------------------------------------------- */

static void
cmd_mkdir(int argc, char **argv)
{
	int pflag = 0, ch, i;

	optind = 1;
	while ((ch = getopt(argc, argv, "p")) != -1) {
		if (ch != 'p') {
			fprintf(err, "usage: %s %smkdir [-p] PATH...\n", PROG, OPERANDS);
			exit(2);
		}
		pflag = 1;
	}
	for (i = optind; i < argc; i++) {
		char rp[PATH_MAX];

		if (rpath(argv[i], rp, sizeof(rp)) == NULL) {
			warnx_("mkdir: cannot create directory '%s': %s", argv[i], strerror(ENAMETOOLONG));
			continue;
		}
		if (pflag) {
			char *s;

			for (s = rp + strlen(MNT) + 1; (s = strchr(s, '/')) != NULL; s++) {
				*s = '\0';
				rump_sys_mkdir(rp, 0755);
				*s = '/';
			}
		}
		if (rump_sys_mkdir(rp, 0755) == -1 && !(pflag && rerr() == EEXIST))
			warnx_("mkdir: cannot create directory '%s': %s", argv[i], rstr());
	}
}

static int
rm_tree(const char *rp, const char *name, int rflag, int fflag)
{
	struct rbu_stat st;

	if (stop_sig)
		return -1;

	if (rstat(rp, 0, &st) == -1) {
		if (!(fflag && rerr() == ENOENT))
			warnx_("rm: cannot remove '%s': %s", name, rstr());
		return -1;
	}
	if (S_ISDIR(st.mode)) {
		struct names nm;
		size_t k;

		if (!rflag) {
			warnx_("rm: cannot remove '%s': Is a directory", name);
			return -1;
		}
		if (read_names(rp, &nm) == -1) {
			warnx_("rm: cannot read directory '%s': %s", name, rstr());
			return -1;
		}
		for (k = 0; k < nm.n; k++) {
			char r2[PATH_MAX], n2[PATH_MAX];

			if (join(r2, sizeof(r2), rp, nm.v[k]) == 0 && join(n2, sizeof(n2), name, nm.v[k]) == 0)
				rm_tree(r2, n2, rflag, fflag);
		}
		free_names(&nm);
#if RBU_HAVE_RMDIR
		if (rump_sys_rmdir(rp) == -1) {
			warnx_("rm: cannot remove '%s': %s", name, rstr());
			return -1;
		}
		return 0;
#endif
	}
#if RBU_HAVE_UNLINK
	if (rump_sys_unlink(rp) == -1) {
		warnx_("rm: cannot remove '%s': %s", name, rstr());
		return -1;
	}
	return 0;
#else
	warnx_("rm: cannot remove '%s': this rump kernel has no unlink()", name);
	return -1;
#endif
}

static void
cmd_rm(int argc, char **argv)
{
	int rflag = 0, fflag = 0, ch, i;

	optind = 1;
	while ((ch = getopt(argc, argv, "rRf")) != -1) {
		if (ch == 'r' || ch == 'R')
			rflag = 1;
		else if (ch == 'f')
			fflag = 1;
		else {
			fprintf(err, "usage: %s %srm [-r] [-f] PATH...\n", PROG, OPERANDS);
			exit(2);
		}
	}
	for (i = optind; i < argc; i++) {
		char rp[PATH_MAX];

		if (rpath(argv[i], rp, sizeof(rp)) == NULL || strcmp(rp, MNT "/") == 0) {
			warnx_("rm: refusing to remove '%s'", argv[i]);
			continue;
		}
		rm_tree(rp, argv[i], rflag, fflag);
	}
}

static void
cmd_mv(int argc, char **argv)
{
	char ra[PATH_MAX], rb[PATH_MAX], full[PATH_MAX];
	struct rbu_stat st;

	if (argc != 3) {
		fprintf(err, "usage: %s %smv SRC DST\n", PROG, OPERANDS);
		exit(2);
	}
	if (rpath(argv[1], ra, sizeof(ra)) == NULL || rpath(argv[2], rb, sizeof(rb)) == NULL) {
		warnx_("mv: %s: %s", argv[1], strerror(ENAMETOOLONG));
		return;
	}
	if (rstat(rb, 1, &st) == 0 && S_ISDIR(st.mode) && join(full, sizeof(full), rb, base_name(argv[1])) == 0)
		strcpy(rb, full);
#if RBU_HAVE_RENAME
	if (rump_sys_rename(ra, rb) == -1)
		warnx_("mv: cannot move '%s' to '%s': %s", argv[1], argv[2], rstr());
#else
	warnx_("mv: this rump kernel has no rename()");
#endif
}

/* ---- FUSE face ------------------------------------------------------------ */

#if RBU_FUSE
#define FPATH(p, buf)							\
	char buf[PATH_MAX];						\
	if (rpath(p, buf, sizeof(buf)) == NULL)				\
		return -ENAMETOOLONG

static int
host_stat(const struct rbu_stat *r, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = r->ino;
	st->st_mode = r->mode;
	st->st_nlink = r->nlink;
	st->st_uid = r->uid;
	st->st_gid = r->gid;
	st->st_size = (off_t)r->size;
	st->st_blocks = (blkcnt_t)r->blocks;
	st->st_blksize = r->blksize;
	st->st_atim.tv_sec = r->atime;
	st->st_atim.tv_nsec = r->atime_ns;
	st->st_mtim.tv_sec = r->mtime;
	st->st_mtim.tv_nsec = r->mtime_ns;
	st->st_ctim.tv_sec = r->ctime;
	st->st_ctim.tv_nsec = r->ctime_ns;
	return 0;
}

/*
 * rump descriptors FUSE holds open.  A signal ends the loop without the
 * release of files still open on the host side; closing them is what lets
 * the rump file system unmount (else EBUSY) with their data.
 */
#define MAXFH	8192
static unsigned char fh_open[MAXFH];
static int64_t fh_mark[MAXFH];		/* flush_behind's mark per descriptor */
/*
 * -m on NetBSD's rump kernel: requests run at once, but those that move a
 * file's pages (read, write, fsync, truncate, release) take data_lock.  Two
 * at once make the 2016 kernel's read-ahead (genfs_getpages, UFP_NOWAIT)
 * hand its rump uvm_page_unbusy() the PGO_DONTCARE marker, which that
 * version does not skip: a crash, on one file always, on four files at the
 * memory limit 3 times of 3 even with a lock per file; with this one lock,
 * 0 times of 4.
 */
static pthread_mutex_t data_lock = PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t *
data_enter(void)
{
	if (!(RBU_HAVE_LWPROC && mt_mode))
		return NULL;
	pthread_mutex_lock(&data_lock);
	return &data_lock;
}

static void
data_leave(pthread_mutex_t *m)
{
	if (m != NULL)
		pthread_mutex_unlock(m);
}

static int
keep_fh(int fd, struct fuse_file_info *fi)
{
	if (fd >= 0 && fd < MAXFH) {
		fh_open[fd] = 1;
		fh_mark[fd] = 0;
	}
	fi->fh = (uint64_t)fd;
	return 0;
}

static void
close_all_fh(void)
{
	int fd;

	for (fd = 0; fd < MAXFH; fd++)
		if (fh_open[fd]) {
			rump_sys_close(fd);
			fh_open[fd] = 0;
		}
}

static int
f_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct rbu_stat r;
	FPATH(path, rp);

	(void)fi;
	if (rstat(rp, 0, &r) == -1)
		return -rerr();
	return host_stat(&r, st);
}

static int
f_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
    enum fuse_readdir_flags flags)
{
	char dbuf[16384] __attribute__((aligned(8)));	/* one per request: workers run at once */
	int fd, n;
	FPATH(path, rp);

	(void)off; (void)fi; (void)flags;
	if ((fd = rump_sys_open(rp, RUMP_O_RDONLY)) == -1)
		return -rerr();
	while ((n = rumpbuild_util_getdents(fd, dbuf, sizeof(dbuf))) > 0) {
		int o;

		for (o = 0; o < n;) {
			struct rbu_dirent *d = (struct rbu_dirent *)(dbuf + o);
			struct stat st;

			memset(&st, 0, sizeof(st));
			st.st_ino = d->ino;
			st.st_mode = (mode_t)d->type << 12;	/* DT_* is S_IFMT >> 12 */
			filler(buf, d->name, &st, 0, 0);
			o += d->reclen;
		}
	}
	n = n == -1 ? -rerr() : 0;
	rump_sys_close(fd);
	return n;
}

static int
rump_oflags(int flags)
{
	int r = (flags & O_ACCMODE) == O_WRONLY ? RUMP_O_WRONLY : (flags & O_ACCMODE) == O_RDWR ? RUMP_O_RDWR :
	    RUMP_O_RDONLY;

	if (flags & O_CREAT)
		r |= RUMP_O_CREAT;
	if (flags & O_TRUNC)
		r |= RUMP_O_TRUNC;
	if (flags & O_EXCL)
		r |= RUMP_O_EXCL;
	if (flags & O_APPEND)
		r |= RUMP_O_APPEND;
	return r;
}

static int
f_open(const char *path, struct fuse_file_info *fi)
{
	int fd;
	FPATH(path, rp);

	if ((fd = rump_sys_open(rp, rump_oflags(fi->flags))) == -1)
		return -rerr();
	return keep_fh(fd, fi);
}

static int
f_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd;
	FPATH(path, rp);

	if ((fd = rump_sys_open(rp, rump_oflags(fi->flags) | RUMP_O_CREAT, mode & 07777)) == -1)
		return -rerr();
	return keep_fh(fd, fi);
}

/*
 * One pread/pwrite of at most IOSIZE bytes, as put/get do: FUSE hands over
 * up to 1 MiB (max_write), and a 1 MiB write kills rump_zfs (SIGSEGV in
 * -s and -m alike; the 2016 zfs faults in uiomove).  A short count ends it.
 */
static ssize_t
rw_pieces(int fd, char *buf, size_t size, off_t off, int wr)
{
	size_t done = 0;

	while (done < size) {
		size_t len = size - done < IOSIZE ? size - done : IOSIZE;
		off_t at = off + (off_t)done;
		ssize_t n;

		if (wr)
#if RBU_HAVE_PWRITE
			n = rump_sys_pwrite(fd, buf + done, len, at);
#else
			n = rump_sys_lseek(fd, at, SEEK_SET) == -1 ? -1 : rump_sys_write(fd, buf + done, len);
#endif
		else
#if RBU_HAVE_PREAD
			n = rump_sys_pread(fd, buf + done, len, at);
#else
			n = rump_sys_lseek(fd, at, SEEK_SET) == -1 ? -1 : rump_sys_read(fd, buf + done, len);
#endif
		if (n == -1)
			return done ? (ssize_t)done : -1;
		done += (size_t)n;
		if ((size_t)n < len)
			break;
	}
	return (ssize_t)done;
}

static int
f_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	ssize_t n;

	(void)path;
	n = rw_pieces((int)fi->fh, buf, size, off, 0);
#if !RBU_ZFS
	if (n > 0 && fi->fh < MAXFH)
		flush_behind((int)fi->fh, &fh_mark[fi->fh], off + n);	/* frees the pages read */
#endif
	return n == -1 ? -rerr() : (int)n;
}

static int
f_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	ssize_t n;

	(void)path;
	n = rw_pieces((int)fi->fh, (char *)buf, size, off, 1);
	if (n > 0 && fi->fh < MAXFH)
		flush_behind((int)fi->fh, &fh_mark[fi->fh], off + n);
	return n == -1 ? -rerr() : (int)n;
}

static int
f_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	if (fi->fh < MAXFH)
		fh_open[fi->fh] = 0;
	return rump_sys_close((int)fi->fh) == -1 ? -rerr() : 0;
}

static int
f_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path; (void)datasync;
	if (rump_sys_fsync((int)fi->fh) == -1)
		return -rerr();
#if RBU_OWN_BIO
	if (rbu_bio_flush() != 0)
		return -EIO;
#endif
	return 0;
}

static int
f_mkdir(const char *path, mode_t mode)
{
	FPATH(path, rp);
	return rump_sys_mkdir(rp, mode & 07777) == -1 ? -rerr() : 0;
}

static int
f_unlink(const char *path)
{
	FPATH(path, rp);
#if RBU_HAVE_UNLINK
	return rump_sys_unlink(rp) == -1 ? -rerr() : 0;
#else
	(void)rp;
	return -ENOSYS;
#endif
}

static int
f_rmdir(const char *path)
{
	FPATH(path, rp);
#if RBU_HAVE_RMDIR
	return rump_sys_rmdir(rp) == -1 ? -rerr() : 0;
#else
	(void)rp;
	return -ENOSYS;
#endif
}

static int
f_rename(const char *from, const char *to, unsigned int flags)
{
	struct rbu_stat st;
	FPATH(from, ra);
	FPATH(to, rb);

	if (flags & RENAME_EXCHANGE)
		return -EINVAL;
	if ((flags & RENAME_NOREPLACE) && rstat(rb, 0, &st) == 0)
		return -EEXIST;
#if RBU_HAVE_RENAME
	return rump_sys_rename(ra, rb) == -1 ? -rerr() : 0;
#else
	return -ENOSYS;
#endif
}

static int
f_symlink(const char *target, const char *path)
{
	FPATH(path, rp);
#if RBU_HAVE_SYMLINK
	return rump_sys_symlink(target, rp) == -1 ? -rerr() : 0;
#else
	(void)target; (void)rp;
	return -ENOSYS;
#endif
}

static int
f_readlink(const char *path, char *buf, size_t size)
{
	FPATH(path, rp);
#if RBU_HAVE_READLINK
	ssize_t n = rump_sys_readlink(rp, buf, size - 1);

	if (n == -1)
		return -rerr();
	buf[n] = '\0';
	return 0;
#else
	(void)buf; (void)size; (void)rp;
	return -ENOSYS;
#endif
}

static int
f_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	FPATH(path, rp);
#if RBU_HAVE_FTRUNCATE && RBU_HAVE_TRUNCATE
	if (fi != NULL)
		return rump_sys_ftruncate((int)fi->fh, size) == -1 ? -rerr() : 0;
	return rump_sys_truncate(rp, size) == -1 ? -rerr() : 0;
#else
	(void)fi; (void)size; (void)rp;
	return -ENOSYS;
#endif
}

static int
f_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	FPATH(path, rp);
	(void)fi;
#if RBU_HAVE_CHMOD
	return rump_sys_chmod(rp, mode & 07777) == -1 ? -rerr() : 0;
#else
	(void)mode; (void)rp;
	return -ENOSYS;
#endif
}

static int
f_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	FPATH(path, rp);
	(void)fi;
#if RBU_HAVE_LCHOWN
	return rump_sys_lchown(rp, uid, gid) == -1 ? -rerr() : 0;
#else
	(void)uid; (void)gid; (void)rp;
	return -ENOSYS;
#endif
}

static int32_t
rbu_ns(long ns)
{
	return ns == UTIME_NOW ? RBU_UTIME_NOW : ns == UTIME_OMIT ? RBU_UTIME_OMIT : (int32_t)ns;
}

static int
f_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	FPATH(path, rp);
	(void)fi;
	if (tv == NULL)
		return rumpbuild_util_utimens(rp, 0, RBU_UTIME_NOW, 0, RBU_UTIME_NOW) == -1 ? -rerr() : 0;
	return rumpbuild_util_utimens(rp, tv[0].tv_sec, rbu_ns(tv[0].tv_nsec), tv[1].tv_sec,
	    rbu_ns(tv[1].tv_nsec)) == -1 ? -rerr() : 0;
}

static int
f_statfs(const char *path, struct statvfs *sv)
{
	struct rbu_statvfs r;

	(void)path;
	if (rumpbuild_util_statvfs(MNT, &r) == -1)
		return -rerr();
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = r.bsize;
	sv->f_frsize = r.frsize;
	sv->f_blocks = r.blocks;
	sv->f_bfree = r.bfree;
	sv->f_bavail = r.bavail;
	sv->f_files = r.files;
	sv->f_ffree = r.ffree;
	sv->f_favail = r.ffree;
	sv->f_namemax = r.namemax;
	return 0;
}

static void *
f_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->use_ino = 1;		/* the file system's own inode numbers */
	cfg->nullpath_ok = 0;
	return NULL;
}

/* Each request enters the rump kernel through rump_enter()/rump_leave(). */
#define OP(name, proto, args)						\
static int								\
w_##name proto								\
{									\
	int rv;								\
									\
	rump_enter();							\
	rv = f_##name args;						\
	rump_leave();							\
	return rv;							\
}
/* the same, holding data_lock (-m) */
#define OPF(name, proto, args)						\
static int								\
w_##name proto								\
{									\
	pthread_mutex_t *m;						\
	int rv;								\
									\
	rump_enter();							\
	m = data_enter();						\
	rv = f_##name args;						\
	data_leave(m);							\
	rump_leave();							\
	return rv;							\
}

typedef const char *P;
typedef struct fuse_file_info *FI;
OP(getattr, (P p, struct stat *st, FI fi), (p, st, fi))
OP(readdir, (P p, void *b, fuse_fill_dir_t fl, off_t o, FI fi, enum fuse_readdir_flags f), (p, b, fl, o, fi, f))
OP(open, (P p, FI fi), (p, fi))
OP(create, (P p, mode_t m, FI fi), (p, m, fi))
OPF(read, (P p, char *b, size_t n, off_t o, FI fi), (p, b, n, o, fi))
OPF(write, (P p, const char *b, size_t n, off_t o, FI fi), (p, b, n, o, fi))
OPF(release, (P p, FI fi), (p, fi))
OPF(fsync, (P p, int d, FI fi), (p, d, fi))
OP(mkdir, (P p, mode_t m), (p, m))
OP(unlink, (P p), (p))
OP(rmdir, (P p), (p))
OP(rename, (P a, P b, unsigned int f), (a, b, f))
OP(symlink, (P t, P p), (t, p))
OP(readlink, (P p, char *b, size_t n), (p, b, n))
OPF(truncate, (P p, off_t n, FI fi), (p, n, fi))
OP(chmod, (P p, mode_t m, FI fi), (p, m, fi))
OP(chown, (P p, uid_t u, gid_t g, FI fi), (p, u, g, fi))
OP(utimens, (P p, const struct timespec tv[2], FI fi), (p, tv, fi))
OP(statfs, (P p, struct statvfs *sv), (p, sv))

static const struct fuse_operations fuse_ops = {
	.init = f_init,
	.getattr = w_getattr,
	.readdir = w_readdir,
	.open = w_open,
	.create = w_create,
	.read = w_read,
	.write = w_write,
	.release = w_release,
	.fsync = w_fsync,
	.mkdir = w_mkdir,
	.unlink = w_unlink,
	.rmdir = w_rmdir,
	.rename = w_rename,
	.symlink = w_symlink,
	.readlink = w_readlink,
	.truncate = w_truncate,
	.chmod = w_chmod,
	.chown = w_chown,
	.utimens = w_utimens,
	.statfs = w_statfs,
};

/*
 * Serve MOUNTPOINT.  The rump kernel boots in the process that serves
 * (after the fork of daemon mode: its threads would not survive a fork),
 * and the parent waits for its word, so a failed mount still exits 1 with
 * the message on the terminal.
 */
static int
run_fuse(const char *spec, const char *mnt, int ro, int foreground, int debug, const char *fuseopts)
{
	struct fuse_args fa = FUSE_ARGS_INIT(0, NULL);
	struct fuse *f;
	char opts[4096], absmnt[PATH_MAX];
	int pfd[2] = { -1, -1 }, rv;
	char ok = 1;

	/* the daemon leaves the current directory: it unmounts by absolute path */
	if (realpath(mnt, absmnt) == NULL) {
		warnx_("%s: %s", mnt, strerror(errno));
		return 1;
	}
	mnt = absmnt;
	if (!foreground) {
		pid_t pid;

		if (pipe(pfd) == -1 || (pid = fork()) == -1) {
			warnx_("cannot start the daemon: %s", strerror(errno));
			return 1;
		}
		if (pid != 0) {
			char c = 0;

			close(pfd[1]);
			if (read(pfd[0], &c, 1) != 1 || c != 1) {
				int st;

				waitpid(pid, &st, 0);
				return 1;
			}
			return 0;
		}
		close(pfd[0]);
		setsid();
	}
	if (mount_fs(spec, ro) != 0)
		return 1;
	snprintf(opts, sizeof(opts), "fsname=%s,subtype=%s%s%s%s", spec, RBU_FS, ro ? ",ro" : "",
	    fuseopts[0] ? "," : "", fuseopts);
	fuse_opt_add_arg(&fa, PROG);
	fuse_opt_add_arg(&fa, "-o");
	fuse_opt_add_arg(&fa, opts);
	if (debug)
		fuse_opt_add_arg(&fa, "-d");
	if ((f = fuse_new(&fa, &fuse_ops, sizeof(fuse_ops), NULL)) == NULL) {
		warnx_("bad FUSE options: -o %s (mount.fuse3(8) lists them; -v shows libfuse's own message)", fuseopts);
		unmount_fs();
		return 1;
	}
	if (fuse_mount(f, mnt) != 0) {
		warnx_("cannot mount on %s (does it exist? is /dev/fuse usable? fusermount3 installed?)", mnt);
		fuse_destroy(f);
		unmount_fs();
		return 1;
	}
	if (fuse_set_signal_handlers(fuse_get_session(f)) != 0) {
		warnx_("cannot set the signal handlers");
		fuse_unmount(f);
		fuse_destroy(f);
		unmount_fs();
		return 1;
	}
	if (!foreground) {
		int dn = open("/dev/null", O_RDWR);

		if (chdir("/") != 0) {
			/* staying in the old directory only keeps it busy */
		}
		fflush(err);
		if (dn != -1) {
			dup2(dn, 0);
			dup2(dn, 1);
			dup2(dn, 2);
			/* also our copies of the original 1 and 2: a caller reading them waits for EOF */
			if (err != stderr)
				dup2(dn, fileno(err));
			if (out != stdout) {
				fflush(out);
				dup2(dn, fileno(out));
			}
			if (dn > 2)
				close(dn);
		}
		if (write(pfd[1], &ok, 1) != 1)
			_exit(1);	/* the parent is gone */
		close(pfd[1]);
	}
	/* ends on unmount, SIGTERM, SIGINT, SIGHUP; the workers are gone when it returns */
	rv = mt_mode ? fuse_loop_mt(f, 0) : fuse_loop(f);
	fuse_remove_signal_handlers(fuse_get_session(f));
	fuse_unmount(f);		/* no new requests from here on */
	fuse_destroy(f);
	fuse_opt_free_args(&fa);
	close_all_fh();
	if (unmount_fs() != 0)		/* syncs: every write reaches the image */
		return 1;
	return rv < 0 ? 1 : status;
}
#endif /* RBU_FUSE */

/* ---- main -------------------------------------------------------------- */

/*
 * The rump kernel prints its console (attach and mount messages) on fds 1
 * and 2; send those to /dev/null (-v keeps them) and write our own output
 * through copies of the original descriptors.
 */
static void
quiet_console(void)
{
	int o, e, dn;

	fflush(stdout);
	fflush(stderr);
	if ((o = dup(STDOUT_FILENO)) == -1 || (e = dup(STDERR_FILENO)) == -1
	    || (dn = open("/dev/null", O_WRONLY)) == -1)
		return;
	fcntl(o, F_SETFD, FD_CLOEXEC);
	fcntl(e, F_SETFD, FD_CLOEXEC);
	out = fdopen(o, "w");
	err = fdopen(e, "w");
	if (out == NULL || err == NULL) {
		out = stdout;
		err = stderr;
		return;
	}
	setvbuf(err, NULL, _IONBF, 0);
	outfd = o;
	dup2(dn, STDOUT_FILENO);
	dup2(dn, STDERR_FILENO);
	close(dn);
}

static void
on_signal(int sig)
{
	stop_sig = sig;
}

#if RBU_STUBS
static const char *stub_cmd = "mount";	/* the command a stub stopped (for its message) */
static int stub_errfd = STDERR_FILENO;

static void
put_err(const char *s)
{
	ssize_t w = write(stub_errfd, s, strlen(s));

	(void)w;
}

/* SIGABRT: the kernel panicked, in a stub (its own panic line did not show here, even with -v). */
static void
on_stub_abort(int sig)
{
	(void)sig;
	put_err(PROG ": ");
	put_err(stub_cmd);
	put_err(": the rump kernel reached a kernel function this build links as a panicking stub "
	    "(--stubs) and stopped; " RBU_STUBS_WHY "\n");
	_exit(1);
}

static void
catch_stub_abort(const char *cmd)
{
	struct sigaction sa;

	stub_cmd = cmd;
	stub_errfd = fileno(err);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stub_abort;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, NULL);
}
#endif

/* A signal stops the command between blocks; main then unmounts, so the image stays consistent. */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

struct command {
	const char *name;
	void (*run)(int, char **);
};

static void run_get(int c, char **v) { cmd_get_put(c, v, 0); }
static void run_put(int c, char **v) { cmd_get_put(c, v, 1); }
static void run_df(int c, char **v) { (void)c; (void)v; cmd_df(); }

static const struct command commands[] = {
	{ "ls", cmd_ls }, { "cat", cmd_cat }, { "get", run_get }, { "put", run_put },
	{ "mkdir", cmd_mkdir }, { "rm", cmd_rm }, { "mv", cmd_mv }, { "stat", cmd_stat }, { "df", run_df },
};

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	int ro = RBU_READONLY, foreground = 0, debug = 0, verbose = 0, i;

	mt_mode = MT_DEFAULT;
	char fuseopts[2048] = "";
	const struct command *cmd;
	const char *spec = RBU_FS;  /* an image-less file system names itself in messages */

	out = stdout;
	err = stderr;

	/* options come before IMAGE; everything after the command is the command's */
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			fprintf(out, "%s %s (FUSE face: %s)\n", PROG, RBU_VERSION, RBU_FUSE ? "yes" : "no");
			return 0;
		}
		if (strcmp(a, "-f") == 0)
			foreground = 1;
		else if (strcmp(a, "-d") == 0)
			debug = foreground = verbose = 1;
		else if (strcmp(a, "-v") == 0)
			verbose = 1;
		else if (strcmp(a, "-s") == 0)
			mt_mode = 0;
		else if (strcmp(a, "-m") == 0)
			mt_mode = 1;
		else if (strcmp(a, "--init-from") == 0 && i + 1 < argc && RBU_STATE)
			init_from = argv[++i];
		else if (strcmp(a, "--init-from") == 0 || strcmp(a, "--state") == 0) {
			fprintf(err, "%s: %s: this program has no state file built in; `rumpbuild util %s --state "
			    "FILE` builds rump_%s-STEM with it (README, \"rump_<fs>\")\n", PROG, a, RBU_FS, RBU_FS);
			return 2;
		}
		else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
			char *opt, *save = NULL, *list = strdup(argv[++i]);

			for (opt = strtok_r(list, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
				if (strcmp(opt, "ro") == 0)
					ro = 1;
				else if (strcmp(opt, "rw") == 0)
					ro = RBU_READONLY;
#ifdef RUMP_MNT_ASYNC
				else if (strcmp(opt, "async") == 0)
					mntflags |= RUMP_MNT_ASYNC;
				else if (strcmp(opt, "sync") == 0)
					mntflags &= ~RUMP_MNT_ASYNC;
#endif
#ifdef RUMP_MNT_NOATIME
				else if (strcmp(opt, "noatime") == 0)
					mntflags |= RUMP_MNT_NOATIME;
#endif
				else if (strlen(fuseopts) + strlen(opt) + 2 < sizeof(fuseopts)) {
					if (fuseopts[0])
						strcat(fuseopts, ",");
					strcat(fuseopts, opt);
				}
			}
			free(list);
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else {
			fprintf(err, "%s: unknown option %s\n", PROG, a);
			usage(err);
			return 2;
		}
	}
	if (IMAGE_OPERAND) {
		if (i >= argc) {
			usage(err);
			return 2;
		}
		spec = argv[i++];
	}
	if (RBU_STATE)
		spec = RBU_STATE_FILE;
	image_name = spec;
	if (init_from != NULL) {
		/* the state's half reads it from the environment (as `rumpbuild test --init-from`) */
		char abs[PATH_MAX];

		if (realpath(init_from, abs) == NULL) {
			fprintf(err, "%s: --init-from %s: %s\n", PROG, init_from, strerror(errno));
			return 1;
		}
		setenv("RUMPBUILD_STATE_INIT_FROM", abs, 1);
	} else
		unsetenv("RUMPBUILD_STATE_INIT_FROM");
	if (!verbose)
		quiet_console();
#if RBU_ZFS
	{
		/* IMAGE... POOL[/DATASET] COMMAND|MOUNTPOINT, or IMAGE... zpool|zfs ... */
		int j = i;

		while (j < argc && find_command(argv[j]) == NULL && !rbu_zfs_is_admin(argv[j]))
			j++;
		if (j < argc && rbu_zfs_is_admin(argv[j]))
			return rbu_zfs_admin(argv + i, j - i, argc - j, argv + j, out, err);
		const char *mnt = NULL;

		if (j == argc)
			mnt = argv[j = argc - 1];	/* no command: the last operand is the mount point */
		if (j - i < 2) {
			usage(err);
			return 2;
		}
		if (rbu_zfs_operands(argv + i, j - 1 - i, argv[j - 1], mnt, err) != 0)
			return 2;
		spec = image_name = argv[j - 1];
		i = j;
	}
#endif
#if RBU_STATE
	rumpbuild_state_prog = PROG;
	rumpbuild_state_log = err;
	rumpbuild_state_verbose = verbose;
#endif
	if (i >= argc) {
		usage(err);
		return 2;
	}
	cmd = find_command(argv[i]);
	if (cmd == NULL) {
		if (i + 1 != argc) {
			fprintf(err, "%s: unknown command '%s' (ls, cat, get, put, mkdir, rm, mv, stat, df)\n",
			    PROG, argv[i]);
			return 2;
		}
#if RBU_FUSE
		if (fuseopts[0] && strchr(fuseopts, '\'') != NULL) {
			fprintf(err, "%s: -o %s: quotes are not allowed\n", PROG, fuseopts);
			return 2;
		}
#if RBU_STUBS
		catch_stub_abort("FUSE");	/* -f shows the line */
#endif
		return run_fuse(spec, argv[i], ro, foreground, debug, fuseopts);
#else
		fprintf(err, "%s: unknown command '%s'; this build has no FUSE face (" RBU_NOFUSE_WHY "), "
		    "so IMAGE MOUNTPOINT is not available: use the commands (--help)\n", PROG, argv[i]);
		return 2;
#endif
	}
	if (fuseopts[0] || foreground) {
		fprintf(err, "%s: -f, -d and -o %s are FUSE options; the commands take only -o ro\n", PROG,
		    fuseopts[0] ? fuseopts : "...");
		return 2;
	}
	catch_signals();
#if RBU_STUBS
	catch_stub_abort(argv[i]);
#endif
	if (mount_fs(spec, ro) != 0)
		return 1;
	cmd->run(argc - i, argv + i);
	fflush(out);
	if (stop_sig)
		warnx_("%s: stopped by signal %d; unmounting, so what was written is on the image", argv[i],
		    (int)stop_sig);
	if (unmount_fs() != 0)
		return 1;
	return stop_sig ? 128 + stop_sig : status;
}
