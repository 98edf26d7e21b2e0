# rumpbuild's model of NetBSD's share/mk/sys.mk: only what kernel and
# rump Makefiles read.  Read before every Makefile, like make does.
CC?=		cc
AR?=		ar
NM?=		nm
OBJCOPY?=	objcopy
LD?=		ld
DBG?=		-O2
CFLAGS?=	${DBG}
AFLAGS?=
COMPILE.c?=	${CC} ${CFLAGS} ${CPPFLAGS} -c
_ASM_TRADITIONAL_CPP=	-x assembler-with-cpp
COMPILE.S?=	${CC} ${AFLAGS} ${AFLAGS.${<:T}} ${CPPFLAGS} ${_ASM_TRADITIONAL_CPP} -c
