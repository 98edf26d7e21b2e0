# rumpbuild's model of share/mk/bsd.klinks.mk: the include links
# themselves are made by rumpbuild from rumpbuild/arch data.
_RUMPBUILD_KLINKS=	yes
