/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _SYS_STDARG_H_
#define _SYS_STDARG_H_

typedef __builtin_va_list va_list;
#define va_start(ap, last)	__builtin_va_start((ap), (last))
#define va_arg(ap, type)	__builtin_va_arg((ap), type)
#define va_copy(dst, src)	__builtin_va_copy((dst), (src))
#define va_end(ap)		__builtin_va_end(ap)

#endif /* !_SYS_STDARG_H_ */
