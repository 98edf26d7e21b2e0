/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _RUMPUSER_INT_H_
#define _RUMPUSER_INT_H_

/* host errno -> NetBSD errno */
int	rumpuser__errtrans(int);

#define ET(rv)	((rv) == 0 ? 0 : rumpuser__errtrans(rv))

#endif /* _RUMPUSER_INT_H_ */
