/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * size_t strlen(const char *s)
 *
 * Byte at a time until the pointer is 8-byte aligned, then 8 bytes at a
 * time using the "has a zero byte" test
 *	(x - 0x0101..01) & ~x & 0x8080..80,
 * then find the exact byte.  Aligned 8-byte loads never cross a page
 * boundary, so reading past the terminator is safe.
 */
#include <machine/asm.h>

ENTRY(strlen)
	movq	%rdi, %rax		/* rax: scan pointer */
1:	testb	$7, %al			/* aligned yet? */
	jz	2f
	cmpb	$0, (%rax)
	je	4f
	incq	%rax
	jmp	1b

2:	movabsq	$0x0101010101010101, %r8
	movabsq	$0x8080808080808080, %r9
3:	movq	(%rax), %rdx
	movq	%rdx, %rcx
	subq	%r8, %rcx		/* x - 0x01.. */
	notq	%rdx			/* ~x */
	andq	%rdx, %rcx
	andq	%r9, %rcx
	jnz	5f
	addq	$8, %rax
	jmp	3b

5:	bsfq	%rcx, %rcx		/* lowest set bit: first zero byte */
	shrq	$3, %rcx
	addq	%rcx, %rax
4:	subq	%rdi, %rax		/* length = end - start */
	ret
END(strlen)

	.section .note.GNU-stack,"",@progbits
