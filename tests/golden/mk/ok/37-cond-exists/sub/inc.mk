.if exists(deep.txt)
R6 = relative-to-parsedir
.else
R6 = relative-to-curdir
.endif
