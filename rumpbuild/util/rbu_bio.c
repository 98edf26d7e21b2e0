/*
 * rump_<fs>'s block I/O hypercall: rumpuser_bio() done in the calling thread.
 *
 * librumpuser (lib/librumpuser/rumpuser_bio.c) hands every block request
 * of the image to one I/O thread through a ring and wakes the caller's
 * biodone from there: two thread switches and futex wake-ups per block.
 * The image is a host file, mostly in the host's page cache, so the
 * pread/pwrite is a copy; doing it in the calling thread (what
 * librumpuser itself does with RUMP_THREADS=0, and what rumprun's own
 * hypercalls do) saves the hand-offs.  The virtual CPU is released
 * around the host call, as librumpuser does, so other rump threads run
 * meanwhile.
 *
 * The libraries stay as the tree builds them: rumpbuild links the
 * program with -Wl,--wrap=rumpuser_bio, so the rump kernel's calls reach
 * __wrap_rumpuser_bio below and librumpuser's own one is left unused
 * (rumpbuild/util/build.py adds this file only for trees whose
 * librumpuser has rumpuser_bio.c and rumpuser__hyp).  RUMP_UTIL_BIO=thread
 * in the environment hands requests to librumpuser's thread as before
 * (for comparison: benchmarks/bench_util.py).
 * Where rbu_pager.c is linked too (and no state: cgd decrypts in the
 * window), a read into one of its pager windows goes with preadv()
 * straight into the pages it covers whole instead of into the window
 * (the window's copy to the pages is then left out).
 *
 * Copyright (c) 2026 The rumpbuild authors.  BSD-2-Clause.
 */

#define LIBRUMPUSER	/* rump/rumpuser.h is the hypercall interface */
#include <sys/types.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* NetBSD's cdefs the header uses, as librumpuser's rumpuser_port.h supplies them */
#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif
#ifndef __printflike
#define __printflike(a, b) __attribute__((__format__(__printf__, a, b)))
#endif
#include <rump/rumpuser.h>

extern struct rumpuser_hyperup rumpuser__hyp;	/* librumpuser's copy of the kernel's upcalls */

/* host errno -> NetBSD errno: 1..34 agree; what a read or write of a file can add, by name */
static int
errtrans(int e)
{
	switch (e) {
	case EAGAIN: return 35;
	case EOPNOTSUPP: return 45;
	case EDQUOT: return 69;
	default: return e >= 1 && e <= 34 ? e : 5 /* EIO */;
	}
}

void __wrap_rumpuser_bio(int, int, void *, size_t, int64_t, rump_biodone_fn, void *);
void __real_rumpuser_bio(int, int, void *, size_t, int64_t, rump_biodone_fn, void *);

static int use_thread = -1;	/* RUMP_UTIL_BIO=thread: librumpuser's I/O thread */

/*
 * rbu_bio_defer_sync (set by rump_util.c for an async mount, its default):
 * a write the kernel marks synchronous is not followed by fdatasync() of the
 * image here; rbu_bio_flush() syncs each image written since, at fsync and
 * at unmount.  ext2fs writes directory and inode blocks synchronously even
 * on an async mount: an untar of 5000 files made 4022 fdatasync calls, 2.8 s
 * of 3.3 (fuse2fs flushes its image at fsync and unmount, the same promise).
 */
int rbu_bio_defer_sync;
#define MAXDIRTY	16
static int dirty_fd[MAXDIRTY], ndirty;
static pthread_mutex_t dirty_lock = PTHREAD_MUTEX_INITIALIZER;

static void
mark_dirty(int fd)
{
	int i;

	pthread_mutex_lock(&dirty_lock);
	for (i = 0; i < ndirty && dirty_fd[i] != fd; i++)
		;
	if (i == ndirty) {
		if (ndirty == MAXDIRTY)
			fdatasync(fd);	/* no room to remember it: sync now */
		else
			dirty_fd[ndirty++] = fd;
	}
	pthread_mutex_unlock(&dirty_lock);
}

/* fdatasync() each image written with a deferred sync; 0, or the first host errno. */
int rbu_bio_flush(void);

int
rbu_bio_flush(void)
{
	int i, error = 0;

	pthread_mutex_lock(&dirty_lock);
	for (i = 0; i < ndirty; i++)
		if (fdatasync(dirty_fd[i]) == -1 && errno != EBADF && error == 0)
			error = errno;	/* EBADF: closed since (the kernel let go of that image) */
	ndirty = 0;
	pthread_mutex_unlock(&dirty_lock);
	return error;
}

/*
 * rbu_pager.c's (linked where the tree's pager windows copy, see there): a read into a pager
 * window goes straight into the storage of the pages it covers whole.  Weak: absent, it is NULL.
 */
struct rbu_piece {
	void *base;
	size_t len;
};
int rumpbuild_pager_readv(void *, size_t, struct rbu_piece *, int) __attribute__((weak));
#define MAXPIECES	64
/*
 * 0 with a state (build.py): a cgd under the file system decrypts its read in place in the window
 * after the block read, so the pages must get the window's bytes (with the pages read into, the cgd
 * test of tests/test_util_mt.py read ciphertext back).
 */
#ifndef RBU_PAGER_READV
#define RBU_PAGER_READV 1
#endif

/* preadv() all of *iov (n pieces, consumed as they are read): bytes read, or -1 with errno */
static ssize_t
readv_all(int fd, struct iovec *iov, int n, off_t off)
{
	size_t done = 0;

	while (n > 0) {
		ssize_t r = preadv(fd, iov, n, off + (off_t)done);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		done += (size_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return (ssize_t)done;
}

void
__wrap_rumpuser_bio(int fd, int op, void *data, size_t dlen, int64_t off, rump_biodone_fn biodone,
    void *arg)
{
	size_t done = 0;
	int nlocks, error = 0, dummy;

	if (use_thread == -1) {	/* racing first calls agree on the value */
		const char *e = getenv("RUMP_UTIL_BIO");

		use_thread = e != NULL && strcmp(e, "thread") == 0;
	}
	if (use_thread) {
		__real_rumpuser_bio(fd, op, data, dlen, off, biodone, arg);
		return;
	}
	if (RBU_PAGER_READV && (op & RUMPUSER_BIO_READ) && rumpbuild_pager_readv != NULL) {
		struct rbu_piece pieces[MAXPIECES];
		struct iovec iov[MAXPIECES];
		int i, n = rumpbuild_pager_readv(data, dlen, pieces, MAXPIECES);	/* before the CPU goes */

		if (n > 0) {
			ssize_t r;

			for (i = 0; i < n; i++) {
				iov[i].iov_base = pieces[i].base;
				iov[i].iov_len = pieces[i].len;
			}
			rumpuser__hyp.hyp_backend_unschedule(0, &nlocks, NULL);
			r = readv_all(fd, iov, n, (off_t)off);
			if (r == -1)
				error = errtrans(errno);
			else
				done = (size_t)r;
			goto done;
		}
	}
	rumpuser__hyp.hyp_backend_unschedule(0, &nlocks, NULL);
	while (done < dlen) {	/* a short transfer at the end of the image is what the caller sees */
		ssize_t n = op & RUMPUSER_BIO_READ ? pread(fd, (char *)data + done, dlen - done, (off_t)(off + done))
		    : pwrite(fd, (const char *)data + done, dlen - done, (off_t)(off + done));

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			error = errtrans(errno);
			break;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	if (error == 0 && (op & RUMPUSER_BIO_WRITE) && (op & RUMPUSER_BIO_SYNC)) {
		if (rbu_bio_defer_sync)
			mark_dirty(fd);
		else if (fdatasync(fd) == -1)
			error = errtrans(errno);
	}
done:
	/* biodone runs scheduled but holding none of the caller's kernel locks, as librumpuser's does */
	rumpuser__hyp.hyp_backend_schedule(0, NULL);
	biodone(arg, error ? 0 : done, error);
	rumpuser__hyp.hyp_backend_unschedule(0, &dummy, NULL);
	rumpuser__hyp.hyp_backend_schedule(nlocks, NULL);
}
