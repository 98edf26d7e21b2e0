# rumpbuild's model of share/mk/bsd.own.mk.  NETBSDSRCDIR, MACHINE,
# MACHINE_ARCH and MACHINE_CPU arrive as command-line variables.
.if !defined(_BSD_OWN_MK_)
_BSD_OWN_MK_=1
# As NetBSD's: the build's settings file (rumpbuild writes OUT/mk.conf).
.if defined(MAKECONF) && exists(${MAKECONF})
.include "${MAKECONF}"
.endif
BSDSRCDIR?=	${NETBSDSRCDIR}
ACTIVE_CC?=	gcc
HAVE_GCC?=	12
MKPIC?=		yes
MKPICLIB?=	yes
MKSTATICLIB?=	yes
MKPROFILE?=	no
MKZFS?=		no
MKSLJIT?=	no
MKCOMPATMODULES?=	no
MKDTRACE?=	no
MKKDEBUG?=	no
MKRADEONFIRMWARE?=	no
MKISCSI?=	yes
MKLVM?=		yes
MKKMOD?=	yes
MKRUMP?=	yes
MKIPFILTER?=	yes
MKBINUTILS?=	yes
MKREPRO?=	no
MKCTF?=		no
USE_SSP?=	no
USETOOLS?=	never
TOOL_AWK?=	awk
TOOL_CONFIG?=	config
TOOL_SED?=	sed
HOST_SH?=	sh
TOOL_CAT?=	cat
TOOL_MKDEP?=	:
_MKMSG_CREATE?=	:
_MKTARGET_CREATE?=	:
_MKMSG?=	:
LORDER?=	lorder
TSORT?=		tsort -q
.endif
