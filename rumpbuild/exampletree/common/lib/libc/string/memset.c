/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#if defined(_KERNEL) || defined(_STANDALONE)
#include <lib/libkern/libkern.h>
#else
#include <string.h>
#endif

#undef memset

void *
memset(void *dst, int c, size_t n)
{
	volatile unsigned char *d = dst;	/* keep gcc from calling us */

	while (n-- > 0)
		*d++ = (unsigned char)c;
	return dst;
}
