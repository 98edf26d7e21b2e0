/*
 * rump_<fs>'s pager windows: uvm_pagermapin/out and uvm_pageratop without
 * the copies a read does not need.
 *
 * A rump kernel has no virtual memory to map pages with, so its vm.c
 * "maps" a pager window by allocating memory and copying every page into
 * it, and copies every page back when the window is unmapped, also for a
 * read: it cannot know which parts of the window the device will fill.
 * Reading large files through rump_ext2fs spent 15-18 % of the server's
 * CPU in those two copies (perf record -g, four 64 MB readers at once).
 * This file is compiled as rump kernel code and replaces the three calls
 * for the objects that use them (genfs_io.o, vm_vfs.o): rumpbuild links
 * rump_<fs> with -Wl,--wrap=rumpns_uvm_pagermapin,... so their calls reach
 * the __wrap_ functions below and vm.c's are left unused (vm.o itself
 * calls none of them; the libraries stay as the tree builds them).
 *
 *  - a one-page window is the page's own storage: nothing to copy, in or
 *    out, for reads and writes alike;
 *  - a read window does not copy in the pages that are PG_FAKE (freshly
 *    allocated, their contents undefined: genfs_getpages reads or zeroes
 *    every byte of those, and leaves the others alone, which are still
 *    copied in);
 *  - a block read into a read window (rbu_bio.c asks
 *    rumpbuild_pager_readv) goes straight into the storage of each page it
 *    covers whole, with preadv, and those pages are not copied back; the
 *    rest of the window is, as vm.c does;
 *  - a write window copies in, and not back, as vm.c does.
 *
 * rumpbuild/util/build.py adds this file only for trees whose vm.c makes
 * its windows that way (own_pager()), and not for rump_zfs.
 *
 * Copyright (c) 2026 The rumpbuild authors.  BSD-2-Clause.
 */

#include <sys/param.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/once.h>
#include <sys/queue.h>
#include <sys/systm.h>

#include <uvm/uvm.h>

struct rbu_window {
	vaddr_t kva;
	int npages;
	bool read;
	bool direct;			/* kva is the one page's own storage */
	uint64_t filled;		/* pages a block read filled in their own storage */
	LIST_ENTRY(rbu_window) entries;
	struct vm_page *pgs[];
};

static LIST_HEAD(, rbu_window) windows = LIST_HEAD_INITIALIZER(windows);
static kmutex_t windows_lock;
static ONCE_DECL(windows_once);

vaddr_t __wrap_rumpns_uvm_pagermapin(struct vm_page **, int, int);
void __wrap_rumpns_uvm_pagermapout(vaddr_t, int);
struct vm_page *__wrap_rumpns_uvm_pageratop(vaddr_t);
struct vm_page *__real_rumpns_uvm_pageratop(vaddr_t);

static int
windows_init(void)
{
	mutex_init(&windows_lock, MUTEX_DEFAULT, IPL_NONE);
	return 0;
}

static size_t
window_size(int npages)
{
	return offsetof(struct rbu_window, pgs[npages]);
}

vaddr_t
__wrap_rumpns_uvm_pagermapin(struct vm_page **pgs, int npages, int flags)
{
	struct rbu_window *w;
	int i;

	RUN_ONCE(&windows_once, windows_init);
	w = kmem_alloc(window_size(npages), KM_SLEEP);
	w->npages = npages;
	w->read = (flags & UVMPAGER_MAPIN_READ) != 0;
	w->direct = npages == 1;
	w->filled = 0;
	memcpy(w->pgs, pgs, npages * sizeof(*pgs));
	if (w->direct) {
		w->kva = (vaddr_t)pgs[0]->uanon;
	} else {
		w->kva = (vaddr_t)kmem_alloc(npages * PAGE_SIZE, KM_SLEEP);
		for (i = 0; i < npages; i++) {
			/* the caller owns the busy pages: PG_FAKE cannot change meanwhile */
			if (!w->read || (pgs[i]->flags & PG_FAKE) == 0)
				memcpy((char *)w->kva + i * PAGE_SIZE, pgs[i]->uanon, PAGE_SIZE);
		}
	}
	mutex_enter(&windows_lock);
	LIST_INSERT_HEAD(&windows, w, entries);
	mutex_exit(&windows_lock);
	return w->kva;
}

void
__wrap_rumpns_uvm_pagermapout(vaddr_t kva, int npages)
{
	struct rbu_window *w;
	int i;

	mutex_enter(&windows_lock);
	LIST_FOREACH(w, &windows, entries) {
		if (w->kva == kva)
			break;
	}
	if (w == NULL)
		panic("uvm_pagermapout: %p is no pager window (rump_<fs>'s rbu_pager.c)", (void *)kva);
	if (w->npages != npages)
		panic("uvm_pagermapout: partial unmapping not supported");
	LIST_REMOVE(w, entries);
	mutex_exit(&windows_lock);

	if (!w->direct) {
		if (w->read) {
			for (i = 0; i < npages; i++)
				if (i >= 64 || (w->filled & ((uint64_t)1 << i)) == 0)
					memcpy(w->pgs[i]->uanon, (char *)kva + i * PAGE_SIZE, PAGE_SIZE);
		}
		kmem_free((void *)kva, npages * PAGE_SIZE);
	}
	kmem_free(w, window_size(npages));
}

struct vm_page *
__wrap_rumpns_uvm_pageratop(vaddr_t va)
{
	struct rbu_window *w;
	struct vm_page *pg = NULL;

	RUN_ONCE(&windows_once, windows_init);
	mutex_enter(&windows_lock);
	LIST_FOREACH(w, &windows, entries) {
		if (w->kva <= va && va < w->kva + w->npages * PAGE_SIZE) {
			pg = w->pgs[(va - w->kva) >> PAGE_SHIFT];
			break;
		}
	}
	mutex_exit(&windows_lock);
	return pg != NULL ? pg : __real_rumpns_uvm_pageratop(va);
}

/*
 * Where a block read of [data, data + len) should land: pieces (at most
 * max) in *pieces, their number returned, or 0 to read into data as is
 * (data is no multi-page read window, or the read needs more pieces).
 * Each window page the read covers whole is read into the page's own
 * storage and marked, so uvm_pagermapout does not copy it back; the rest
 * stays in the window.  Called by rbu_bio.c with the virtual CPU held.
 */
struct rbu_piece {
	void *base;
	size_t len;
};
int rumpbuild_pager_readv(void *, size_t, struct rbu_piece *, int);

int
rumpbuild_pager_readv(void *data, size_t len, struct rbu_piece *pieces, int max)
{
	struct rbu_window *w;
	vaddr_t p = (vaddr_t)data, end = p + len;
	uint64_t filled = 0;
	int n = 0;

	RUN_ONCE(&windows_once, windows_init);
	mutex_enter(&windows_lock);
	LIST_FOREACH(w, &windows, entries) {
		if (w->kva <= p && p < w->kva + w->npages * PAGE_SIZE)
			break;
	}
	if (w == NULL || !w->read || w->direct || w->npages > 64 || end > w->kva + w->npages * PAGE_SIZE) {
		mutex_exit(&windows_lock);
		return 0;
	}
	while (p < end) {
		int i = (p - w->kva) >> PAGE_SHIFT;
		vaddr_t page = w->kva + ((vaddr_t)i << PAGE_SHIFT);
		vaddr_t to = MIN(end, page + PAGE_SIZE);
		bool whole = p == page && to == page + PAGE_SIZE;
		void *base = whole ? (void *)w->pgs[i]->uanon : (void *)p;

		if (!whole && n > 0 && (char *)pieces[n - 1].base + pieces[n - 1].len == base) {
			pieces[n - 1].len += to - p;	/* window bytes next to window bytes */
		} else if (n == max) {
			mutex_exit(&windows_lock);
			return 0;
		} else {
			pieces[n].base = base;
			pieces[n++].len = to - p;
		}
		if (whole)
			filled |= (uint64_t)1 << i;
		p = to;
	}
	w->filled |= filled;
	mutex_exit(&windows_lock);
	return n;
}
