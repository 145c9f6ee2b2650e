/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __TCPSYNBL_H
#define __TCPSYNBL_H

#include "hist.h"

/* The histograms' key: the listener's backlog limit (listen(2)'s backlog,
 * capped at net.core.somaxconn), and with -P its port. */
struct synbl_key {
	__u64 backlog_max;
	__u16 lport;
	__u16 pad[3];
};

#endif /* __TCPSYNBL_H */
