INC_CURDIR := ${.CURDIR:T}
INC_PARSEDIR := ${.PARSEDIR:S,${.CURDIR},CURDIR,}
INC_PARSEDIR_T := ${.PARSEDIR:T}
INC_PARSEFILE := ${.PARSEFILE}
# '=' binds late: .PARSEDIR is not set any more when -V runs
INC_LATE = [${.PARSEDIR}]
.include "deeper/deep2.mk"
