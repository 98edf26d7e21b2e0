/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* Kernel memory allocator: straight to the host's allocator. */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kmem.h>

#include <rump/rumpuser.h>

void *
kmem_alloc(size_t size, km_flag_t flags)
{
	void *p;

	KASSERT(size != 0);
	if (rumpuser_malloc(size, 0, &p) != 0) {
		if (flags & KM_NOSLEEP)
			return NULL;
		panic("kmem_alloc: out of memory (%zu bytes)", size);
	}
	return p;
}

void *
kmem_zalloc(size_t size, km_flag_t flags)
{
	void *p;

	if ((p = kmem_alloc(size, flags)) != NULL)
		memset(p, 0, size);
	return p;
}

void
kmem_free(void *p, size_t size)
{
	KASSERT(p != NULL);
	rumpuser_free(p, size);
}

char *
kmem_strdup(const char *s, km_flag_t flags)
{
	size_t len = strlen(s) + 1;
	char *p;

	if ((p = kmem_alloc(len, flags)) != NULL)
		memcpy(p, s, len);
	return p;
}

void
kmem_strfree(char *s)
{
	kmem_free(s, strlen(s) + 1);
}
