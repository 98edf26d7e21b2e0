/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _EVBARM_TYPES_H_
#define _EVBARM_TYPES_H_

/* This port uses the CPU family's types unchanged. */
#include <arm/types.h>

#endif /* !_EVBARM_TYPES_H_ */
