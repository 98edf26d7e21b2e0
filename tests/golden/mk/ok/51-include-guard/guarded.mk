.if !defined(_GUARDED_MK_)
_GUARDED_MK_ = 1
COUNT += once
.endif
TIMES += included
