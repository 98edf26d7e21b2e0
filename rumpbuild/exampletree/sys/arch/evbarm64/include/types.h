/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _EVBARM64_TYPES_H_
#define _EVBARM64_TYPES_H_

/* This port uses the CPU family's types unchanged. */
#include <aarch64/types.h>

#endif /* !_EVBARM64_TYPES_H_ */
