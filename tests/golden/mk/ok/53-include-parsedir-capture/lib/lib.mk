LIBDIR := ${.PARSEDIR}
LIBSRCS := ${LIBDIR}/one.c ${LIBDIR}/two.c
