# rumpbuild's model of share/mk/bsd.prog.mk: flags only.
.include <bsd.init.mk>
.include <bsd.sys.mk>
_RUMPBUILD_KIND=	prog
