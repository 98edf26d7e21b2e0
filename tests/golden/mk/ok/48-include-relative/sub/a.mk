A = from-sub-a
.include "b.mk"
.include "c.mk"
