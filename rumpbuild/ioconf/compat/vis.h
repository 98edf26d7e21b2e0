/*
 * rumpbuild host stand-in for NetBSD's <vis.h>.  config(1) only uses
 * strvis()/strunvis() to embed the kernel configuration text in a kernel
 * (config_file.h, `config -x`); rump's ioconf-only runs never reach them.
 * The encoding here is the octal one: non-printable bytes, and the white
 * space selected by the flags, become \ooo and a backslash becomes \\.
 */
#ifndef RUMPBUILD_VIS_H
#define RUMPBUILD_VIS_H

#define VIS_OCTAL	0x0001
#define VIS_CSTYLE	0x0002
#define VIS_SP		0x0004
#define VIS_TAB		0x0008
#define VIS_NL		0x0010
#define VIS_WHITE	(VIS_SP | VIS_TAB | VIS_NL)
#define VIS_SAFE	0x0020
#define VIS_NOSLASH	0x0040

int strvis(char *, const char *, int);
int strunvis(char *, const char *);

#endif /* RUMPBUILD_VIS_H */
