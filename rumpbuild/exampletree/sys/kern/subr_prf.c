/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Kernel printf.  Formatting is done here; output goes to the host
 * through rumpuser_dprintf().
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/stdarg.h>

#include <rump/rumpuser.h>

struct outbuf {
	char	*buf;
	size_t	size;
	size_t	len;		/* would-be length, may exceed size */
};

static void
out(struct outbuf *ob, char c)
{
	if (ob->len + 1 < ob->size)
		ob->buf[ob->len] = c;
	ob->len++;
}

static void
outnum(struct outbuf *ob, uint64_t v, unsigned base, bool neg, int width,
    char pad, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		out(ob, pad);
	while (n > 0)
		out(ob, tmp[--n]);
}

int
vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf ob = { buf, size, 0 };
	const char *s;

	for (; *fmt != '\0'; fmt++) {
		int lflag = 0, width = 0, prec = -1;
		char pad = ' ';
		uint64_t u;
		int64_t d;

		if (*fmt != '%') {
			out(&ob, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				for (prec = 0; *fmt >= '0' && *fmt <= '9'; fmt++)
					prec = prec * 10 + (*fmt - '0');
			}
		}
		for (;; fmt++) {
			if (*fmt == 'l')
				lflag++;
			else if (*fmt == 'z')
				lflag = sizeof(size_t) == 8 ? 2 : 0;
			else if (*fmt == 'j')
				lflag = 2;
			else
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			d = lflag == 0 ? va_arg(ap, int) :
			    lflag == 1 ? va_arg(ap, long) :
			    va_arg(ap, long long);
			outnum(&ob, d < 0 ? -(uint64_t)d : (uint64_t)d, 10,
			    d < 0, width, pad, false);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = lflag == 0 ? va_arg(ap, unsigned int) :
			    lflag == 1 ? va_arg(ap, unsigned long) :
			    va_arg(ap, unsigned long long);
			outnum(&ob, u, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
			    false, width, pad, *fmt == 'X');
			break;
		case 'p':
			out(&ob, '0');
			out(&ob, 'x');
			outnum(&ob, (uintptr_t)va_arg(ap, void *), 16, false,
			    0, ' ', false);
			break;
		case 'c':
			out(&ob, (char)va_arg(ap, int));
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (s == NULL)
				s = "(null)";
			for (; *s != '\0' && prec != 0; s++, prec--, width--)
				out(&ob, *s);
			while (width-- > 0)
				out(&ob, ' ');
			break;
		case '%':
			out(&ob, '%');
			break;
		default:
			out(&ob, '%');
			out(&ob, *fmt);
			break;
		}
		if (*fmt == '\0')
			break;
	}
	if (size > 0)
		buf[ob.len < size ? ob.len : size - 1] = '\0';
	return (int)ob.len;
}

int
snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int rv;

	va_start(ap, fmt);
	rv = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return rv;
}

int
vprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int rv;

	rv = vsnprintf(buf, sizeof(buf), fmt, ap);
	rumpuser_dprintf("%s", buf);
	return rv;
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	int rv;

	va_start(ap, fmt);
	rv = vprintf(fmt, ap);
	va_end(ap);
	return rv;
}

void
panic(const char *fmt, ...)
{
	va_list ap;

	printf("panic: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	rumpuser_exit(RUMPUSER_PANIC);
}
