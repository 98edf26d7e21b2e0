# rumpbuild's model of share/mk/bsd.kmodule.mk: flags of a kernel module.
# Per-CPU additions (arm -fno-common, powerpc -mlongcall, …) come from
# rumpbuild/arch data as KMODULE_ARCH_CFLAGS.
.include <bsd.init.mk>
.include <bsd.klinks.mk>
MKPIE=		no
.if ${MKCTF:Uno} == "yes"
CFLAGS+=	-g
.endif
.include <bsd.sys.mk>
CFLAGS+=	-ffreestanding ${COPTS}
CPPFLAGS+=	-nostdinc -I. -I${.CURDIR} -isystem $S -isystem $S/arch
CPPFLAGS+=	-isystem ${S}/../common/include
CPPFLAGS+=	-D_KERNEL -D_LKM -D_MODULE -DSYSCTL_INCLUDE_DESCR
CFLAGS+=	-fno-strict-aliasing -Wno-pointer-sign
CFLAGS+=	${KMODULE_ARCH_CFLAGS.${ACTIVE_CC}}
CPPFLAGS+=	${KMODULE_ARCH_CPPFLAGS}
_RUMPBUILD_KIND=	kmod
.-include "$S/arch/${MACHINE_CPU}/include/Makefile.inc"
.-include "$S/arch/${MACHINE}/include/Makefile.inc"
