/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __RUNQLAT_H
#define __RUNQLAT_H

#include "hist.h"

/* The one key of the hists map without -P/-L/--pidnss. */
#define RUNQLAT_ALL ((__u32)-1)

#endif /* __RUNQLAT_H */
