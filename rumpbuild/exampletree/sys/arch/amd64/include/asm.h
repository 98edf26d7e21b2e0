/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _AMD64_ASM_H_
#define _AMD64_ASM_H_

#ifdef _LOCORE
#define _ALIGN_TEXT	.align 16
#define ENTRY(name)							\
	.text; _ALIGN_TEXT; .globl name; .type name,@function; name:
#define END(name)	.size name, . - name
#endif

#endif /* !_AMD64_ASM_H_ */
