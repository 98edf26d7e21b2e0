# rumpbuild's model of share/mk/bsd.lib.mk: the includes that set flags,
# the PIC flags, and the compile rules as data.  rumpbuild's build expands
# _RUMPBUILD_RULE.<src>.<obj> with .IMPSRC/.TARGET set, puts the compiler
# in front and `${.IMPSRC} -o ${.TARGET}` behind, as bsd.lib.mk's
# .c.o/.c.pico/.S.o/.S.pico rules do.  Archiving and renaming are
# rumpbuild's own (rumpbuild/rules).
.include <bsd.init.mk>
.include <bsd.shlib.mk>
.include <bsd.gcc.mk>
.include <bsd.sys.mk>
_RUMPBUILD_KIND=	lib
PICFLAGS?=	-fPIC
.if ${MKPICLIB} != "no"
CSHLIBFLAGS+=	${PICFLAGS}
.endif
.if defined(CFLAGS) && !empty(CFLAGS:M*-g*)
CSHLIBFLAGS+=	-g
.endif
SHLIB_MAJOR?=	0
SHLIB_MINOR?=	0
SHLIB_SHFLAGS=	-Wl,-soname,lib${LIB}.so.${SHLIB_MAJOR}
CFLAGS+=	${COPTS}
AFLAGS+=	${COPTS}
_RUMPBUILD_PERFILE=	${COPTS.${.IMPSRC:T}} ${CPUFLAGS.${.IMPSRC:T}} ${CPPFLAGS.${.IMPSRC:T}}
_RUMPBUILD_RULE.c.o=	${CFLAGS} ${RUMPBUILD_CFLAGS} ${CPPFLAGS} -c ${_RUMPBUILD_PERFILE}
_RUMPBUILD_RULE.c.pico=	${CFLAGS} ${RUMPBUILD_CFLAGS} ${CPPFLAGS} -c ${_RUMPBUILD_PERFILE} ${CSHLIBFLAGS}
_RUMPBUILD_RULE.S.o=	${AFLAGS} ${AFLAGS.${.IMPSRC:T}} ${CPPFLAGS} ${_ASM_TRADITIONAL_CPP} -c ${_RUMPBUILD_PERFILE}
_RUMPBUILD_RULE.S.pico=	${AFLAGS} ${AFLAGS.${.IMPSRC:T}} ${CPPFLAGS} ${_ASM_TRADITIONAL_CPP} -c ${PICFLAGS} ${_RUMPBUILD_PERFILE}
# Makefile.rump's rules for RUMPCOMP_USER_SRCS (host headers, not renamed)
_RUMPBUILD_USERRULE.c.o=	${DBG} ${CWARNFLAGS} ${CPUFLAGS} ${RUMPCOMP_USER_WARNFLAGS} ${BUILDRUMP_CFLAGS} ${RUMPCOMP_USER_CPPFLAGS} ${RUMPCOMP_USER_CFLAGS} -c
_RUMPBUILD_USERRULE.c.pico=	-fPIC -DPIC ${DBG} ${CWARNFLAGS} ${CPUFLAGS} ${RUMPCOMP_USER_WARNFLAGS} ${BUILDRUMP_CFLAGS} ${RUMPCOMP_USER_CPPFLAGS} ${RUMPCOMP_USER_CFLAGS} -c
