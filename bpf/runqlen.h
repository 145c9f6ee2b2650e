/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __RUNQLEN_H
#define __RUNQLEN_H

#include "hist.h"

#endif /* __RUNQLEN_H */
