/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Conversions between Unix and DOS names and times, and the long
 * (Windows 95) names: UTF-8 on the Unix side, UCS-2 on disk.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>

#include <fs/msdosfs/denode.h>

static bool
dos_validchar(int c)
{
	if (c <= ' ' || c >= 0x7f)
		return false;
	return strchr("\"*+,./:;<=>?[\\]|", c) == NULL;
}

/*
 * Convert a Unix name to a space padded 8.3 DOS name.  Returns 0 and
 * sets *lcasep (NT lower case flags) on success, or EINVAL if the name
 * does not fit 8.3 (then it needs a long name).  Mixed case parts
 * are upper-cased: such a name also needs a long name to keep its case.
 */
int
unix2dosfn(const char *un, size_t unlen, uint8_t *dn, uint8_t *lcasep)
{
	size_t i, dot = unlen, baselen, extlen;
	int lower[2] = { 0, 0 }, upper[2] = { 0, 0 };

	memset(dn, ' ', 11);
	if (unlen == 0)
		return EINVAL;
	for (i = 0; i < unlen; i++) {
		if (un[i] == '.') {
			if (dot != unlen)
				return EINVAL;	/* two dots */
			dot = i;
		}
	}
	baselen = dot;
	extlen = dot == unlen ? 0 : unlen - dot - 1;
	if (baselen == 0 || baselen > 8 || extlen > 3 ||
	    (dot != unlen && extlen == 0))
		return EINVAL;

	for (i = 0; i < unlen; i++) {
		int part = i > dot, c = (unsigned char)un[i];

		if (i == dot)
			continue;
		if (!dos_validchar(c))
			return EINVAL;
		if (c >= 'a' && c <= 'z')
			lower[part] = 1;
		else if (c >= 'A' && c <= 'Z')
			upper[part] = 1;
		dn[part ? 8 + (i - dot - 1) : i] = (uint8_t)toupper(c);
	}
	if (dn[0] == SLOT_DELETED)
		dn[0] = 0x05;	/* the DOS escape for a leading 0xe5 */
	*lcasep = 0;
	if (lower[0] && !upper[0])
		*lcasep |= LCASE_BASE;
	if (lower[1] && !upper[1])
		*lcasep |= LCASE_EXT;
	return 0;
}

/* Seconds since 1970 (UTC, shifted by gmtoff) to DOS date and time. */
void
unix2dostime(const struct timespec *tsp, int gmtoff, uint16_t *ddp,
    uint16_t *dtp)
{
	int64_t t = tsp->tv_sec + gmtoff, days, secs, era, doe, yoe, y, doy;
	int64_t mp, d, m;

	if (t < 315532800)		/* 1980-01-01 */
		t = 315532800;
	days = t / 86400;
	secs = t % 86400;

	/* civil date from day count (proleptic Gregorian calendar) */
	days += 719468;
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;

	*ddp = (uint16_t)(((y - 1980) << 9) | (m << 5) | d);
	*dtp = (uint16_t)(((secs / 3600) << 11) | (((secs / 60) % 60) << 5) |
	    ((secs % 60) / 2));
}

/*
 * Convert a space padded 8.3 DOS name to a Unix name, lower-casing the
 * parts the NT flags say are lower case.  Returns the name's length.
 */
size_t
dos2unixfn(const uint8_t *dn, uint8_t lcase, char *un)
{
	size_t i, n = 0, end;

	for (end = 8; end > 0 && dn[end - 1] == ' '; end--)
		continue;
	for (i = 0; i < end; i++) {
		int c = (i == 0 && dn[0] == 0x05) ? SLOT_DELETED : dn[i];

		un[n++] = (char)((lcase & LCASE_BASE) ? tolower(c) : c);
	}
	for (end = 11; end > 8 && dn[end - 1] == ' '; end--)
		continue;
	if (end > 8)
		un[n++] = '.';
	for (i = 8; i < end; i++)
		un[n++] = (char)((lcase & LCASE_EXT) ? tolower(dn[i]) : dn[i]);
	un[n] = '\0';
	return n;
}

/* DOS date and time (2 second steps, local time) to seconds since 1970. */
void
dos2unixtime(uint16_t dd, uint16_t dt, int gmtoff, struct timespec *tsp)
{
	int64_t y = 1980 + (dd >> 9), m = (dd >> 5) & 0xf, d = dd & 0x1f;
	int64_t era, yoe, doy, doe;

	if (m < 1 || m > 12 || d < 1) {
		tsp->tv_sec = 315532800;	/* not a date: 1980-01-01 */
		tsp->tv_nsec = 0;
		return;
	}
	/* day count from civil date (the inverse of unix2dostime's) */
	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	tsp->tv_sec = (era * 146097 + doe - 719468) * 86400 +
	    (dt >> 11) * 3600 + ((dt >> 5) & 0x3f) * 60 + (dt & 0x1f) * 2 -
	    gmtoff;
	tsp->tv_nsec = 0;
}

/*
 * The short name ("alias") for a long name: valid characters upper-cased,
 * the base cut to 6 and "~gen" appended, the last extension cut to 3.
 */
void
unix2dosalias(const char *un, size_t unlen, u_int gen, uint8_t *dn)
{
	size_t i, dot = unlen, n = 0, max;
	char num[8];
	int len;

	memset(dn, ' ', 11);
	for (i = unlen; i > 0; i--) {
		if (un[i - 1] == '.') {
			dot = i - 1;
			break;
		}
	}
	if (dot == 0)
		dot = unlen;		/* ".name": all base */
	len = snprintf(num, sizeof(num), "~%u", gen);
	max = 8 - (size_t)len;
	for (i = 0; i < dot && n < max; i++) {
		int c = (unsigned char)un[i];

		if (c == ' ' || c == '.')
			continue;
		dn[n++] = dos_validchar(c) ? (uint8_t)toupper(c) : '_';
	}
	if (n == 0)
		dn[n++] = '_';
	memcpy(dn + n, num, (size_t)len);
	for (i = dot + 1, n = 8; i < unlen && n < 11; i++) {
		int c = (unsigned char)un[i];

		if (c != ' ')
			dn[n++] = dos_validchar(c) ? (uint8_t)toupper(c) : '_';
	}
}

/* The checksum of a short name that its long name pieces carry. */
uint8_t
winChksum(const uint8_t *name)
{
	uint8_t s = 0;
	int i;

	for (i = 0; i < 11; i++)
		s = (uint8_t)(((s & 1) << 7) + (s >> 1) + name[i]);
	return s;
}

/*
 * UTF-8 to UCS-2 (at most WIN_MAXLEN characters).  Returns the count, or
 * -1 for bad UTF-8, characters beyond the BMP or a name too long.
 */
int
unix2ucs(const char *un, size_t unlen, uint16_t *ucs)
{
	const unsigned char *p = (const unsigned char *)un, *end = p + unlen;
	int n = 0;
	uint32_t c;

	while (p < end) {
		if (n == WIN_MAXLEN)
			return -1;
		if (p[0] < 0x80) {
			c = *p++;
		} else if ((p[0] & 0xe0) == 0xc0 && end - p >= 2 &&
		    (p[1] & 0xc0) == 0x80) {
			c = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else if ((p[0] & 0xf0) == 0xe0 && end - p >= 3 &&
		    (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
			c = (uint32_t)(p[0] & 0x0f) << 12 |
			    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			p += 3;
		} else {
			return -1;
		}
		if (c < 0x20 || c == '/' || c == '\\' || c == ':' ||
		    c == '*' || c == '?' || c == '"' || c == '<' ||
		    c == '>' || c == '|' || (c >= 0xd800 && c < 0xe000))
			return -1;	/* not allowed in a long name */
		ucs[n++] = (uint16_t)c;
	}
	return n;
}

/* UCS-2 to UTF-8 (un holds 3 bytes a character and a NUL); the length. */
size_t
ucs2unix(const uint16_t *ucs, size_t n, char *un)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		uint16_t c = ucs[i];

		if (c < 0x80) {
			un[len++] = (char)c;
		} else if (c < 0x800) {
			un[len++] = (char)(0xc0 | c >> 6);
			un[len++] = (char)(0x80 | (c & 0x3f));
		} else {
			un[len++] = (char)(0xe0 | c >> 12);
			un[len++] = (char)(0x80 | ((c >> 6) & 0x3f));
			un[len++] = (char)(0x80 | (c & 0x3f));
		}
	}
	un[len] = '\0';
	return len;
}

/* Byte offsets of a piece's 13 characters in struct winentry. */
static const uint8_t winoff[WIN_CHARS] = {
	1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30
};

/*
 * Fill *wep with piece cnt (1-based) of the n-character name ucs: after
 * the name a 0x0000, then 0xffff padding.
 */
void
unix2winpiece(const uint16_t *ucs, size_t n, u_int cnt, uint8_t chksum,
    struct winentry *wep)
{
	uint8_t *b = (uint8_t *)wep;
	size_t i, at;
	uint16_t c;

	memset(wep, 0, sizeof(*wep));
	wep->weCnt = (uint8_t)cnt;
	if (cnt * WIN_CHARS >= n)
		wep->weCnt |= WIN_LAST;
	wep->weAttributes = ATTR_WIN95;
	wep->weChksum = chksum;
	for (i = 0; i < WIN_CHARS; i++) {
		at = (cnt - 1) * WIN_CHARS + i;
		c = at < n ? ucs[at] : at == n ? 0 : 0xffff;
		putushort(b + winoff[i], c);
	}
}

/* The 13 characters of a piece (0x0000 ends the name, 0xffff pads). */
void
win2ucs(const struct winentry *wep, uint16_t *ucs)
{
	const uint8_t *b = (const uint8_t *)wep;
	int i;

	for (i = 0; i < WIN_CHARS; i++)
		ucs[i] = getushort(b + winoff[i]);
}
