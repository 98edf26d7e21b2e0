/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _EVBMIPS_TYPES_H_
#define _EVBMIPS_TYPES_H_

/* This port uses the CPU family's types unchanged. */
#include <mips/types.h>

#endif /* !_EVBMIPS_TYPES_H_ */
