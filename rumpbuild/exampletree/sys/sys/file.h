/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_FILE_H_
#define _SYS_FILE_H_

#include <sys/types.h>

struct vnode;

struct file {
	struct vnode	*f_vnode;
	off_t		f_offset;
	int		f_flag;		/* FREAD|FWRITE|O_APPEND */
};
typedef struct file file_t;

#define NDFILE	32

int	fd_allocfile(file_t **, int *);
file_t	*fd_getfile(int);
int	fd_close(int);

#endif /* !_SYS_FILE_H_ */
