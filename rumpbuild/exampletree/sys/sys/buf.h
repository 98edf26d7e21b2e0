/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_BUF_H_
#define _SYS_BUF_H_

#include <sys/types.h>

struct vnode;

/* An uncached buffer: every bread() goes to the device. */
typedef struct buf {
	void		*b_data;
	daddr_t		b_blkno;	/* in DEV_BSIZE units */
	int		b_bcount;
	int		b_flags;
	int		b_error;
	size_t		b_resid;
	struct vnode	*b_vp;
} buf_t;

#define B_READ		0x0001
#define B_WRITE		0x0000

int	bread(struct vnode *, daddr_t, int, int, buf_t **);
int	bwrite(buf_t *);
buf_t	*getblk(struct vnode *, daddr_t, int, int, int);
void	brelse(buf_t *, int);

#endif /* !_SYS_BUF_H_ */
