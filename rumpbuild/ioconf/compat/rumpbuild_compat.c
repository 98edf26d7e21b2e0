/*
 * rumpbuild host compatibility functions for building config(1) from a
 * NetBSD source tree: the pieces of NetBSD's libc/libutil that glibc lacks.
 * Written for rumpbuild.
 */
#include "nbtool_config.h"

#include <ctype.h>

#include "util.h"
#include "vis.h"

size_t
rumpbuild_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size != 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t
rumpbuild_strlcat(char *dst, const char *src, size_t size)
{
	size_t used = strnlen(dst, size);

	if (used == size)
		return size + strlen(src);
	return used + rumpbuild_strlcpy(dst + used, src, size - used);
}

int
rumpbuild_reallocarr(void *ptrp, size_t n, size_t size)
{
	void **pp = ptrp;
	void *p;

	if (n == 0 || size == 0) {
		free(*pp);
		*pp = NULL;
		return 0;
	}
	if (n > SIZE_MAX / size)
		return EOVERFLOW;
	p = realloc(*pp, n * size);
	if (p == NULL)
		return errno;
	*pp = p;
	return 0;
}

static void *
checked(void *p)
{
	if (p == NULL)
		err(EXIT_FAILURE, "out of memory");
	return p;
}

void *
emalloc(size_t n)
{
	return checked(malloc(n != 0 ? n : 1));
}

void *
ecalloc(size_t n, size_t size)
{
	return checked(calloc(n != 0 ? n : 1, size != 0 ? size : 1));
}

void *
erealloc(void *p, size_t n)
{
	return checked(realloc(p, n != 0 ? n : 1));
}

char *
estrdup(const char *s)
{
	return checked(strdup(s));
}

char *
estrndup(const char *s, size_t n)
{
	return checked(strndup(s, n));
}

int
evasprintf(char **out, const char *fmt, va_list ap)
{
	int n = vasprintf(out, fmt, ap);

	if (n < 0)
		err(EXIT_FAILURE, "out of memory");
	return n;
}

int
easprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = evasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

FILE *
efopen(const char *path, const char *mode)
{
	FILE *f = fopen(path, mode);

	if (f == NULL)
		err(EXIT_FAILURE, "cannot open `%s'", path);
	return f;
}

int
strvis(char *dst, const char *src, int flags)
{
	char *d = dst;

	for (; *src != '\0'; src++) {
		unsigned char c = (unsigned char)*src;
		int white = (c == ' ' && (flags & VIS_SP)) ||
		    (c == '\t' && (flags & VIS_TAB)) ||
		    (c == '\n' && (flags & VIS_NL));

		if (c == '\\' && !(flags & VIS_NOSLASH)) {
			*d++ = '\\';
			*d++ = '\\';
		} else if (!white &&
		    (isgraph(c) || c == ' ' || c == '\t' || c == '\n')) {
			*d++ = (char)c;
		} else {
			d += sprintf(d, "\\%03o", c);
		}
	}
	*d = '\0';
	return (int)(d - dst);
}

int
strunvis(char *dst, const char *src)
{
	char *d = dst;

	while (*src != '\0') {
		if (*src != '\\') {
			*d++ = *src++;
			continue;
		}
		src++;
		if (*src >= '0' && *src <= '7') {
			int v = 0, i;

			for (i = 0; i < 3 && *src >= '0' && *src <= '7'; i++)
				v = v * 8 + (*src++ - '0');
			*d++ = (char)v;
		} else if (*src == 'n') {
			*d++ = '\n';
			src++;
		} else if (*src == 't') {
			*d++ = '\t';
			src++;
		} else if (*src == 's') {
			*d++ = ' ';
			src++;
		} else if (*src != '\0') {
			*d++ = *src++;
		} else {
			return -1;
		}
	}
	*d = '\0';
	return (int)(d - dst);
}
