/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_FSTRANS_H_
#define _SYS_FSTRANS_H_

struct mount;

/*
 * File system transactions.  Declared here, but deliberately NOT
 * implemented by the base libraries of this tree: a file system that
 * uses them needs a stub or another component at link time.
 */
int	fstrans_start(struct mount *);
void	fstrans_done(struct mount *);

#endif /* !_SYS_FSTRANS_H_ */
