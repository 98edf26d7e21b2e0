/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#if defined(_KERNEL) || defined(_STANDALONE)
#include <lib/libkern/libkern.h>
#else
#include <string.h>
#endif

#undef strlcpy

size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = 0;

	while (src[len] != '\0') {
		if (size > 1 && len < size - 1)
			dst[len] = src[len];
		len++;
	}
	if (size > 0)
		dst[len < size - 1 ? len : size - 1] = '\0';
	return len;
}
