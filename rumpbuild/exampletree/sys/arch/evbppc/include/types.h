/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _EVBPPC_TYPES_H_
#define _EVBPPC_TYPES_H_

/* This port uses the CPU family's types unchanged. */
#include <powerpc/types.h>

#endif /* !_EVBPPC_TYPES_H_ */
