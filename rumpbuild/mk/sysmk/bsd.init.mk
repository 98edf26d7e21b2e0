# rumpbuild's model of share/mk/bsd.init.mk (the whole of it that matters).
.if !defined(_BSD_INIT_MK_)
_BSD_INIT_MK_=1
.-include "${.CURDIR}/../Makefile.inc"
.include <bsd.own.mk>
.endif
