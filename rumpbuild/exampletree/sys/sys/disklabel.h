/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_DISKLABEL_H_
#define _SYS_DISKLABEL_H_

/* The partition that covers the whole disk: XX?d on x86, XX?c elsewhere (NetBSD's <machine/disklabel.h>). */
#if defined(__x86_64__) || defined(__i386__)
#define RAW_PART	3
#else
#define RAW_PART	2
#endif
#define MAXPARTITIONS	16

#endif /* !_SYS_DISKLABEL_H_ */
