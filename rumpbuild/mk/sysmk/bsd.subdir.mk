# rumpbuild's model of share/mk/bsd.subdir.mk: it reads bsd.init.mk first.
.include <bsd.init.mk>
