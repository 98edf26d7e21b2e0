# rumpbuild's model of share/mk/bsd.lib.mk: the includes that set flags.
# Compile, archive and rename rules are rumpbuild's own (rumpbuild/rules).
.include <bsd.init.mk>
.include <bsd.shlib.mk>
.include <bsd.gcc.mk>
.include <bsd.sys.mk>
_RUMPBUILD_KIND=	lib
